// The change-feed checker (issue 13's "a watch that never misses"): given what every watcher
// received (across its reconnects), the writers' recorded history and the state read at the end,
// it judges that
//   - every watcher's events are duplicate-free and in revision order, and miss nothing another
//     watcher got between its start and its last event; the merged feed has no hole (revisions
//     consecutive, each one's changes numbered 0..n-1) and no two watchers disagree on an id;
//   - every acknowledged write appears (feed-acks.ts), in an order that respects real time;
//   - each watcher caught up with the final revision, and the state rebuilt from its events
//     (starting from the state at its start revision) equals the state read at the end.
// Pure: the torture workload (torture/watch.ts) and the unit tests feed it plain data.

import { assert } from '../lib/assert.js';
import { applyFeedEvent, parseFeedId, type FeedState } from './feed.js';
import { auditAcknowledged, type AckAudit } from './feed-acks.js';
import { checkSequence, mergeReference, ProblemList, referenceHoles, type SequenceTally, type WatcherRecord } from './feed-sequence.js';
import type { Operation } from './history.js';

export type { FeedEvent } from './feed.js';
export type { WatcherRecord } from './feed-sequence.js';

export interface FeedCheckInput {
  readonly watchers: readonly WatcherRecord[];
  /** The writers' history (HistoryRecorder): write, cas, incr and delete operations count. */
  readonly history: readonly Operation[];
  /** The revision the history starts from and the state then (0 and empty on a new cluster). */
  readonly initial: { readonly revision: number; readonly state: ReadonlyMap<string, string> };
  /**
   * The state read at the end, once writes stopped, and the revision it was read at; `keys` names
   * the keys that were read (only those are compared), absent when the state is the whole keyspace.
   */
  readonly final: { readonly revision: number; readonly state: ReadonlyMap<string, string>; readonly keys?: readonly string[] };
  /** What an incrby event without a value adds (the workload's INCRBY step). */
  readonly incrementStep: number;
}

export interface WatcherVerdict extends SequenceTally {
  readonly name: string;
  readonly events: number;
  readonly reconnects: number;
  /** Keys whose rebuilt value differs from the final state (0 when it did not catch up: see caughtUp). */
  readonly stateDiffs: number;
  readonly caughtUp: boolean;
}

export interface FeedCheckResult {
  readonly ok: boolean;
  readonly watchers: readonly WatcherVerdict[];
  /** Distinct changes received by any watcher. */
  readonly changes: number;
  readonly holes: number;
  readonly disagreements: number;
  readonly acks: AckAudit;
  /** How many problems were found; `problems` keeps the first few as sentences. */
  readonly problemCount: number;
  readonly problems: readonly string[];
}

export function checkFeed(input: FeedCheckInput): FeedCheckResult {
  assert(input.final.revision >= input.initial.revision, 'the final revision is not before the initial one');
  const problems = new ProblemList();
  const { changes, disagreements } = mergeReference(input.watchers, problems);
  const everything = input.watchers.filter((w) => w.keyPrefix === '');
  const fromRevision = Math.min(input.final.revision, ...everything.map((w) => w.startRevision));
  const holes = everything.length === 0 ? 0 : referenceHoles(changes, fromRevision, input.final.revision, problems);
  const watchers = input.watchers.map((watcher) => {
    const sequence = checkSequence(watcher, changes, problems);
    const caughtUp = sequence.lastRevision >= input.final.revision;
    if (!caughtUp) problems.add(`${watcher.name} reached revision ${sequence.lastRevision} only, the final state is at ${input.final.revision}`);
    const stateDiffs = caughtUp ? compareState(watcher, input, problems) : 0;
    return { name: watcher.name, events: watcher.events.length, reconnects: watcher.reconnectsAt.length, ...sequence, stateDiffs, caughtUp };
  });
  const acks = auditAcknowledged(changes, input.history, input.initial, input.incrementStep, problems);
  return {
    ok: problems.count === 0,
    watchers,
    changes: changes.length,
    holes,
    disagreements,
    acks,
    problemCount: problems.count,
    problems: problems.lines,
  };
}

/** Most differing keys named per watcher. */
const DIFFS_NAMED_MAX = 3;

/** Rebuilds the watcher's state up to the final revision and counts the keys that differ. */
function compareState(watcher: WatcherRecord, input: FeedCheckInput, problems: ProblemList): number {
  const state: FeedState = new Map(watcher.startState);
  for (const event of watcher.events) {
    if (parseFeedId(event.id).revision > input.final.revision) continue;
    const unmodelled = applyFeedEvent(state, event, input.incrementStep);
    if (unmodelled !== undefined) problems.add(`${watcher.name}: ${unmodelled}`);
  }
  const read = input.final.keys === undefined ? undefined : new Set(input.final.keys);
  const inScope = (key: string): boolean => key.startsWith(watcher.keyPrefix) && (read === undefined || read.has(key));
  const keys = new Set([...state.keys(), ...input.final.state.keys()].filter(inScope));
  const diffs = [...keys].filter((key) => state.get(key) !== input.final.state.get(key));
  for (const key of diffs.slice(0, DIFFS_NAMED_MAX)) {
    problems.add(`${watcher.name}'s events rebuild ${JSON.stringify(key)} as ${JSON.stringify(state.get(key) ?? null)}, the final state holds ${JSON.stringify(input.final.state.get(key) ?? null)}`);
  }
  if (diffs.length > DIFFS_NAMED_MAX) problems.add(`${watcher.name}: ${diffs.length - DIFFS_NAMED_MAX} more keys differ`);
  return diffs.length;
}
