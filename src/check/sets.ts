// The set of operations linearized so far on the search's current path, fixed and floating
// numbered separately (see cache.ts for why), and the canonical order of floating operations.

import { assert } from '../lib/assert.js';
import { LinearizedSet } from './cache.js';
import { DELETE, INCR_MAYBE, WRITE, type ModelOp } from './model.js';
import { Prng } from '../lib/prng.js';

/** The linearized operations, fixed and floating, each numbered within its own kind. */
export class OperationSets {
  readonly fixed: LinearizedSet;
  readonly floating: Uint32Array;
  readonly fixedCount: number;
  fixedRemaining: number;
  /** Per operation, its number within its kind: below fixedCount, or a bit of `floating`. */
  private readonly slot: Int32Array;

  constructor(private readonly isFloating: readonly boolean[]) {
    this.slot = new Int32Array(isFloating.length);
    let fixedCount = 0;
    let floatingCount = 0;
    isFloating.forEach((floating, op) => {
      this.slot[op] = floating ? floatingCount++ : fixedCount++;
    });
    this.fixedCount = fixedCount;
    this.fixedRemaining = fixedCount;
    this.fixed = new LinearizedSet(fixedCount, zobristKeys(fixedCount));
    this.floating = new Uint32Array(Math.ceil(floatingCount / 32));
  }

  add(op: number): void {
    const slot = this.slotOf(op);
    if (!this.isFloating[op]) {
      this.fixed.add(slot);
      this.fixedRemaining--;
      return;
    }
    const word = this.floating[slot >>> 5]!;
    assert((word & (1 << (slot & 31))) === 0, 'floating operation already linearized');
    this.floating[slot >>> 5] = word | (1 << (slot & 31));
  }

  has(op: number): boolean {
    const slot = this.slotOf(op);
    if (!this.isFloating[op]) return this.fixed.has(slot);
    return (this.floating[slot >>> 5]! & (1 << (slot & 31))) !== 0;
  }

  remove(op: number): void {
    const slot = this.slotOf(op);
    if (!this.isFloating[op]) {
      this.fixed.remove(slot);
      this.fixedRemaining++;
      return;
    }
    const word = this.floating[slot >>> 5]!;
    assert((word & (1 << (slot & 31))) !== 0, 'floating operation not linearized');
    this.floating[slot >>> 5] = word & ~(1 << (slot & 31));
  }

  private slotOf(op: number): number {
    assert(op >= 0, 'operation numbers are not negative');
    assert(op < this.slot.length, 'an operation of the search');
    return this.slot[op]!;
  }
}

/**
 * Which floating operation may go next, so that each set of floating effects is explored in one
 * order only. Three rules, each keeping at least one order of every legal linearization:
 * - a blind one (write, delete: its result ignores the current value) never directly follows
 *   another floating one, whose effect it would erase; that one could as well go last;
 * - of identical floating operations (say several unknown `incr +1`), the earlier invoked goes
 *   first, since either can stand in for the other;
 * - increments directly following each other go in invocation order, since they commute.
 */
export class FloatingOrder {
  private readonly blind: Uint8Array;
  private readonly increment: Uint8Array;
  private readonly twin: Int32Array;

  constructor(ops: readonly ModelOp[], floating: readonly boolean[]) {
    this.blind = new Uint8Array(ops.length);
    this.increment = new Uint8Array(ops.length);
    this.twin = new Int32Array(ops.length).fill(-1);
    const lastOfShape = new Map<string, number>();
    ops.forEach((op, i) => {
      if (!floating[i]) return;
      this.blind[i] = op.behaviour === WRITE || op.behaviour === DELETE ? 1 : 0;
      this.increment[i] = op.behaviour === INCR_MAYBE ? 1 : 0;
      const shape = `${op.behaviour}:${op.written}:${op.observed}:${op.delta}`;
      this.twin[i] = lastOfShape.get(shape) ?? -1;
      lastOfShape.set(shape, i);
    });
  }

  /**
   * Whether floating `op` may go next; `previous` is the floating operation just placed, or -1
   * when the last placed one is fixed (or none). Operations are numbered in invocation order.
   */
  allows(op: number, sets: OperationSets, previous: number): boolean {
    if (previous >= 0 && this.blind[op] === 1) return false;
    if (previous > op && this.increment[op] === 1 && this.increment[previous] === 1) return false;
    const twin = this.twin[op];
    assert(twin !== undefined, 'an operation of the search');
    return twin === -1 || sets.has(twin);
  }
}


/** Fixed-seed random keys: hashing must be deterministic so a run can be replayed. */
function zobristKeys(n: number): Uint32Array {
  const prng = new Prng(0x5eed);
  const keys = new Uint32Array(n);
  for (let i = 0; i < n; i++) keys[i] = prng.nextUint32();
  return keys;
}
