// A simulated change feed for the feed checker's tests: seeded writers SET, DEL and INCRBY a small
// keyspace (some operations fail, some end unknown and may or may not apply), grouped into entries
// of one to three changes, each entry a revision; and simulated watchers that read the feed in
// chunks and reconnect now and then, resuming after their last id, with bugs planted on request.
import { HistoryRecorder, type FeedCheckInput, type FeedEvent, type Operation, type WatcherRecord } from '../../src/check/index.js';
import { Prng } from '../../src/lib/prng.js';

export interface SimFeed {
  readonly feed: FeedEvent[];
  readonly history: Operation[];
  readonly finalState: Map<string, string>;
  readonly finalRevision: number;
}

const REGISTERS = ['r0', 'r1', 'r2'] as const;
const COUNTERS = ['c0', 'c1'] as const;

/** Applies `writes` writes through a simulated cluster and returns its feed, history and final state. */
export function simulateFeed(seed: number, writes: number, incrCarriesValue = false): SimFeed {
  const prng = new Prng(seed);
  let now = 0;
  const recorder = new HistoryRecorder(() => now);
  const state = new Map<string, string>();
  const feed: FeedEvent[] = [];
  let revision = 0;
  let sequence = 0;
  while (sequence < writes) {
    const changes: Omit<FeedEvent, 'id'>[] = [];
    const entrySize = prng.int(1, 3);
    const pending: Array<() => void> = [];
    for (let n = 0; n < entrySize && sequence < writes; n++, sequence++) {
      const roll = prng.next();
      const status = roll < 0.05 ? 'fail' : roll < 0.1 ? 'unknown' : 'ok';
      const applies = status === 'ok' || (status === 'unknown' && prng.chance(0.5));
      if (prng.chance(0.3)) {
        const key = prng.pick(COUNTERS);
        const op = recorder.invoke(sequence % 7, key, { kind: 'incr', delta: 1 });
        const value = String(Number(state.get(key) ?? '0') + 1);
        if (applies) {
          state.set(key, value);
          changes.push({ op: 'incrby', key, value: incrCarriesValue ? value : undefined });
        }
        pending.push(() => (status === 'ok' ? op.ok(Number(value)) : status === 'fail' ? op.fail() : op.unknown()));
      } else if (prng.chance(0.2)) {
        const key = prng.pick(REGISTERS);
        const op = recorder.invoke(sequence % 7, key, { kind: 'delete' });
        const existed = state.has(key);
        if (applies && existed) {
          state.delete(key);
          changes.push({ op: 'del', key });
        }
        pending.push(() => (status === 'ok' ? op.ok(applies && existed ? 1 : 0) : status === 'fail' ? op.fail() : op.unknown()));
      } else {
        const key = prng.pick(REGISTERS);
        const value = `v${sequence}`;
        const op = recorder.invoke(sequence % 7, key, { kind: 'write', value });
        if (applies) {
          state.set(key, value);
          changes.push({ op: 'set', key, value });
        }
        pending.push(() => (status === 'ok' ? op.ok() : status === 'fail' ? op.fail() : op.unknown()));
      }
    }
    now += 5;
    if (changes.length > 0) {
      revision++;
      for (const [i, change] of changes.entries()) feed.push({ id: `${revision}-${i}`, ...change });
    }
    for (const settle of pending) settle();
    now += 5;
  }
  return { feed, history: recorder.history(), finalState: state, finalRevision: revision };
}

export type Plant = 'none' | 'skip-after-reconnect' | 'duplicate-after-reconnect' | 'swap';

/** A watcher that reads the whole feed in chunks of 1..5 and reconnects with `reconnectChance` before a chunk. */
export function simulateWatcher(name: string, sim: SimFeed, seed: number, plant: Plant = 'none', keyPrefix = ''): WatcherRecord {
  const prng = new Prng(seed);
  const visible = sim.feed.filter((e) => e.key.startsWith(keyPrefix));
  const events: FeedEvent[] = [];
  const reconnectsAt: number[] = [];
  let next = 0;
  while (next < visible.length) {
    let chunk = visible.slice(next, next + prng.int(1, 5));
    next += chunk.length;
    if (events.length > 0 && prng.chance(0.25)) {
      reconnectsAt.push(events.length);
      if (plant === 'skip-after-reconnect') chunk = chunk.slice(1);
      if (plant === 'duplicate-after-reconnect') chunk = [events[events.length - 1]!, ...chunk];
    }
    events.push(...chunk);
  }
  if (plant === 'swap') {
    const at = Math.floor(events.length / 2);
    [events[at], events[at + 1]] = [events[at + 1]!, events[at]!];
  }
  // A filtered watcher learns it is up to date from progress messages carrying the current revision.
  const progressRevision = keyPrefix === '' ? undefined : sim.finalRevision;
  return { name, startRevision: 0, keyPrefix, events, reconnectsAt, startState: new Map(), progressRevision };
}

export function checkInput(sim: SimFeed, watchers: readonly WatcherRecord[]): FeedCheckInput {
  return {
    watchers,
    history: sim.history,
    initial: { revision: 0, state: new Map() },
    final: { revision: sim.finalRevision, state: sim.finalState },
    incrementStep: 1,
  };
}
