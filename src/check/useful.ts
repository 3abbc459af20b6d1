// Which floating operations are worth trying at a level of the search. A run of floating
// operations must end on a value that allows some fixed candidate the value before the run
// forbade (search.ts explains why), and each earlier operation of the run must feed the next:
// a cas that acts needs its expected value, an increment that acts needs an integer (or absent).
// Working backwards from those target values gives every operation that can be part of such a
// run; the rest are skipped. Unique written values make most pending unknown writes useless
// most of the time, which is what keeps histories full of timeouts tractable. Runs of positive
// increments are also cut once they have climbed past every integer target.
//
// The marks cost what they mark, not the pool: floating operations are indexed by the value they
// write, and a mark is a stamp of the current computation, so nothing needs clearing.

import { assert } from '../lib/assert.js';
import { type EntryLists, NIL } from './lists.js';
import {
  ABSENT, candidates, CAS_HIT, CAS_MAYBE, DELETE, DELETE_MISS, INCR_MAYBE, INCR_OK, opAt, READ, WILDCARD, WRITE,
  type ModelOp, type ValueTable,
} from './model.js';

export class UsefulFloating {
  /** stamp[op] === this.stamp marks op useful in the current computation. */
  private readonly stamps: Int32Array;
  private stamp = 0;
  /** Every floating operation is useful (a target that is not a single value). */
  private all = false;
  /** Floating writes and cas, by the value they write; deletes; increments; writers of integers. */
  private readonly writersOf = new Map<number, number[]>();
  private readonly deletes: number[] = [];
  private readonly increments: number[] = [];
  private readonly integerWriters: number[] = [];
  private readonly targets = new Set<number>();
  private readonly queue: number[] = [];
  private incrementsMarked = false;
  private deletesMarked = false;
  private integerWritersMarked = false;
  private readonly scratch = new Int32Array(2);

  constructor(
    private readonly ops: readonly ModelOp[],
    private readonly floating: readonly boolean[],
    private readonly values: ValueTable,
  ) {
    this.stamps = new Int32Array(ops.length);
    ops.forEach((op, i) => {
      if (!floating[i]) return;
      if (op.behaviour === DELETE) this.deletes.push(i);
      else if (op.behaviour === INCR_MAYBE) this.increments.push(i);
      else if (op.behaviour === WRITE || op.behaviour === CAS_MAYBE) {
        const list = this.writersOf.get(op.written) ?? [];
        list.push(i);
        this.writersOf.set(op.written, list);
        if (values.integerOf(op.written) !== null) this.integerWriters.push(i);
      }
    });
  }

  isUseful(op: number): boolean {
    assert(this.floating[op], 'usefulness is about floating operations');
    return this.all || this.stamps[op] === this.stamp;
  }

  /**
   * Whether extending the current floating run could still enable a fixed candidate. The one case
   * ruled out is common and costly: an integer value, every fixed candidate the run must enable
   * needing a smaller integer, and the floating operations left only able to climb (positive
   * increments) or to leave the integers for good (cas writing a non-integer; writes and deletes
   * cannot extend a run at all). Such a run never gets there; without this rule, every subset
   * of the pending increments would be tried.
   */
  private runCanGrow(lists: EntryLists, opCount: number, runBase: number, value: number, limitRank: number): boolean {
    if (runBase === WILDCARD || value === WILDCARD) return true;
    const current = this.values.integerOf(value);
    if (current === null) return true;
    for (let op = lists.after(lists.floatingHead); op !== NIL && lists.rankOf(op) < limitRank; op = lists.after(op)) {
      if (!climbsOrLeavesIntegers(opAt(this.ops, op), this.values)) return true;
    }
    for (let op = lists.after(lists.fixedHead); op !== NIL && op < opCount; op = lists.after(op)) {
      const modelOp = opAt(this.ops, op);
      if (candidates(modelOp, runBase, this.values, this.scratch) > 0) continue; // not one to enable
      const target = integerTarget(modelOp, this.values);
      if (target === null || target > current) return true;
    }
    return false;
  }

  /**
   * Marks the floating operations useful at a level at `value`, inside a run that started from
   * `runBase` (null when no run is open), whose first open fixed return is ranked `limitRank`.
   * Returns false when no run can help here.
   */
  compute(lists: EntryLists, opCount: number, runBase: number | null, value: number, limitRank: number): boolean {
    this.stamp++;
    this.all = false;
    if (runBase !== null && !this.runCanGrow(lists, opCount, runBase, value, limitRank)) return false;
    const base = runBase ?? value;
    if (base === WILDCARD || value === WILDCARD || !this.collectTargets(lists, opCount, base)) {
      this.all = true;
      return true;
    }
    this.incrementsMarked = false;
    this.deletesMarked = false;
    this.integerWritersMarked = false;
    let any = false;
    for (let i = 0; i < this.queue.length; i++) any = this.markProducersOf(this.queue[i]!) || any;
    this.queue.length = 0;
    return any;
  }

  /**
   * Queues the values that would allow a fixed candidate the base value forbids. False when
   * some candidate's allowed values are not a few single values (then everything is useful).
   */
  private collectTargets(lists: EntryLists, opCount: number, base: number): boolean {
    this.targets.clear();
    this.queue.length = 0;
    for (let op = lists.after(lists.fixedHead); op !== NIL && op < opCount; op = lists.after(op)) {
      const fixed = opAt(this.ops, op);
      if (candidates(fixed, base, this.values, this.scratch) > 0) continue;
      if (!this.addTargetsOf(fixed)) return false;
    }
    return true;
  }

  private addTargetsOf(fixed: ModelOp): boolean {
    switch (fixed.behaviour) {
      case READ:
      case CAS_HIT:
        this.addTarget(fixed.observed);
        return true;
      case DELETE_MISS:
        this.addTarget(ABSENT);
        return true;
      case INCR_OK: {
        const output = this.values.integerOf(fixed.observed);
        assert(output !== null, 'an incr output is an integer');
        const before = output - fixed.delta;
        this.addTarget(this.values.idOf(String(before)));
        if (before === 0n) this.addTarget(ABSENT);
        return true;
      }
      default:
        return false; // a cas miss or delete of a present key accepts almost any value
    }
  }

  private addTarget(id: number): void {
    if (this.targets.has(id)) return;
    this.targets.add(id);
    this.queue.push(id);
  }

  /** Marks the operations that can produce `target`, and queues what they in turn need. */
  private markProducersOf(target: number): boolean {
    let any = false;
    for (const op of this.writersOf.get(target) ?? []) any = this.mark(op) || any;
    if (target === ABSENT) any = this.markDeletes() || any;
    if (target !== ABSENT && this.values.integerOf(target) !== null) any = this.markIncrements() || any;
    return any;
  }

  private mark(op: number): boolean {
    if (this.stamps[op] === this.stamp) return false;
    this.stamps[op] = this.stamp;
    const modelOp = opAt(this.ops, op);
    if (modelOp.behaviour === CAS_MAYBE) this.addTarget(modelOp.observed); // it acts only on its expected value
    return true;
  }

  private markDeletes(): boolean {
    if (this.deletesMarked) return false;
    this.deletesMarked = true;
    for (const op of this.deletes) this.mark(op);
    return this.deletes.length > 0;
  }

  /** Increments produce any integer, and act on any integer or absent value. */
  private markIncrements(): boolean {
    if (this.incrementsMarked) return false;
    this.incrementsMarked = true;
    for (const op of this.increments) this.mark(op);
    if (this.increments.length === 0) return false;
    this.markDeletes();
    if (!this.integerWritersMarked) {
      this.integerWritersMarked = true;
      for (const op of this.integerWriters) this.mark(op);
    }
    return true;
  }
}

/** The one integer value that allows `op`, or null when that is not a single integer. */
function integerTarget(op: ModelOp, values: ValueTable): bigint | null {
  switch (op.behaviour) {
    case READ:
    case CAS_HIT:
      return op.observed === ABSENT ? null : values.integerOf(op.observed);
    case INCR_OK: {
      const output = values.integerOf(op.observed);
      return output === null ? null : output - op.delta;
    }
    default:
      return null;
  }
}

/** Whether a floating op, applied within a run, can only raise an integer or make it a non-integer. */
function climbsOrLeavesIntegers(op: ModelOp, values: ValueTable): boolean {
  switch (op.behaviour) {
    case INCR_MAYBE:
      return op.delta > 0n;
    case CAS_MAYBE:
      return values.integerOf(op.written) === null;
    case WRITE:
    case DELETE:
      return true; // blind: never directly follows another floating operation
    default:
      return false;
  }
}
