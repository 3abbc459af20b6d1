// CAIRN.WATCH on a live server over raw sockets: the `watch` frame, then the retained changes from
// FROM that match the glob, then live ones, as RESP3 push frames and RESP2 arrays; progress frames
// while idle; PREVVALUE; COMPACTED for a trimmed FROM; RESP2 watch mode refusing other commands;
// and, under concurrent writes, the changes a watch gets are exactly the feed's from its revision
// on: nothing missed or doubled at the hand-over from replay to live.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerReply } from '../../src/resp/reply-parser.js';
import { RawClient, show, startCairn, waitFor, type RunningProcess } from './helpers.js';

let server: RunningProcess;
const raws: RawClient[] = [];

before(async () => {
  server = await startCairn();
});

after(async () => {
  for (const raw of raws) raw.close();
  await server.cleanup();
});

async function connect(resp3: boolean): Promise<RawClient> {
  const raw = await RawClient.connect(server.port);
  raws.push(raw);
  if (resp3) await raw.call('HELLO', '3');
  return raw;
}

async function revision(): Promise<number> {
  const raw = await connect(false);
  return Number(show(await raw.call('CAIRN.REVISION')));
}

/** Frames as [kind, pattern, ...rest] with bulk strings as text. */
type Frame = unknown[];

/** Reads frames until `done` says so (or the deadline). */
async function framesUntil(raw: RawClient, done: (frames: Frame[]) => boolean, timeoutMs = 10_000): Promise<Frame[]> {
  const frames: Frame[] = [];
  await waitFor('the frames wanted', () => {
    for (let reply = raw.parser.next(); reply !== undefined; reply = raw.parser.next()) frames.push(show(reply) as Frame);
    return done(frames) ? true : undefined;
  }, timeoutMs);
  return frames;
}

const changes = (frames: Frame[]): Frame[] => frames.filter((f) => f[0] === 'change');

test('RESP3: the watch frame, replayed changes from FROM, live ones, progress while idle, UNWATCH', async () => {
  const writer = await connect(false);
  const from = (await revision()) + 1;
  await writer.call('SET', 'w3:a', '1');
  await writer.call('SET', 'other', 'x');
  await writer.call('DEL', 'w3:a');
  const raw = await connect(true);
  raw.command('CAIRN.WATCH', 'w3:*', 'FROM', String(from));
  let frames = await framesUntil(raw, (f) => changes(f).length >= 2);
  const at = from + 2;
  assert.deepEqual(frames[0], ['watch', 'w3:*', at]);
  assert.deepEqual(changes(frames), [
    ['change', 'w3:*', `${from}-0`, ['op', 'set', 'key', 'w3:a', 'value', '1']],
    ['change', 'w3:*', `${from + 2}-0`, ['op', 'del', 'key', 'w3:a']],
  ]);
  assert.ok(raw.raw.includes('>4\r\n$6\r\nchange\r\n$4\r\nw3:*\r\n'), 'a RESP3 push frame');
  await writer.call('SET', 'w3:b', '2');
  frames = await framesUntil(raw, (f) => changes(f).length >= 1);
  assert.deepEqual(changes(frames), [['change', 'w3:*', `${at + 1}-0`, ['op', 'set', 'key', 'w3:b', 'value', '2']]]);
  const startedMs = Date.now();
  frames = await framesUntil(raw, (f) => f.some((frame) => frame[0] === 'progress'), 5_000);
  assert.ok(Date.now() - startedMs <= 1_500, 'progress within a second or so while idle');
  assert.deepEqual(frames.find((frame) => frame[0] === 'progress'), ['progress', 'w3:*', at + 1]);
  raw.command('CAIRN.UNWATCH');
  frames = await framesUntil(raw, (f) => f.some((frame) => frame[0] === 'unwatch'));
  assert.deepEqual(frames.find((frame) => frame[0] === 'unwatch'), ['unwatch', 'w3:*', 0]);
  assert.equal(show(await raw.call('GET', 'w3:b')), '2', 'a RESP3 client runs commands while it watches');
});

test('RESP2: frames are arrays, and only the watch commands, PING, QUIT and RESET run while watching', async () => {
  const writer = await connect(false);
  const raw = await connect(false);
  const watched = await raw.call('CAIRN.WATCH', 'w2:*');
  const now = await revision();
  assert.deepEqual(show(watched), ['watch', 'w2:*', now]);
  assert.ok(raw.raw.toString().startsWith('*3\r\n$5\r\nwatch\r\n'));
  const refused = await raw.call('GET', 'x');
  assert.match(String(show(refused)), /only CAIRN\.WATCH \/ CAIRN\.UNWATCH \/ PING \/ QUIT \/ RESET are allowed/);
  await writer.call('SET', 'w2:k', 'v');
  const frames = await framesUntil(raw, (f) => changes(f).length >= 1);
  assert.deepEqual(changes(frames), [['change', 'w2:*', `${now + 1}-0`, ['op', 'set', 'key', 'w2:k', 'value', 'v']]]);
  assert.deepEqual(show(await raw.call('CAIRN.WATCH', 'w2:*')), 'ERR:ERR this connection already watches \'w2:*\'');
  await raw.call('RESET');
  assert.equal(show(await raw.call('GET', 'w2:k')), 'v', 'RESET ends watch mode');
});

test('PREVVALUE carries what the key\'s previous change left; FROM a trimmed revision answers COMPACTED', async () => {
  const writer = await connect(false);
  await writer.call('SET', 'pv:k', 'first');
  const raw = await connect(true);
  raw.command('CAIRN.WATCH', 'pv:*', 'PREVVALUE');
  await framesUntil(raw, (f) => f.length >= 1);
  await writer.call('SET', 'pv:k', 'second');
  await writer.call('DEL', 'pv:k');
  await writer.call('SET', 'pv:k', 'third');
  const frames = changes(await framesUntil(raw, (f) => changes(f).length >= 3));
  assert.deepEqual(frames.map((f) => f[3]), [
    ['op', 'set', 'key', 'pv:k', 'value', 'second', 'prev', 'first'],
    ['op', 'del', 'key', 'pv:k', 'prev', 'second'],
    ['op', 'set', 'key', 'pv:k', 'value', 'third'],
  ]);
  await writer.call('CAIRN.RETENTION', 'MAXCHANGES', '2');
  for (let i = 0; i < 3; i++) await writer.call('SET', `pv:t${i}`, 'x');
  const last = await revision();
  const compacted = await writer.call('CAIRN.WATCH', '*', 'FROM', String(last - 2));
  assert.match(String(show(compacted)), new RegExp(`^ERR:COMPACTED .*the oldest retained revision is ${last - 1}$`));
  await writer.call('CAIRN.RETENTION', 'MAXCHANGES', '100000');
});

test('under concurrent writes a watch FROM a revision gets exactly the feed from there: no gap, no duplicate', async () => {
  const from = (await revision()) + 1;
  let writing = true;
  const writers = await Promise.all([connect(false), connect(false)]);
  const loops = writers.map(async (writer, w) => {
    for (let i = 0; writing; i++) await writer.call('SET', `hand:${w}:${i % 50}`, String(i));
  });
  let raw: RawClient;
  try {
    // Generous deadlines: on a loaded machine two writers with fsync may manage only tens of writes a second.
    await waitFor('some writes', async () => ((await revision()) > from + 100 ? true : undefined), 60_000);
    raw = await connect(true);
    raw.command('CAIRN.WATCH', '*', 'FROM', String(from));
    await waitFor('more writes after the watch began', async () => ((await revision()) > from + 400 ? true : undefined), 60_000);
  } finally {
    // The writers stop whatever happened, so that a failure here does not run on into the next tests.
    writing = false;
    await Promise.all(loops);
  }
  const last = await revision();
  const frames = changes(await framesUntil(raw, (f) => changes(f).some((frame) => frame[2] === `${last}-0`)));
  const reader = await connect(false);
  const feed = show(await reader.call('XRANGE', '__cairn:changes', String(from), String(last))) as [string, string[]][];
  assert.deepEqual(frames.map((f) => [f[2], f[3]]), feed);
  const revisions = new Set(feed.map(([id]) => Number(id.split('-')[0])));
  assert.equal(revisions.size, last - from + 1, 'every revision from FROM to the last (writes of one turn share an entry)');
});

test('a watch and XREAD of the feed report the same revision as CAIRN.REVISION', async () => {
  const raw = await connect(false);
  const reply: ServerReply = await raw.call('XREVRANGE', '__cairn:changes', '+', '-', 'COUNT', '1');
  const newest = (show(reply) as [string, string[]][])[0]!;
  assert.equal(Number(newest[0].split('-')[0]), await revision());
});

test('a read-only script reads CAIRN.REVISION and keys at one point, from which a watch goes on', async () => {
  const writer = await connect(false);
  await writer.call('SET', 'pt:k', 'before');
  const [at, value] = show(await writer.call('EVAL_RO', "return {redis.call('CAIRN.REVISION'), redis.call('GET', KEYS[1])}", '1', 'pt:k')) as [number, string];
  assert.equal(value, 'before');
  await writer.call('SET', 'pt:k', 'after');
  const raw = await connect(true);
  raw.command('CAIRN.WATCH', 'pt:*', 'FROM', String(at + 1));
  const frames = changes(await framesUntil(raw, (f) => changes(f).length >= 1));
  assert.deepEqual(frames[0], ['change', 'pt:*', `${at + 1}-0`, ['op', 'set', 'key', 'pt:k', 'value', 'after']]);
});
