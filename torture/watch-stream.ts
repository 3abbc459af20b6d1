// A change-feed watcher of the watch workload: XREAD COUNT/BLOCK on `__cairn:changes` through
// ioredis, from 0-0, recording every change it receives. On any error (a killed, paused or cut-off
// node, a timeout, an error reply) and now and then on purpose it drops its connection and resumes
// from its last id on another node, noting where in its events each reconnect fell. The planted
// bug `skip-after-reconnect` drops the first change received after each reconnect while moving its
// last id past it, as a client that advanced its cursor before handing the event out would.

import { Redis } from 'ioredis';
import type { FeedEvent, WatcherRecord } from '../src/check/index.js';
import { parseFeedId } from '../src/check/index.js';
import type { Prng } from '../src/lib/prng.js';
import type { HostPort } from './net.js';
import { connectionOptions, ERROR_BACKOFF_MS } from './workload.js';

export const FEED_STREAM = '__cairn:changes';
export type WatchPlant = 'none' | 'skip-after-reconnect';

/** XREAD's BLOCK, and its COUNT. */
const BLOCK_MS = 1_000;
const COUNT = 1_000;
/** Chance that the watcher moves to another node after a read that returned changes. */
const HOP_CHANCE = 0.05;
/** Most changes one watcher keeps (a bound on memory; the campaign's are far fewer). */
const EVENTS_MAX = 2_000_000;

type XreadReply = [string, [string, string[]][]][] | null;

export class StreamWatcher {
  readonly events: FeedEvent[] = [];
  readonly reconnectsAt: number[] = [];
  errors = 0;
  private lastId = '0-0';
  private redis: Redis | null = null;
  private skipNext = false;

  constructor(
    readonly name: string,
    private readonly nodes: readonly HostPort[],
    private node: number,
    private readonly prng: Prng,
    private readonly plant: WatchPlant,
  ) {}

  /** The revision of the last change received (0 before any). */
  get lastRevision(): number {
    return parseFeedId(this.lastId).revision;
  }

  async run(stopped: () => boolean): Promise<void> {
    while (!stopped()) {
      try {
        this.redis ??= await this.open();
        const reply = (await this.redis.xread('COUNT', COUNT, 'BLOCK', BLOCK_MS, 'STREAMS', FEED_STREAM, this.lastId)) as XreadReply;
        if (reply !== null && this.take(reply) && this.prng.chance(HOP_CHANCE)) this.reconnect();
      } catch {
        this.errors++;
        this.reconnect();
        await new Promise((resolve) => setTimeout(resolve, ERROR_BACKOFF_MS));
      }
    }
    this.close();
  }

  close(): void {
    this.redis?.disconnect();
    this.redis = null;
  }

  record(): WatcherRecord {
    return { name: this.name, startRevision: 0, keyPrefix: '', events: this.events, reconnectsAt: this.reconnectsAt, startState: new Map() };
  }

  private async open(): Promise<Redis> {
    const redis = new Redis(connectionOptions(this.nodes[this.node]!));
    redis.on('error', () => undefined);
    try {
      await redis.connect();
    } catch (error) {
      redis.disconnect();
      throw error;
    }
    return redis;
  }

  /** Records the changes of one reply; true when there were any. */
  private take(reply: NonNullable<XreadReply>): boolean {
    const entries = reply[0]?.[1] ?? [];
    for (const [id, fields] of entries) {
      this.lastId = id;
      if (this.skipNext) {
        this.skipNext = false;
        continue;
      }
      if (this.events.length < EVENTS_MAX) this.events.push(toFeedEvent(id, fields));
    }
    return entries.length > 0;
  }

  /** Drops the connection; the next read goes to another node, from the last id. */
  private reconnect(): void {
    this.close();
    if (this.nodes.length > 1) this.node = (this.node + this.prng.int(1, this.nodes.length - 1)) % this.nodes.length;
    this.reconnectsAt.push(this.events.length);
    if (this.plant === 'skip-after-reconnect') this.skipNext = true;
  }
}

/** A change from its id and its field-value pairs (op, key, value, db). */
export function toFeedEvent(id: string, fields: readonly string[]): FeedEvent {
  const get = (name: string): string | undefined => {
    for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
    return undefined;
  };
  const db = get('db');
  return { id, op: get('op') ?? '', key: get('key') ?? '', value: get('value'), db: db === undefined ? undefined : Number(db) };
}
