// The sparse HyperLogLog as hyperloglog.c edits it, byte for byte: opcodes ZERO (00xxxxxx, 1-64
// zero registers), XZERO (01xxxxxx yyyyyyyy, 1-16384) and VAL (1vvvvvxx, 1-4 registers of value
// 1-32). Setting a register splits the opcode covering it, merges equal neighbouring VALs, and
// turns the whole HLL dense when a value exceeds 32 or the string would pass 3000 bytes.

import { assert } from '../../lib/assert.js';
import {
  DENSE_BYTES, ENCODING_AT, ENCODING_DENSE, ENCODING_SPARSE, HEADER_BYTES, SPARSE_BYTES_MAX, encodingOf, invalidateCache, raiseDenseRegister,
} from './format.js';
import { HLL_REGISTERS } from './murmur.js';

const VAL_VALUE_MAX = 32;
const VAL_LENGTH_MAX = 4;
const ZERO_LENGTH_MAX = 64;
/** Bytes kept free past the end: a split grows the string by at most 3. */
const ROOM_BYTES = 4;

const isZero = (op: number): boolean => (op & 0xc0) === 0;
const isXzero = (op: number): boolean => (op & 0xc0) === 0x40;
const isVal = (op: number): boolean => (op & 0x80) !== 0;
const zeroLength = (op: number): number => (op & 0x3f) + 1;
const valValue = (op: number): number => ((op >> 2) & 0x1f) + 1;
const valLength = (op: number): number => (op & 0x3) + 1;
const valOp = (value: number, length: number): number => 0x80 | ((value - 1) << 2) | (length - 1);

/** An HLL string being changed: `bytes` has zeroed room past `length`, as an sds has its terminator. */
export class HllDraft {
  bytes: Uint8Array;
  length: number;

  constructor(value: Uint8Array) {
    this.bytes = new Uint8Array(value.length + ROOM_BYTES);
    this.bytes.set(value);
    this.length = value.length;
  }

  get encoding(): number {
    return encodingOf(this.bytes);
  }

  /** The finished value: a private copy of exactly `length` bytes. */
  value(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }

  resize(length: number): void {
    if (length + ROOM_BYTES > this.bytes.length) {
      const grown = new Uint8Array(Math.max(length + ROOM_BYTES, this.bytes.length * 2));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    if (length < this.length) this.bytes.fill(0, length, this.length);
    this.length = length;
  }
}

/** Registers one opcode covers; an XZERO's second byte past the end reads as the terminator's 0. */
function opSpan(bytes: Uint8Array, at: number): number {
  const op = bytes[at] as number;
  if (isZero(op)) return zeroLength(op);
  if (isVal(op)) return valLength(op);
  return ((((op & 0x3f) << 8) | (bytes[at + 1] ?? 0)) >>> 0) + 1;
}

/**
 * Walks the opcodes of a sparse HLL as hllSparseToDense and hllMerge do, calling `onVal` for each
 * run of registers with a value (stopping at a run that would pass the last register). True when
 * the opcodes cover exactly every register.
 */
export function walkSparse(value: Uint8Array, length: number, onVal: (first: number, count: number, register: number) => void): boolean {
  let index = 0;
  for (let at = HEADER_BYTES; at < length;) {
    const op = value[at] as number;
    const span = opSpan(value, at);
    if (isVal(op)) {
      if (index + span > HLL_REGISTERS) break;
      onVal(index, span, valValue(op));
    }
    index += span;
    at += isXzero(op) ? 2 : 1;
  }
  return index === HLL_REGISTERS;
}

/** hllSparseToDense: false (the draft untouched) when the opcodes are corrupt. */
export function sparseToDense(draft: HllDraft): boolean {
  if (draft.encoding === ENCODING_DENSE) return true;
  const dense = new HllDraft(new Uint8Array(DENSE_BYTES));
  dense.bytes.set(draft.bytes.subarray(0, HEADER_BYTES));
  dense.bytes[ENCODING_AT] = ENCODING_DENSE;
  const valid = walkSparse(draft.bytes, draft.length, (first, count, register) => {
    for (let i = first; i < first + count; i++) raiseDenseRegister(dense.bytes, i, register);
  });
  if (!valid) return false;
  draft.bytes = dense.bytes;
  draft.length = dense.length;
  return true;
}

/** Where the opcode covering a register is: its offset, the register it starts at, the opcode before. */
interface Located {
  readonly at: number;
  readonly first: number;
  readonly span: number;
  readonly previous: number;
}

function locate(draft: HllDraft, index: number): Located | undefined {
  const bytes = draft.bytes;
  let first = 0;
  let previous = -1;
  for (let at = HEADER_BYTES; at < draft.length;) {
    const span = opSpan(bytes, at);
    if (index <= first + span - 1) return { at, first, span, previous };
    previous = at;
    at += isXzero(bytes[at] as number) ? 2 : 1;
    first += span;
  }
  return undefined;
}

/** The opcodes replacing a ZERO / XZERO run of `length` registers (none when length is 0). */
function zeroRun(length: number): number[] {
  if (length === 0) return [];
  if (length > ZERO_LENGTH_MAX) return [0x40 | ((length - 1) >> 8), (length - 1) & 0xff];
  return [length - 1];
}

/** The opcodes that replace the one at `found` once register `index` holds `count`. */
function splitSequence(op: number, found: Located, index: number, count: number): number[] {
  const before = index - found.first;
  const after = found.first + found.span - 1 - index;
  if (!isVal(op)) return [...zeroRun(before), valOp(count, 1), ...zeroRun(after)];
  const current = valValue(op);
  return [...(before > 0 ? [valOp(current, before)] : []), valOp(count, 1), ...(after > 0 ? [valOp(current, after)] : [])];
}

/**
 * hllSparseSet: raises register `index` to `count`. 1 when it changed (the HLL may now be dense),
 * 0 when it already held as much, -1 when the opcodes are corrupt.
 */
export function sparseSet(draft: HllDraft, index: number, count: number): -1 | 0 | 1 {
  assert(draft.encoding === ENCODING_SPARSE, 'sparseSet on a dense HLL');
  if (count > VAL_VALUE_MAX) return promote(draft, index, count);
  const found = locate(draft, index);
  if (found === undefined) return -1;
  const bytes = draft.bytes;
  const op = bytes[found.at] as number;
  if (isVal(op) && valValue(op) >= count) return 0;
  if ((isVal(op) || isZero(op)) && found.span === 1) {
    bytes[found.at] = valOp(count, 1);
  } else {
    const sequence = splitSequence(op, found, index, count);
    const oldBytes = isXzero(op) ? 2 : 1;
    const delta = sequence.length - oldBytes;
    if (delta > 0 && draft.length + delta > SPARSE_BYTES_MAX) return promote(draft, index, count);
    const next = found.at + oldBytes;
    const end = draft.length;
    // Grow before moving the tail right; shrink (clearing what is left behind) after moving it left.
    if (delta > 0) draft.resize(end + delta);
    draft.bytes.copyWithin(next + delta, next, end);
    if (delta < 0) draft.resize(end + delta);
    draft.bytes.set(sequence, found.at);
  }
  mergeValues(draft, found.previous === -1 ? HEADER_BYTES : found.previous);
  invalidateCache(draft.bytes);
  return 1;
}

/** Step 4 of hllSparseSet: up to 5 opcodes from `from`, adjacent equal VALs joined while they fit. */
function mergeValues(draft: HllDraft, from: number): void {
  let at = from;
  for (let scans = 5; at < draft.length && scans > 0; scans--) {
    const bytes = draft.bytes;
    const op = bytes[at] as number;
    if (!isVal(op)) {
      at += isXzero(op) ? 2 : 1;
      continue;
    }
    const next = bytes[at + 1] as number;
    if (at + 1 < draft.length && isVal(next) && valValue(op) === valValue(next)) {
      const length = valLength(op) + valLength(next);
      if (length <= VAL_LENGTH_MAX) {
        bytes[at + 1] = valOp(valValue(op), length);
        bytes.copyWithin(at, at + 1, draft.length);
        draft.resize(draft.length - 1);
        continue; // try the joined VAL with the one after it
      }
    }
    at++;
  }
}

function promote(draft: HllDraft, index: number, count: number): -1 | 1 {
  if (!sparseToDense(draft)) return -1;
  const changed = raiseDenseRegister(draft.bytes, index, count);
  assert(changed === 1, 'a promotion always changes the register that caused it');
  return 1;
}
