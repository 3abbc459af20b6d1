// Turns one key's operations into the search's compact form. Each operation gets a role:
// mandatory ones must be ordered with their observed outputs; optional ones (used when testing a
// window) may take effect after their invocation or not at all; excluded ones are left out.

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
  // Search numbers follow this order, and the floating-order rules need it to be invocation order.
  for (let i = 1; i < ops.length; i++) assert(ops[i - 1]!.invokeTime <= ops[i]!.invokeTime, 'operations sorted by invokeTime');
  const modelOps: ModelOp[] = [];
  const sources: number[] = [];
  ops.forEach((op, index) => {
    const role = roles[index];
    if (role === 'excluded' || !isRelevant(op)) return;
    const compiled = role === 'mandatory' && op.status === 'ok' ? observedOp(op, values) : maybeOp(op, values);
    if (compiled === null) return;
    modelOps.push(compiled);
    sources.push(index);
  });
  const chosen = sources.map((i) => ops[i]!);
  // Unknown operations, and optional ones in a window test, may act at any time after their
  // invocation or not at all: for an optional one that widens its interval, which only makes a
  // window test more lenient (so a failing window still proves the history illegal).
  const floating = chosen.map((op, i) => op.status === 'unknown' || roles[sources[i]!] === 'optional');
  return { problem: { ops: modelOps, entries: sortEntries(chosen), floating, values, initial }, sources };
}

/** One shape for every compiled operation keeps the search's property reads monomorphic. */
function modelOp(behaviour: number, written: number, observed: number, delta: bigint): ModelOp {
  return { behaviour, written, observed, delta };
}

function observedOp(op: Operation, values: ValueTable): ModelOp {
  assert(op.status === 'ok', 'only ok operations have observations');
  switch (op.kind) {
    case 'read':
      return modelOp(READ, 0, values.idOf(op.output ?? null), 0n);
    case 'write':
      return modelOp(WRITE, values.idOf(op.value), 0, 0n);
    case 'cas':
      return modelOp(op.output === true ? CAS_HIT : CAS_MISS, values.idOf(op.value), values.idOf(op.expected), 0n);
    case 'delete':
      return modelOp(op.output === 1 ? DELETE_HIT : op.output === 0 ? DELETE_MISS : DELETE, 0, 0, 0n);
    case 'incr':
      return modelOp(INCR_OK, 0, values.idOf(String(op.output)), BigInt(op.delta));
  }
}

/** An operation whose output is not used: unknown, or optional in a window test. Reads drop out. */
function maybeOp(op: Operation, values: ValueTable): ModelOp | null {
  switch (op.kind) {
    case 'read':
      return null;
    case 'write':
      return modelOp(WRITE, values.idOf(op.value), 0, 0n);
    case 'cas':
      return modelOp(CAS_MAYBE, values.idOf(op.value), values.idOf(op.expected), 0n);
    case 'delete':
      return modelOp(DELETE, 0, 0, 0n);
    case 'incr':
      return modelOp(INCR_MAYBE, 0, 0, BigInt(op.delta));
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
  return entries.sort((a, b) => times[a]! - times[b]! || Number(a >= n) - Number(b >= n) || a - b);
}
