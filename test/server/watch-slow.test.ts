// Slow CAIRN.WATCH clients (issue 13, etcd's unsynced watchers): a watcher that stops reading while
// megabytes of changes are written holds a bounded output buffer (CLIENT LIST's omem stays near
// the unsync threshold instead of growing to the pubsub hard limit); when it reads again it gets
// every change, gap-free, duplicate-free and in order, as a watcher that kept reading did (judged
// by the feed checker against the writers' recorded history and the final state); and a watcher
// paused while the history is trimmed past it gets the `compacted` frame, after a gap-free prefix.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { checkFeed, HistoryRecorder, type FeedEvent, type PendingOperation, type WatcherRecord } from '../../src/check/index.js';
import { ReplyParser, type ServerReply } from '../../src/resp/reply-parser.js';
import { UNSYNC_BYTES } from '../../src/server/watch-client.js';
import { encodeCommand, RawClient, show, startCairn, waitFor, type RunningProcess } from './helpers.js';

let server: RunningProcess;
const closers: Array<() => void> = [];

before(async () => {
  server = await startCairn();
});

after(async () => {
  for (const close of closers) close();
  await server.cleanup();
});

const VALUE_BYTES = 16 * 1024;
const BATCH = 50;

/** A watching connection that parses its frames as they come (RawClient keeps every byte, too slow here). */
class Watcher {
  readonly events: FeedEvent[] = [];
  readonly frames: unknown[][] = [];
  startRevision = -1;
  progressRevision = 0;
  private readonly parser = new ReplyParser();

  private constructor(readonly socket: Socket, readonly clientId: number) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
  }

  static async open(pattern: string): Promise<Watcher> {
    const socket = connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    closers.push(() => socket.destroy());
    const idParser = new ReplyParser();
    const id = await new Promise<number>((resolve) => {
      socket.once('data', (chunk: Buffer) => {
        idParser.push(chunk);
        resolve(Number(show(idParser.next()!)));
      });
      socket.write(encodeCommand(['CLIENT', 'ID']));
    });
    const watcher = new Watcher(socket, id);
    socket.write(encodeCommand(['CAIRN.WATCH', pattern]));
    await waitFor('the watch frame', () => (watcher.startRevision >= 0 ? true : undefined));
    return watcher;
  }

  private onData(chunk: Buffer): void {
    this.parser.push(chunk);
    for (let reply = this.parser.next(); reply !== undefined; reply = this.parser.next()) this.take(reply);
  }

  private take(reply: ServerReply): void {
    const frame = show(reply) as unknown[];
    const kind = frame[0];
    if (kind === 'watch') this.startRevision = frame[2] as number;
    else if (kind === 'progress') this.progressRevision = frame[2] as number;
    else if (kind === 'change') {
      const fields = frame[3] as string[];
      const field = (name: string): string | undefined => fields[fields.indexOf(name) + 1];
      this.events.push({ id: frame[2] as string, op: field('op')!, key: field('key')!, value: fields.includes('value') ? field('value') : undefined });
    } else this.frames.push(frame);
  }

  lastRevision(): number {
    const last = this.events[this.events.length - 1];
    return last === undefined ? this.startRevision : Number(last.id.split('-')[0]);
  }

  record(name: string): WatcherRecord {
    return { name, startRevision: this.startRevision, keyPrefix: '', events: this.events, reconnectsAt: [], startState: new Map(), progressRevision: this.progressRevision };
  }
}

/** The client's output buffer bytes, from CLIENT LIST. */
async function omem(admin: RawClient, clientId: number): Promise<number> {
  const line = show(await admin.call('CLIENT', 'LIST', 'ID', String(clientId))) as string;
  const match = /omem=(\d+)/.exec(line);
  assert.ok(match !== null, `CLIENT LIST shows omem: ${line}`);
  return Number(match[1]);
}

/**
 * Writes `count` SETs of VALUE_BYTES-byte values over `keys` keys named `<prefix><k>`, pipelined
 * BATCH at a time, recording them; after each batch samples the slow watcher's omem. Returns the
 * largest sample.
 */
async function writeWhileSampling(prefix: string, count: number, keys: number, recorder: HistoryRecorder, slowId: number): Promise<number> {
  const writer = await RawClient.connect(server.port);
  const admin = await RawClient.connect(server.port);
  closers.push(() => writer.close(), () => admin.close());
  const padding = 'x'.repeat(VALUE_BYTES);
  let largest = 0;
  for (let first = 0; first < count; first += BATCH) {
    const pending: Array<PendingOperation<'write'>> = [];
    for (let n = first; n < Math.min(count, first + BATCH); n++) {
      const key = `${prefix}${n % keys}`;
      const value = `${n}:${padding}`;
      pending.push(recorder.invoke(n % 7, key, { kind: 'write', value }));
      writer.command('SET', key, value);
    }
    const replies = await writer.replies(pending.length, 30_000);
    replies.forEach((reply, i) => (show(reply) === 'OK' ? pending[i]!.ok() : pending[i]!.fail()));
    largest = Math.max(largest, await omem(admin, slowId));
  }
  writer.close();
  admin.close();
  return largest;
}

async function currentRevision(): Promise<number> {
  const client = await RawClient.connect(server.port);
  try {
    return Number(show(await client.call('CAIRN.REVISION')));
  } finally {
    client.close();
  }
}

/** What a slow watcher may hold: the threshold, the frame that crossed it, and a progress frame's slack. */
const OMEM_BOUND = UNSYNC_BYTES + VALUE_BYTES + 4096;

test('a watcher that stops reading holds a bounded buffer, then gets every change in order', async () => {
  const keys = 40;
  const count = 1_500; // 24 MB of changes: several times what loopback's socket buffers absorb
  const fast = await Watcher.open('slow:*');
  const slow = await Watcher.open('slow:*');
  slow.socket.pause();
  const recorder = new HistoryRecorder(() => Date.now());
  const largest = await writeWhileSampling('slow:', count, keys, recorder, slow.clientId);
  assert.ok(largest <= OMEM_BOUND, `the slow watcher's output buffer stayed bounded: largest ${largest} bytes, bound ${OMEM_BOUND}`);
  assert.ok(largest >= UNSYNC_BYTES / 2, `the slow watcher was backlogged (largest omem ${largest}): the test exercises the unsynced path`);
  const finalRevision = await currentRevision();
  slow.socket.resume();
  await waitFor('both watchers caught up', () => (fast.lastRevision() >= finalRevision && slow.lastRevision() >= finalRevision ? true : undefined), 60_000);
  const reader = await RawClient.connect(server.port);
  closers.push(() => reader.close());
  const names = Array.from({ length: keys }, (_, k) => `slow:${k}`);
  const values = show(await reader.call('MGET', ...names)) as string[];
  const result = checkFeed({
    watchers: [fast.record('fast'), slow.record('slow')],
    history: recorder.history(),
    initial: { revision: slow.startRevision, state: new Map() },
    final: { revision: finalRevision, state: new Map(names.map((name, k) => [name, values[k]!])), keys: names },
    incrementStep: 1,
  });
  assert.deepEqual(result.problems, []);
  assert.ok(result.ok);
  assert.equal(slow.events.length, count, 'the slow watcher got every change');
  assert.deepEqual(slow.events.map((e) => e.id), fast.events.map((e) => e.id), 'the same changes as the watcher that kept reading');
  assert.deepEqual(slow.frames, [], 'no compacted or other frame');
  firstRun = { startRevision: slow.startRevision, ids: fast.events.map((e) => e.id) };
});

/** What the first test's watchers got, for the replay test. */
let firstRun: { startRevision: number; ids: string[] } | undefined;

test('a watch FROM an old revision replays megabytes of history in order, beyond what its reply holds', async () => {
  assert.ok(firstRun !== undefined, 'the first test ran');
  const socket = connect(server.port, '127.0.0.1');
  closers.push(() => socket.destroy());
  const parser = new ReplyParser();
  const ids: string[] = [];
  socket.on('data', (chunk: Buffer) => {
    parser.push(chunk);
    for (let reply = parser.next(); reply !== undefined; reply = parser.next()) {
      const frame = show(reply) as unknown[];
      if (frame[0] === 'change') ids.push(frame[2] as string);
    }
  });
  socket.write(encodeCommand(['CAIRN.WATCH', 'slow:*', 'FROM', String(firstRun.startRevision + 1)]));
  await waitFor('the replay', () => (ids.length >= firstRun!.ids.length ? true : undefined), 60_000);
  assert.deepEqual(ids.slice(0, firstRun.ids.length), firstRun.ids);
});

test('a watcher paused while the history is trimmed past it gets compacted after a gap-free prefix', async () => {
  const admin = await RawClient.connect(server.port);
  closers.push(() => admin.close());
  await admin.call('CAIRN.RETENTION', 'MAXCHANGES', '200');
  const slow = await Watcher.open('trim:*');
  slow.socket.pause();
  const recorder = new HistoryRecorder(() => Date.now());
  const largest = await writeWhileSampling('trim:', 1_000, 10, recorder, slow.clientId);
  assert.ok(largest <= OMEM_BOUND, `bounded while paused: largest ${largest} bytes`);
  slow.socket.resume();
  await waitFor('the compacted frame', () => (slow.frames.length > 0 ? true : undefined), 30_000);
  const [kind, pattern, oldest] = slow.frames[0]!;
  assert.equal(kind, 'compacted');
  assert.equal(pattern, 'trim:*');
  // Every change is to trim:*, so the ids it got run without a hole from the start: the next
  // change of the same revision, or the first of the next revision.
  let expected = { revision: slow.startRevision + 1, index: 0 };
  for (const event of slow.events) {
    const [revision, index] = event.id.split('-').map(Number) as [number, number];
    const next = revision === expected.revision && index === expected.index;
    assert.ok(next || (revision === expected.revision + 1 && index === 0 && expected.index > 0), `gap-free before compacted: ${event.id} after ${expected.revision}-${expected.index - 1}`);
    expected = { revision, index: index + 1 };
  }
  assert.ok((oldest as number) > slow.lastRevision(), `the oldest retained revision ${String(oldest)} is past what it got (${slow.lastRevision()})`);
  assert.ok(slow.events.length < 1_000, 'it did not get everything');
  // The watch has ended: the RESP2 connection is out of watch mode and runs any command.
  slow.socket.write(encodeCommand(['CAIRN.REVISION']));
  await waitFor('its reply', () => (slow.frames.length > 1 ? true : undefined));
  assert.equal(typeof slow.frames[1], 'number', `CAIRN.REVISION answered after the watch ended: ${JSON.stringify(slow.frames[1])}`);
  await admin.call('CAIRN.RETENTION', 'MAXCHANGES', '100000');
});
