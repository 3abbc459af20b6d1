// The order half of the feed checker: every watcher's events merged into one reference feed (two
// watchers that got the same id must have got the same change), the reference checked for holes
// (revisions are consecutive, the changes of one revision numbered 0, 1, 2 …), and each watcher's
// own sequence checked against it: strictly increasing ids (a repeat is a duplicate, a step back is
// out of order) and every reference change it should have had between its start and its last id
// (one it lacks is missing; a miss right before the first event after a reconnect says so). Pure.

import { assert } from '../lib/assert.js';
import { compareFeedIds, describeFeedEvent, formatFeedId, parseFeedId, type FeedEvent, type FeedId } from './feed.js';

/** What one watcher received, and from where. */
export interface WatcherRecord {
  readonly name: string;
  /** It asked for every change after this revision (0: from the very first). */
  readonly startRevision: number;
  /** Only keys starting with this prefix (a CAIRN.WATCH on `prefix*`); '' for every change. */
  readonly keyPrefix: string;
  /** In the order received, across every reconnect. */
  readonly events: readonly FeedEvent[];
  /** Where it reconnected: the index in `events` of the first event received after each reconnect. */
  readonly reconnectsAt: readonly number[];
  /** The state (key → value) at startRevision; empty from revision 0 on an empty cluster. */
  readonly startState: ReadonlyMap<string, string>;
  /** The highest revision a progress message (CAIRN.WATCH) said it had every change up to. */
  readonly progressRevision?: number | undefined;
}

export interface ReferenceChange {
  readonly id: FeedId;
  readonly event: FeedEvent;
}

/** Problems kept for the report; counts go on beyond them. */
export const PROBLEMS_MAX = 30;

export class ProblemList {
  readonly lines: string[] = [];
  count = 0;

  add(line: string): void {
    this.count++;
    if (this.lines.length < PROBLEMS_MAX) this.lines.push(line);
  }
}

function sameChange(a: FeedEvent, b: FeedEvent): boolean {
  return a.op === b.op && a.key === b.key && a.value === b.value && (a.db ?? 0) === (b.db ?? 0);
}

/** Every distinct change any watcher received, in id order; counts ids two watchers disagree on. */
export function mergeReference(watchers: readonly WatcherRecord[], problems: ProblemList): { changes: ReferenceChange[]; disagreements: number } {
  const byId = new Map<string, ReferenceChange>();
  let disagreements = 0;
  for (const watcher of watchers) {
    for (const event of watcher.events) {
      const id = parseFeedId(event.id);
      const key = formatFeedId(id);
      const known = byId.get(key);
      if (known === undefined) byId.set(key, { id, event });
      else if (!sameChange(known.event, event)) {
        disagreements++;
        problems.add(`disagreement at ${key}: one watcher got ${describeFeedEvent(known.event)}, ${watcher.name} got ${describeFeedEvent(event)}`);
      }
    }
  }
  const changes = [...byId.values()].sort((a, b) => compareFeedIds(a.id, b.id));
  return { changes, disagreements };
}

/**
 * Holes in the reference within (fromRevision, toRevision]: a revision no watcher received, or a
 * revision whose change numbers do not run 0, 1, 2 …. Returns how many.
 */
export function referenceHoles(changes: readonly ReferenceChange[], fromRevision: number, toRevision: number, problems: ProblemList): number {
  let holes = 0;
  let expected: FeedId = { revision: fromRevision + 1, index: 0 };
  for (const { id } of changes) {
    if (id.revision <= fromRevision) continue;
    if (id.revision > toRevision) break;
    const next = id.index === expected.index && id.revision === expected.revision;
    const newRevision = id.index === 0 && id.revision === expected.revision + (expected.index === 0 ? 0 : 1);
    if (!next && !newRevision) {
      holes++;
      problems.add(`no watcher received the changes between ${formatFeedId(expected)} and ${formatFeedId(id)}`);
    }
    expected = { revision: id.revision, index: id.index + 1 };
  }
  const last = expected.index === 0 ? expected.revision - 1 : expected.revision;
  if (last < toRevision) {
    holes++;
    problems.add(`no watcher received revisions ${last + 1}..${toRevision}`);
  }
  return holes;
}

export interface SequenceTally {
  readonly missing: number;
  readonly duplicates: number;
  readonly outOfOrder: number;
  /** The highest revision it received or was told it is up to (its start revision when neither). */
  readonly lastRevision: number;
}

/** Checks one watcher's ids for repeats and steps back, then finds the reference changes it lacks. */
export function checkSequence(watcher: WatcherRecord, reference: readonly ReferenceChange[], problems: ProblemList): SequenceTally {
  const seen = new Set<string>();
  let duplicates = 0;
  let outOfOrder = 0;
  let last: FeedId = { revision: watcher.startRevision, index: Number.MAX_SAFE_INTEGER };
  for (const [n, event] of watcher.events.entries()) {
    const id = parseFeedId(event.id);
    const key = formatFeedId(id);
    if (seen.has(key)) {
      duplicates++;
      problems.add(`${watcher.name} received ${key} twice (again as its event #${n}${afterReconnect(watcher, n)})`);
    } else if (compareFeedIds(id, last) <= 0) {
      outOfOrder++;
      problems.add(`${watcher.name} received ${key} after ${formatFeedId(last)} (event #${n}${afterReconnect(watcher, n)})`);
    }
    seen.add(key);
    if (compareFeedIds(id, last) > 0) last = id;
  }
  // A progress message vouches for every change up to its revision, matching or not.
  if (watcher.progressRevision !== undefined && watcher.progressRevision > last.revision) last = { revision: watcher.progressRevision, index: Number.MAX_SAFE_INTEGER };
  const missing = countMissing(watcher, reference, seen, last, problems);
  return { missing, duplicates, outOfOrder, lastRevision: last.revision };
}

function countMissing(watcher: WatcherRecord, reference: readonly ReferenceChange[], seen: ReadonlySet<string>, last: FeedId, problems: ProblemList): number {
  let missing = 0;
  for (const change of reference) {
    if (change.id.revision <= watcher.startRevision || !change.event.key.startsWith(watcher.keyPrefix)) continue;
    if (compareFeedIds(change.id, last) > 0) break;
    if (seen.has(formatFeedId(change.id))) continue;
    missing++;
    problems.add(`${watcher.name} missed ${describeFeedEvent(change.event)}${reconnectBefore(watcher, change.id)}`);
  }
  return missing;
}

function afterReconnect(watcher: WatcherRecord, n: number): string {
  const k = watcher.reconnectsAt.indexOf(n);
  return k < 0 ? '' : `, its first after reconnect #${k + 1}`;
}

/** ', just before its first event after reconnect #k' when the missed id falls right at a reconnect. */
function reconnectBefore(watcher: WatcherRecord, id: FeedId): string {
  for (const [k, at] of watcher.reconnectsAt.entries()) {
    assert(at >= 0 && at <= watcher.events.length, 'a reconnect falls within the events');
    const before = at === 0 ? undefined : parseFeedId(watcher.events[at - 1]!.id);
    const after = watcher.events[at] === undefined ? undefined : parseFeedId(watcher.events[at]!.id);
    const afterBefore = before === undefined || compareFeedIds(id, before) > 0;
    const beforeAfter = after === undefined || compareFeedIds(id, after) < 0;
    if (afterBefore && beforeAfter) return ` (across reconnect #${k + 1})`;
  }
  return '';
}
