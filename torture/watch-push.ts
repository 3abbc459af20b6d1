// A CAIRN.WATCH watcher of the watch workload: a raw RESP2 connection that sends
// `CAIRN.WATCH <pattern> FROM <revision>` and records the frames that follow (docs/WATCH.md):
// `watch <pattern> <rev>` (the replay up to rev follows), `progress <pattern> <rev>` (every change
// up to rev was sent),
// `change <pattern> <id> [op .. key .. value ..]`, `compacted <pattern> <oldest>` (the watch ended).
// On an error, a closed socket, 3 s without any frame (a paused node), and now and then on purpose,
// it reconnects to another node FROM the later of its last change's revision and its last progress
// + 1, dropping the replayed changes up to its last id (only those: any other repeat is recorded,
// for the checker to see). The planted `skip-after-reconnect` drops the first new change after a
// reconnect, as watch-stream.ts does.

import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { compareFeedIds, parseFeedId, type FeedEvent, type FeedId, type WatcherRecord } from '../src/check/index.js';
import type { Prng } from '../src/lib/prng.js';
import { ReplyParser, type ServerReply } from '../src/resp/reply-parser.js';
import type { HostPort } from './net.js';
import { toFeedEvent, type WatchPlant } from './watch-stream.js';

/** A session that hears no frame for this long (progress comes at least every second) is dropped. */
const SILENCE_MS = 3_000;
const POLL_MS = 100;
/** Chance that the watcher moves to another node after a change. */
const HOP_CHANCE = 0.02;
const EVENTS_MAX = 2_000_000;

type SessionEnd = 'stop' | 'error' | 'hop' | 'compacted';

function command(args: readonly string[]): Buffer {
  return Buffer.concat([Buffer.from(`*${args.length}\r\n`), ...args.map((a) => Buffer.from(`$${Buffer.byteLength(a)}\r\n${a}\r\n`))]);
}

function text(reply: ServerReply | undefined): string {
  if (reply?.type === 'bulk') return reply.value.toString('latin1');
  if (reply?.type === 'integer') return String(reply.value);
  if (reply?.type === 'simple') return reply.value;
  return '';
}

export class PushWatcher {
  readonly events: FeedEvent[] = [];
  readonly reconnectsAt: number[] = [];
  errors = 0;
  compacted = false;
  /** The highest revision a watch or progress frame vouched for. */
  private progress = 0;
  private lastId: FeedId | undefined;
  /** Replayed changes up to here were received before the reconnect. */
  private replayedUpTo: FeedId | undefined;
  private skipNext = false;

  constructor(
    readonly name: string,
    private readonly pattern: string,
    private readonly nodes: readonly HostPort[],
    private node: number,
    private readonly prng: Prng,
    private readonly plant: WatchPlant,
  ) {}

  /** The revision it is known to be up to date with. */
  get lastRevision(): number {
    return Math.max(this.progress, this.lastId?.revision ?? 0);
  }

  async run(stopped: () => boolean): Promise<void> {
    for (;;) {
      const end = await this.session(stopped);
      if (end === 'stop' || end === 'compacted') return;
      if (end === 'error') {
        this.errors++;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      if (this.nodes.length > 1) this.node = (this.node + this.prng.int(1, this.nodes.length - 1)) % this.nodes.length;
      this.reconnectsAt.push(this.events.length);
      if (this.plant === 'skip-after-reconnect') this.skipNext = true;
    }
  }

  record(): WatcherRecord {
    const keyPrefix = this.pattern.endsWith('*') ? this.pattern.slice(0, -1) : this.pattern;
    return { name: this.name, startRevision: 0, keyPrefix, events: this.events, reconnectsAt: this.reconnectsAt, startState: new Map(), progressRevision: this.progress };
  }

  private session(stopped: () => boolean): Promise<SessionEnd> {
    const from = Math.max(1, this.progress + 1, this.lastId?.revision ?? 0);
    this.replayedUpTo = this.lastId;
    const address = this.nodes[this.node]!;
    return new Promise((resolve) => {
      const socket = connect(address.port, address.host);
      const parser = new ReplyParser();
      let heardMs = performance.now();
      const finish = (end: SessionEnd): void => {
        clearInterval(timer);
        socket.destroy();
        resolve(end);
      };
      const timer = setInterval(() => {
        if (stopped()) finish('stop');
        else if (performance.now() - heardMs > SILENCE_MS) finish('error');
      }, POLL_MS);
      socket.on('connect', () => socket.write(command(['CAIRN.WATCH', this.pattern, 'FROM', String(from)])));
      socket.on('error', () => finish('error'));
      socket.on('close', () => finish('error'));
      socket.on('data', (chunk: Buffer) => {
        heardMs = performance.now();
        try {
          parser.push(chunk);
          for (let reply = parser.next(); reply !== undefined; reply = parser.next()) {
            const end = this.onFrame(reply);
            if (end !== undefined) return finish(end);
          }
        } catch {
          finish('error');
        }
      });
    });
  }

  private onFrame(reply: ServerReply): SessionEnd | undefined {
    if (reply.type !== 'array' && reply.type !== 'push') return 'error';
    const kind = text(reply.items[0]);
    // Only a progress frame vouches for what came before it. The `watch` frame's revision comes
    // ahead of the replay it announces: taking it as progress and then leaving mid-replay (a hop)
    // resumed past the changes not yet read (the checker caught that in this client).
    if (kind === 'progress') this.progress = Math.max(this.progress, Number(text(reply.items[2])));
    if (kind === 'compacted') {
      this.compacted = true;
      return 'compacted';
    }
    if (kind !== 'change') return undefined;
    const id = parseFeedId(text(reply.items[2]));
    if (this.replayedUpTo !== undefined && compareFeedIds(id, this.replayedUpTo) <= 0) return undefined;
    this.replayedUpTo = undefined;
    const fields = reply.items[3]?.type === 'array' ? reply.items[3].items.map(text) : [];
    this.lastId = this.lastId === undefined || compareFeedIds(id, this.lastId) > 0 ? id : this.lastId;
    if (this.skipNext) {
      this.skipNext = false;
      return undefined;
    }
    if (this.events.length < EVENTS_MAX) this.events.push(toFeedEvent(text(reply.items[2]), fields));
    return this.prng.chance(HOP_CHANCE) ? 'hop' : undefined;
  }
}
