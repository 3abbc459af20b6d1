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
    const modelOp = role === 'mandatory' && op.status === 'ok' ? observedOp(op, values) : maybeOp(op, values, role === 'optional');
    if (modelOp === null) return;
    modelOps.push(modelOp);
    sources.push(index);
  });
  const chosen = sources.map((i) => ops[i]!);
  const floating = chosen.map((op) => op.status === 'unknown');
  return { problem: { ops: modelOps, entries: sortEntries(chosen), floating, values, initial }, sources };
}

function observedOp(op: Operation, values: ValueTable): ModelOp {
  assert(op.status === 'ok', 'only ok operations have observations');
  const base = { written: 0, observed: 0, delta: 0n, omittable: false };
  switch (op.kind) {
    case 'read':
      return { ...base, behaviour: READ, observed: values.idOf(op.output ?? null) };
    case 'write':
      return { ...base, behaviour: WRITE, written: values.idOf(op.value) };
    case 'cas':
      return {
        ...base,
        behaviour: op.output === true ? CAS_HIT : CAS_MISS,
        observed: values.idOf(op.expected),
        written: values.idOf(op.value),
      };
    case 'delete':
      return { ...base, behaviour: op.output === 1 ? DELETE_HIT : op.output === 0 ? DELETE_MISS : DELETE };
    case 'incr':
      return { ...base, behaviour: INCR_OK, observed: values.idOf(String(op.output)), delta: BigInt(op.delta) };
  }
}

/** An operation whose output is not used: unknown, or optional in a window test. Reads drop out. */
function maybeOp(op: Operation, values: ValueTable, optional: boolean): ModelOp | null {
  // An unknown operation may act at any later time, so "no effect" is the same as acting last:
  // only an optional operation with a finite interval needs the explicit choice.
  const omittable = optional && op.status !== 'unknown';
  const base = { written: 0, observed: 0, delta: 0n, omittable };
  switch (op.kind) {
    case 'read':
      return null;
    case 'write':
      return { ...base, behaviour: WRITE, written: values.idOf(op.value) };
    case 'cas':
      return { ...base, behaviour: CAS_MAYBE, observed: values.idOf(op.expected), written: values.idOf(op.value) };
    case 'delete':
      return { ...base, behaviour: DELETE };
    case 'incr':
      return { ...base, behaviour: INCR_MAYBE, delta: BigInt(op.delta) };
  }
}

/**
 * Call entry i and return entry n + i sorted by time. On equal times calls come first, so an
 * operation invoked at the instant another completes counts as concurrent with it (the lenient
 * reading: the checker never blames a history for a tie).
 */
function sortEntries(ops: readonly Operation[]): Int32Array {
  const n = ops.length;
  const time = (entry: number): number => (entry < n ? ops[entry]!.invokeTime : effectiveCompleteTime(ops[entry - n]!));
  const entries = Array.from({ length: 2 * n }, (_, i) => i);
  entries.sort((a, b) => time(a) - time(b) || Number(a >= n) - Number(b >= n) || a - b);
  return Int32Array.from(entries);
}
