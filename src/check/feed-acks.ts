// The history half of the feed checker: the reference feed (every change any watcher received)
// against what writers were told. Every acknowledged SET appears exactly once (values are matched,
// so writes should carry distinct values); an operation of unknown outcome at most once; a SET
// value no write could have written is invented. Every acknowledged INCRBY's reply is the value
// some increment event produced; there are never more increment or delete events on a key than
// acknowledged plus unknown operations could explain, nor fewer deletes than acknowledged DELs that
// replied 1. And the feed's order respects real time: a write acknowledged before another was sent
// has the lower revision. Pure.

import type { Operation } from './history.js';
import { applyFeedEvent, describeFeedEvent, formatFeedId, stateKey, type FeedState } from './feed.js';
import type { ProblemList, ReferenceChange } from './feed-sequence.js';

export interface AckAudit {
  /** Acknowledged writes the feed must show (SETs, successful CAS, INCRBYs, DELs that deleted). */
  readonly acknowledged: number;
  readonly missing: number;
  /** Changes shown more often than acknowledged plus unknown operations allow. */
  readonly doubled: number;
  /** SETs of a value no write (acknowledged or of unknown outcome) carried. */
  readonly invented: number;
  /** Pairs where a write acknowledged before another was sent got the later revision. */
  readonly realtimeViolations: number;
}

interface Tally {
  acknowledged: number;
  missing: number;
  doubled: number;
  invented: number;
}

/** A write located in the feed, for the real-time check. */
interface Placed {
  readonly op: Operation;
  readonly revision: number;
}

function counter<K>(map: Map<K, number>, key: K, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

export function auditAcknowledged(
  reference: readonly ReferenceChange[],
  history: readonly Operation[],
  initial: { readonly revision: number; readonly state: ReadonlyMap<string, string> },
  incrementStep: number,
  problems: ProblemList,
): AckAudit {
  const tally: Tally = { acknowledged: 0, missing: 0, doubled: 0, invented: 0 };
  const changes = reference.filter((c) => c.id.revision > initial.revision);
  const placed = [...auditSets(changes, history, tally, problems), ...auditIncrements(changes, history, initial.state, incrementStep, tally, problems)];
  auditDeletes(changes, history, tally, problems);
  const realtimeViolations = realtimeOrder(placed, problems);
  return { ...tally, realtimeViolations };
}

function auditSets(changes: readonly ReferenceChange[], history: readonly Operation[], tally: Tally, problems: ProblemList): Placed[] {
  const shown = new Map<string, ReferenceChange[]>();
  for (const change of changes) {
    if (change.event.op !== 'set' || change.event.value === undefined) continue;
    const k = `${stateKey(change.event.db, change.event.key)}\u0000${change.event.value}`;
    shown.set(k, [...(shown.get(k) ?? []), change]);
  }
  const acked = new Map<string, Operation[]>();
  const maybe = new Map<string, number>();
  for (const op of history) {
    if (op.kind !== 'write' && op.kind !== 'cas') continue;
    const k = `${op.key}\u0000${op.value}`;
    if (op.status === 'ok' && (op.kind === 'write' || op.output === true)) acked.set(k, [...(acked.get(k) ?? []), op]);
    else if (op.status === 'unknown') counter(maybe, k);
  }
  const placed: Placed[] = [];
  for (const [k, ops] of acked) {
    const seen = shown.get(k) ?? [];
    tally.acknowledged += ops.length;
    if (seen.length < ops.length) {
      tally.missing += ops.length - seen.length;
      problems.add(`acknowledged write #${ops[0]!.id} (SET ${JSON.stringify(ops[0]!.key)} ${JSON.stringify(ops[0]!.kind === 'write' || ops[0]!.kind === 'cas' ? ops[0]!.value : '')}) is in no watcher's feed`);
    }
    if (ops.length === 1 && seen.length === 1) placed.push({ op: ops[0]!, revision: seen[0]!.id.revision });
  }
  for (const [k, seen] of shown) {
    const allowed = (acked.get(k)?.length ?? 0) + (maybe.get(k) ?? 0);
    if (allowed === 0) {
      tally.invented += seen.length;
      problems.add(`${describeFeedEvent(seen[0]!.event)} was written by no acknowledged or unknown write`);
    } else if (seen.length > allowed) {
      tally.doubled += seen.length - allowed;
      problems.add(`${describeFeedEvent(seen[0]!.event)} appears ${seen.length} times (at ${seen.map((c) => formatFeedId(c.id)).join(', ')}) for ${allowed} writes`);
    }
  }
  return placed;
}

/** Replays the changes from the initial state: the value each incrby left, per key. */
function incrementResults(changes: readonly ReferenceChange[], initial: ReadonlyMap<string, string>, incrementStep: number): Map<string, Map<string, number[]>> {
  const state: FeedState = new Map(initial);
  const results = new Map<string, Map<string, number[]>>();
  for (const change of changes) {
    applyFeedEvent(state, change.event, incrementStep);
    if (change.event.op !== 'incrby' && change.event.op !== 'incr') continue;
    const key = stateKey(change.event.db, change.event.key);
    const perKey = results.get(key) ?? new Map<string, number[]>();
    results.set(key, perKey);
    const value = state.get(key) ?? '';
    perKey.set(value, [...(perKey.get(value) ?? []), change.id.revision]);
  }
  return results;
}

function auditIncrements(changes: readonly ReferenceChange[], history: readonly Operation[], initial: ReadonlyMap<string, string>, incrementStep: number, tally: Tally, problems: ProblemList): Placed[] {
  const results = incrementResults(changes, initial, incrementStep);
  const issued = new Map<string, number>();
  const placed: Placed[] = [];
  const claimed = new Map<string, number>();
  for (const op of history) {
    if (op.kind !== 'incr' || op.status === 'fail') continue;
    counter(issued, op.key);
    if (op.status !== 'ok') continue;
    tally.acknowledged++;
    const value = String(op.output);
    const revisions = results.get(op.key)?.get(value) ?? [];
    const k = `${op.key}\u0000${value}`;
    counter(claimed, k);
    if ((claimed.get(k) ?? 0) > revisions.length) {
      tally.missing++;
      problems.add(`acknowledged INCRBY #${op.id} on ${JSON.stringify(op.key)} replied ${value}, but no increment in the feed left that value`);
    } else if (revisions.length === 1) placed.push({ op, revision: revisions[0]! });
  }
  for (const [key, perKey] of results) {
    const shown = [...perKey.values()].reduce((sum, revisions) => sum + revisions.length, 0);
    const allowed = issued.get(key) ?? 0;
    if (shown > allowed) {
      tally.doubled += shown - allowed;
      problems.add(`${shown} increments of ${JSON.stringify(key)} in the feed for ${allowed} acknowledged or unknown INCRBYs`);
    }
  }
  return placed;
}

function auditDeletes(changes: readonly ReferenceChange[], history: readonly Operation[], tally: Tally, problems: ProblemList): void {
  const shown = new Map<string, number>();
  for (const change of changes) if (change.event.op === 'del') counter(shown, stateKey(change.event.db, change.event.key));
  const deleted = new Map<string, number>();
  const maybe = new Map<string, number>();
  for (const op of history) {
    if (op.kind !== 'delete') continue;
    if (op.status === 'ok' && op.output === 1) counter(deleted, op.key);
    else if (op.status === 'unknown' || (op.status === 'ok' && op.output === undefined)) counter(maybe, op.key);
  }
  for (const key of new Set([...shown.keys(), ...deleted.keys()])) {
    const count = shown.get(key) ?? 0;
    const acked = deleted.get(key) ?? 0;
    tally.acknowledged += acked;
    if (count < acked) {
      tally.missing += acked - count;
      problems.add(`${acked} acknowledged DELs of ${JSON.stringify(key)} deleted it, the feed shows ${count} del events`);
    } else if (count > acked + (maybe.get(key) ?? 0)) {
      tally.doubled += count - acked - (maybe.get(key) ?? 0);
      problems.add(`${count} del events of ${JSON.stringify(key)} for ${acked} acknowledged and ${maybe.get(key) ?? 0} unknown DELs that could delete`);
    }
  }
}

/** Counts writes sent after another write was acknowledged whose revision is not higher. */
function realtimeOrder(placed: readonly Placed[], problems: ProblemList): number {
  const byInvoke = [...placed].sort((a, b) => a.op.invokeTime - b.op.invokeTime);
  const byComplete = [...placed].sort((a, b) => a.op.completeTime - b.op.completeTime);
  let violations = 0;
  let done = 0;
  let latest: Placed | undefined;
  for (const later of byInvoke) {
    while (done < byComplete.length && byComplete[done]!.op.completeTime < later.op.invokeTime) {
      const candidate = byComplete[done++]!;
      if (latest === undefined || candidate.revision > latest.revision) latest = candidate;
    }
    if (latest !== undefined && latest.revision >= later.revision) {
      violations++;
      problems.add(`write #${latest.op.id} was acknowledged (revision ${latest.revision}) before write #${later.op.id} was sent, which has revision ${later.revision}`);
    }
  }
  return violations;
}
