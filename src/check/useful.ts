// Which floating operations are worth trying at a level of the search. A run of floating
// operations must end on a value that allows some fixed candidate the value before the run
// forbade (search.ts explains why), and each earlier operation of the run must feed the next:
// a cas that acts needs its expected value, an increment that acts needs an integer (or absent).
// Working backwards from those target values gives every operation that can be part of such a
// run; the rest are skipped. Unique written values make most pending unknown writes useless
// most of the time, which is what keeps histories full of timeouts tractable. Runs of positive
// increments are also cut once they have climbed past every integer target.

import { assert } from '../lib/assert.js';
import { type EntryLists, NIL } from './lists.js';
import {
  ABSENT, candidates, CAS_HIT, CAS_MAYBE, CAS_MISS, DELETE, DELETE_HIT, DELETE_MISS, INCR_MAYBE, INCR_OK, READ,
  WILDCARD, WRITE, type ModelOp, type ValueTable,
} from './model.js';

/** A fixpoint over at most this many passes; each pass adds an operation or stops. */
const MAX_PASSES = 64;

export class UsefulFloating {
  private readonly useful: Uint8Array;
  private readonly targets = new Set<number>();
  private readonly scratch = new Int32Array(2);
  private anyValue = false;
  private anyPresent = false;
  private integerTarget = false;
  private feedsInteger = false;

  constructor(
    private readonly ops: readonly ModelOp[],
    private readonly floating: readonly boolean[],
    private readonly values: ValueTable,
  ) {
    this.useful = new Uint8Array(ops.length);
  }

  isUseful(op: number): boolean {
    assert(this.floating[op], 'usefulness is about floating operations');
    return this.useful[op] === 1;
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
    for (let op = lists.next[lists.floatingHead]; op !== NIL && lists.rank[op] < limitRank; op = lists.next[op]) {
      if (!climbsOrLeavesIntegers(this.ops[op], this.values)) return true;
    }
    for (let op = lists.next[lists.fixedHead]; op !== NIL && op < opCount; op = lists.next[op]) {
      const modelOp = this.ops[op];
      if (modelOp.omittable) return true;
      if (candidates(modelOp, runBase, this.values, this.scratch) > 0) continue; // not one to enable
      const target = integerTarget(modelOp, this.values);
      if (target === null || target > current) return true;
    }
    return false;
  }

  /**
   * Marks the useful floating calls ranked below `limitRank` for a level at `value`, inside a run
   * that started from `runBase` (null when no run is open). Returns whether any is useful.
   */
  compute(lists: EntryLists, opCount: number, runBase: number | null, value: number, limitRank: number): boolean {
    if (runBase !== null && !this.runCanGrow(lists, opCount, runBase, value, limitRank)) {
      this.markAll(lists, limitRank, 0);
      return false;
    }
    const base = runBase ?? value;
    this.collectTargets(lists, opCount, base);
    if (base === WILDCARD || value === WILDCARD) this.anyValue = true;
    let any = false;
    for (let op = lists.next[lists.floatingHead]; op !== NIL && lists.rank[op] < limitRank; op = lists.next[op]) {
      this.useful[op] = this.anyValue ? 1 : 0;
      any ||= this.anyValue;
    }
    if (this.anyValue) return any;
    for (let pass = 0, changed = true; changed; pass++) {
      if (pass >= MAX_PASSES) return this.markAll(lists, limitRank, 1); // give up pruning, stay sound
      changed = false;
      for (let op = lists.next[lists.floatingHead]; op !== NIL && lists.rank[op] < limitRank; op = lists.next[op]) {
        if (this.useful[op] === 1 || !this.produces(this.ops[op])) continue;
        this.useful[op] = 1;
        this.feed(this.ops[op]);
        changed = true;
        any = true;
      }
    }
    return any;
  }

  /** The values that would allow a fixed candidate the base value forbids. */
  private collectTargets(lists: EntryLists, opCount: number, base: number): void {
    this.targets.clear();
    this.anyValue = false;
    this.anyPresent = false;
    this.integerTarget = false;
    this.feedsInteger = false;
    for (let op = lists.next[lists.fixedHead]; op !== NIL && op < opCount; op = lists.next[op]) {
      const fixed = this.ops[op];
      if (fixed.omittable) {
        this.anyValue = true;
        return;
      }
      if (base !== WILDCARD && candidates(fixed, base, this.values, this.scratch) > 0) continue;
      this.addTargetsOf(fixed);
    }
  }

  private addTargetsOf(fixed: ModelOp): void {
    switch (fixed.behaviour) {
      case READ:
      case CAS_HIT:
        this.addTarget(fixed.observed);
        return;
      case DELETE_MISS:
        this.addTarget(ABSENT);
        return;
      case DELETE_HIT:
        this.anyPresent = true;
        return;
      case INCR_OK: {
        const output = this.values.integerOf(fixed.observed);
        assert(output !== null, 'an incr output is an integer');
        const before = output - fixed.delta;
        this.addTarget(this.values.idOf(String(before)));
        if (before === 0n) this.addTarget(ABSENT);
        return;
      }
      case CAS_MISS:
      default:
        this.anyValue = true;
    }
  }

  private addTarget(id: number): void {
    this.targets.add(id);
    if (id !== ABSENT && id !== WILDCARD && this.values.integerOf(id) !== null) this.integerTarget = true;
  }

  /** Whether the op, acting, can produce a value some target or useful operation needs. */
  private produces(op: ModelOp): boolean {
    switch (op.behaviour) {
      case WRITE:
      case CAS_MAYBE:
        return this.targets.has(op.written) || this.anyPresent || (this.feedsInteger && this.values.integerOf(op.written) !== null);
      case DELETE:
        return this.targets.has(ABSENT) || this.feedsInteger;
      case INCR_MAYBE:
        return this.integerTarget || this.anyPresent || this.feedsInteger;
      default:
        return true;
    }
  }

  /** A useful operation makes its own inputs targets: a cas its expected value, an incr any integer. */
  private feed(op: ModelOp): void {
    if (op.behaviour === CAS_MAYBE) this.addTarget(op.observed);
    if (op.behaviour === INCR_MAYBE) this.feedsInteger = true;
  }

  /** Sets every candidate floating call's mark; returns whether there is any. */
  private markAll(lists: EntryLists, limitRank: number, mark: 0 | 1): boolean {
    let any = false;
    for (let op = lists.next[lists.floatingHead]; op !== NIL && lists.rank[op] < limitRank; op = lists.next[op]) {
      this.useful[op] = mark;
      any = true;
    }
    return any && mark === 1;
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
