// The register model the search steps through: one key's value, interned as a small integer so
// states hash and compare cheaply. Each compiled operation has a behaviour code; candidates() says
// which value follows it from a given value, or that it cannot go next.

import { assert } from '../lib/assert.js';
import type { Value } from './history.js';

/** The key is absent. */
export const ABSENT = 0;
/** Any value at all: the start of a window cut out of the middle of a history. */
export const WILDCARD = 1;

// Behaviours. MAYBE variants are operations whose output was not seen.
export const READ = 0; // state must equal `observed`
export const WRITE = 1; // becomes `written`
export const CAS_HIT = 2; // state must equal `observed` (expected); becomes `written`
export const CAS_MISS = 3; // state must differ from `observed`; unchanged
export const CAS_MAYBE = 4; // becomes `written` if state equals `observed`, else unchanged
export const DELETE = 5; // becomes absent
export const DELETE_HIT = 6; // state must be present; becomes absent
export const DELETE_MISS = 7; // state must be absent; stays absent
export const INCR_OK = 8; // state must be an integer (absent = 0) with state + delta = `observed`
export const INCR_MAYBE = 9; // integer state: becomes state + delta; otherwise unchanged

/** Redis's integer syntax (string2ll): canonical decimal, no sign on zero, within int64. */
const INTEGER_PATTERN = /^(0|-?[1-9][0-9]{0,18})$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Interns values to ids; ids 0 and 1 are ABSENT and WILDCARD. Bounded by the caller's state bound. */
export class ValueTable {
  private readonly ids = new Map<string, number>();
  private readonly texts: Value[] = [null, null];
  private readonly integers: (bigint | null)[] = [0n, null];

  idOf(value: Value): number {
    if (value === null) return ABSENT;
    const known = this.ids.get(value);
    if (known !== undefined) return known;
    const id = this.texts.length;
    this.ids.set(value, id);
    this.texts.push(value);
    this.integers.push(parseInteger(value));
    return id;
  }

  /** The value an id stands for; WILDCARD has no value and must not be asked. */
  valueOf(id: number): Value {
    assert(id !== WILDCARD, 'the wildcard has no value');
    assert(id >= 0 && id < this.texts.length, 'unknown value id');
    return this.texts[id] as Value;
  }

  /** The integer an id holds (absent counts as 0), or null when INCR would fail on it. */
  integerOf(id: number): bigint | null {
    assert(id !== WILDCARD, 'the wildcard has no integer');
    return this.integers[id] as bigint | null;
  }

  describe(id: number): string {
    if (id === WILDCARD) return 'any value';
    const value = this.valueOf(id);
    return value === null ? 'absent' : JSON.stringify(value);
  }
}

export function parseInteger(text: string): bigint | null {
  if (!INTEGER_PATTERN.test(text)) return null;
  const n = BigInt(text);
  return n < INT64_MIN || n > INT64_MAX ? null : n;
}

/** One compiled operation as the model sees it. */
export interface ModelOp {
  readonly behaviour: number;
  readonly written: number;
  readonly observed: number;
  readonly delta: bigint;
}

/** Operation number `op` of one key's compiled operations. */
export function opAt(ops: readonly ModelOp[], op: number): ModelOp {
  const modelOp = ops[op];
  assert(modelOp !== undefined, 'an operation of this key');
  return modelOp;
}

/**
 * Writes into `out` the value that follows `op` from `state` and returns 1, or returns 0 when
 * `op` cannot go next. (An array out-parameter keeps the hot path free of allocations.)
 */
export function candidates(op: ModelOp, state: number, values: ValueTable, out: Int32Array): number {
  const next = effect(op, state, values);
  if (next === NONE) return 0;
  out[0] = next;
  return 1;
}

const NONE = -1;

function effect(op: ModelOp, state: number, values: ValueTable): number {
  const wild = state === WILDCARD;
  switch (op.behaviour) {
    case READ:
      return wild || state === op.observed ? op.observed : NONE;
    case WRITE:
      return op.written;
    case CAS_HIT:
      return wild || state === op.observed ? op.written : NONE;
    case CAS_MISS:
      return state !== op.observed ? state : NONE;
    case CAS_MAYBE:
      return wild || state === op.observed ? op.written : state;
    case DELETE:
      return ABSENT;
    case DELETE_HIT:
      return state !== ABSENT ? ABSENT : NONE;
    case DELETE_MISS:
      return state === ABSENT || wild ? ABSENT : NONE;
    case INCR_OK:
      return incrOk(op, state, values);
    case INCR_MAYBE:
      return incrMaybe(op, state, values);
    default:
      assert(false, `unknown behaviour ${op.behaviour}`);
  }
}

function incrOk(op: ModelOp, state: number, values: ValueTable): number {
  if (state === WILDCARD) return op.observed;
  const current = values.integerOf(state);
  if (current === null) return NONE;
  const expected = values.integerOf(op.observed);
  assert(expected !== null, 'an incr output must be an integer');
  return current + op.delta === expected ? op.observed : NONE;
}

function incrMaybe(op: ModelOp, state: number, values: ValueTable): number {
  if (state === WILDCARD) return WILDCARD;
  const current = values.integerOf(state);
  if (current === null) return state;
  return values.idOf(String(current + op.delta));
}
