// Turns one key's operations into the search's compact form. Each operation gets a role:
// mandatory ones must be ordered with their observed outputs; optional ones (used when testing a
// window) may take effect within their interval or not at all; excluded ones are left out.

import { assert } from '../lib/assert.js';
import type { Operation } from './history.js';
import {
  CAS_HIT, CAS_MAYBE, CAS_MISS, DELETE, DELETE_HIT, DELETE_MISS, INCR_MAYBE, INCR_OK, READ, WRITE,
  type ModelOp, type ValueTable,
} from './model.js';
import type { SearchProblem } from './search.js';

export type Role = 'mandatory' | 'optional' | 'excluded';

export interface CompiledKey {
  readonly problem: SearchProblem;
  /** For each search operation, the index of the operation in the list given to compileKey. */
  readonly sources: readonly number[];
}

/** Whether an operation can matter at all: a failed one did nothing, an unknown read saw nothing. */
export function isRelevant(op: Operation): boolean {
  return op.status !== 'fail' && !(op.status === 'unknown' && op.kind === 'read');
}

/** The end of an operation's interval as the search sees it: an unknown one may act at any later time. */
export function effectiveCompleteTime(op: Operation): number {
  return op.status === 'unknown' ? Number.POSITIVE_INFINITY : op.completeTime;
}

export function compileKey(
  ops: readonly Operation[],
  roles: readonly Role[],
  values: ValueTable,
  initial: number,
): CompiledKey {
  assert(ops.length === roles.length, 'one role per operation');
  const modelOps: ModelOp[] = [];
  const sources: number[] = [];
  ops.forEach((op, index) => {
    const role = roles[index];
    if (role === 'excluded' || !isRelevant(op)) return;
    const compiled = role === 'mandatory' && op.status === 'ok' ? observedOp(op, values) : maybeOp(op, values, role === 'optional');
    if (compiled === null) return;
    modelOps.push(compiled);
    sources.push(index);
  });
  const chosen = sources.map((i) => ops[i]!);
  const floating = chosen.map((op) => op.status === 'unknown');
  return { problem: { ops: modelOps, entries: sortEntries(chosen), floating, values, initial }, sources };
}

/** One shape for every compiled operation keeps the search's property reads monomorphic. */
function modelOp(behaviour: number, written: number, observed: number, delta: bigint, omittable: boolean): ModelOp {
  return { behaviour, written, observed, delta, omittable };
}

function observedOp(op: Operation, values: ValueTable): ModelOp {
  assert(op.status === 'ok', 'only ok operations have observations');
  switch (op.kind) {
    case 'read':
      return modelOp(READ, 0, values.idOf(op.output ?? null), 0n, false);
    case 'write':
      return modelOp(WRITE, values.idOf(op.value), 0, 0n, false);
    case 'cas':
      return modelOp(op.output === true ? CAS_HIT : CAS_MISS, values.idOf(op.value), values.idOf(op.expected), 0n, false);
    case 'delete':
      return modelOp(op.output === 1 ? DELETE_HIT : op.output === 0 ? DELETE_MISS : DELETE, 0, 0, 0n, false);
    case 'incr':
      return modelOp(INCR_OK, 0, values.idOf(String(op.output)), BigInt(op.delta), false);
  }
}

/** An operation whose output is not used: unknown, or optional in a window test. Reads drop out. */
function maybeOp(op: Operation, values: ValueTable, optional: boolean): ModelOp | null {
  // An unknown operation may act at any later time, so "no effect" is the same as acting last:
  // only an optional operation with a finite interval needs the explicit choice.
  const omittable = optional && op.status !== 'unknown';
  switch (op.kind) {
    case 'read':
      return null;
    case 'write':
      return modelOp(WRITE, values.idOf(op.value), 0, 0n, omittable);
    case 'cas':
      return modelOp(CAS_MAYBE, values.idOf(op.value), values.idOf(op.expected), 0n, omittable);
    case 'delete':
      return modelOp(DELETE, 0, 0, 0n, omittable);
    case 'incr':
      return modelOp(INCR_MAYBE, 0, 0, BigInt(op.delta), omittable);
  }
}

/**
 * Call entry i and return entry n + i sorted by time. On equal times calls come first, so an
 * operation invoked at the instant another completes counts as concurrent with it (the lenient
 * reading: the checker never blames a history for a tie).
 */
function sortEntries(ops: readonly Operation[]): Int32Array {
  const n = ops.length;
  const times = new Float64Array(2 * n);
  ops.forEach((op, i) => {
    times[i] = op.invokeTime;
    times[n + i] = effectiveCompleteTime(op);
  });
  const entries = new Int32Array(2 * n);
  for (let i = 0; i < 2 * n; i++) entries[i] = i;
  // Infinity - Infinity is NaN, which falls through to the tie-breaks like an equal time.
  return entries.sort((a, b) => times[a] - times[b] || Number(a >= n) - Number(b >= n) || a - b);
}
