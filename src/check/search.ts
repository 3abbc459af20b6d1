// Wing & Gong's linearizability search with Lowe's memoisation, over one key's operations.
//
// Fixed operations (finite intervals) have their calls and returns in a list in time order. At
// each level the search walks it from the head: a call may be linearized next if the model
// allows it, which lifts the call and its return out of the list. Reaching a return whose
// operation is not yet linearized ends the fixed choices of the level; floating operations
// (unknown outcome, interval open to +infinity) invoked before that return are tried next, and
// when nothing works the last choice is undone and the next one tried. The memo of (linearized
// set, value) stops the search from exploring one configuration twice.
//
// Floating operations never block anything and can always go last, so the search succeeds once
// every fixed operation is placed. They are tried only where they can matter: a run of floating
// operations must enable a fixed one that the value before the run forbade. Were that fixed
// operation allowed before the run, placing it first reaches the same configuration or one the
// memo's dominance rule (cache.ts) already covers. So a level whose candidates were all allowed
// tries no floating operation at all, and after a run only the newly enabled fixed ones may go.

import { assert } from '../lib/assert.js';
import { ADDED, FULL, PRESENT, StateCache } from './cache.js';
import type { Verdict } from './history.js';
import { EntryLists, NIL } from './lists.js';
import { candidates, CAS_MISS, DELETE_MISS, opAt, READ, WILDCARD, type ModelOp, type ValueTable } from './model.js';
import { FloatingOrder, OperationSets } from './sets.js';
import { UsefulFloating } from './useful.js';

export interface SearchProblem {
  readonly ops: readonly ModelOp[];
  /** Call entry i and return entry ops.length + i, in time order (calls first on equal times). */
  readonly entries: Int32Array;
  /** Per operation: true when its interval is open to +infinity (an unknown outcome). */
  readonly floating: readonly boolean[];
  readonly values: ValueTable;
  readonly initial: number;
}

export interface SearchLimits {
  readonly maxStates: number;
  readonly maxMemoryBytes: number;
  readonly now?: () => number;
  /** Give up when now() reaches this; Infinity without a clock. */
  readonly deadlineMs: number;
}

export interface SearchOutcome {
  readonly verdict: Verdict;
  readonly reason?: string;
  readonly statesExplored: number;
  /**
   * The operation whose return stopped the deepest path: where the search got stuck, so where a
   * failing window most likely ends. Absent when nothing blocked.
   */
  readonly stuckOp?: number;
  /** The longest order the search managed, with the value after each step (when asked for). */
  readonly longest?: { readonly order: readonly number[]; readonly values: readonly number[] };
}

const CLOCK_EVERY_STEPS = 1024;
const NO_RUN = -1;
const NOT_PLACED = -2;
const EXHAUSTED = -3;

export function search(problem: SearchProblem, limits: SearchLimits, recordLongest = false): SearchOutcome {
  assert(problem.entries.length === 2 * problem.ops.length, 'entries must hold a call and a return per operation');
  assert(problem.floating.length === problem.ops.length, 'one floating flag per operation');
  return new Search(problem, limits, recordLongest).run();
}

class Search {
  private readonly n: number;
  private readonly sets: OperationSets;
  private readonly lists: EntryLists;
  private readonly order: FloatingOrder;
  private readonly useful: UsefulFloating;
  private readonly cache: StateCache;
  // The path: per level, the operation placed, the value before it, and the level's walk state
  // to resume on backtrack.
  private readonly stackOps: Int32Array;
  private readonly stackValues: Int32Array;
  private readonly stackLimits: Int32Array;
  private readonly stackEnabling: Uint8Array;
  /** For a floating operation on the path: the value before the run of floating ones it ends. */
  private readonly stackRunBase: Int32Array;
  /** 1 for an observer placed without alternatives (see forceObserver). */
  private readonly stackForced: Uint8Array;
  /** 1 for a fixed operation that only observes: read, cas miss, delete miss. */
  private readonly observer: Uint8Array;
  /** candidates() writes the value after an operation here: one element, always there. */
  private readonly out = new Int32Array(1);
  private readonly outAtBase = new Int32Array(1);
  private depth = 0;
  private value: number;
  /** Rank of the level's first fixed return while floating calls are tried; -1 before. */
  private limitRank = -1;
  /** Whether some fixed candidate of this level was forbidden by the value before the current run. */
  private enabling = false;
  private longest: { order: number[]; values: number[] } | undefined;
  private stuckOp = -1;
  private stuckDepth = -1;

  constructor(
    private readonly problem: SearchProblem,
    private readonly limits: SearchLimits,
    private readonly recordLongest: boolean,
  ) {
    this.n = problem.ops.length;
    this.sets = new OperationSets(problem.floating);
    this.lists = new EntryLists(this.n, problem.entries, problem.floating);
    this.order = new FloatingOrder(problem.ops, problem.floating);
    this.useful = new UsefulFloating(problem.ops, problem.floating, problem.values);
    this.cache = new StateCache(this.sets.floating.length, limits.maxStates, limits.maxMemoryBytes, this.n);
    this.stackOps = new Int32Array(this.n);
    this.stackValues = new Int32Array(this.n);
    this.stackLimits = new Int32Array(this.n);
    this.stackEnabling = new Uint8Array(this.n);
    this.stackRunBase = new Int32Array(this.n);
    this.stackForced = new Uint8Array(this.n);
    this.observer = Uint8Array.from(problem.ops, (op, i) => {
      const observes = op.behaviour === READ || op.behaviour === CAS_MISS || op.behaviour === DELETE_MISS;
      return observes && !problem.floating[i] ? 1 : 0;
    });
    this.value = problem.initial;
  }

  run(): SearchOutcome {
    let entry = this.lists.after(this.lists.fixedHead);
    let fresh = true; // a level just entered: look for an observer to force first
    for (let steps = 1; this.sets.fixedRemaining > 0; steps++) {
      if (steps % CLOCK_EVERY_STEPS === 0 && this.limits.now !== undefined && this.limits.now() >= this.limits.deadlineMs) {
        return this.outcome('unknown', 'time limit reached');
      }
      if (fresh) {
        fresh = false;
        const forced = this.forceObserver();
        if (forced === FULL) return this.outcome('unknown', this.boundReason());
        if (forced === ADDED) {
          fresh = true;
          entry = this.lists.after(this.lists.fixedHead);
          continue;
        }
        if (forced === PRESENT) {
          entry = this.backtrack();
          if (entry === EXHAUSTED) return this.outcome('illegal');
          continue;
        }
      }
      if (this.limitRank < 0 && entry >= this.n) {
        // A fixed return whose call is still in the list: that operation had to go by now. Only
        // floating calls invoked before it remain, and only if they could enable something.
        if (this.depth > this.stuckDepth) {
          this.stuckDepth = this.depth;
          this.stuckOp = entry - this.n;
        }
        if (this.enabling && this.computeUseful(this.lists.rankOf(entry))) {
          this.limitRank = this.lists.rankOf(entry);
          entry = this.lists.after(this.lists.floatingHead);
          continue;
        }
        entry = this.backtrack();
        if (entry === EXHAUSTED) return this.outcome('illegal');
        continue;
      }
      if (this.limitRank >= 0 && (entry === NIL || this.lists.rankOf(entry) > this.limitRank)) {
        entry = this.backtrack();
        if (entry === EXHAUSTED) return this.outcome('illegal');
        continue;
      }
      assert(entry !== NIL && entry < this.n, 'the walk is at a call');
      const placed = this.tryCall(entry);
      if (placed === FULL) return this.outcome('unknown', this.boundReason());
      fresh = placed === ADDED;
      entry = placed === ADDED ? this.lists.after(this.lists.fixedHead) : this.lists.after(entry);
    }
    return this.outcome('ok');
  }

  /**
   * Places an observer (read, cas that missed, delete of an absent key) that the current value
   * allows, without branching: it changes no value and nothing before it in time is still open,
   * so any order that works from here still works with it moved first. ADDED if placed, PRESENT
   * if that configuration was already explored (so this level fails), NOT_PLACED if none.
   */
  private forceObserver(): number {
    if (this.value === WILDCARD) return NOT_PLACED; // a wildcard read pins the value: not neutral
    const { problem } = this;
    for (let op = this.lists.after(this.lists.fixedHead); op !== NIL && op < this.n; op = this.lists.after(op)) {
      if (this.observer[op] === 0 || candidates(opAt(problem.ops, op), this.value, problem.values, this.out) === 0) continue;
      this.sets.add(op);
      const added = this.cache.add(this.sets.fixed, this.sets.floating, this.out[0]!);
      if (added === ADDED) {
        this.push(op);
        this.stackForced[this.depth - 1] = 1;
        return ADDED;
      }
      this.sets.remove(op);
      return added;
    }
    return NOT_PLACED;
  }

  /** Tries to linearize `op` next: ADDED if it went (one level deeper), FULL at a bound, else NOT_PLACED. */
  private tryCall(op: number): number {
    if (this.allowedCandidates(op) === 0) return NOT_PLACED;
    this.sets.add(op);
    const added = this.cache.add(this.sets.fixed, this.sets.floating, this.out[0]!);
    if (added === ADDED) this.push(op);
    else this.sets.remove(op);
    return added === PRESENT ? NOT_PLACED : added;
  }

  /** 1 if `op` may go next (its resulting value in this.out), after the floating-run rules; else 0. */
  private allowedCandidates(op: number): number {
    const { problem } = this;
    const runBase = this.runBase();
    if (this.isFloating(op)) {
      const previous = runBase !== NO_RUN ? this.placedAt(this.depth - 1) : -1;
      const allowed = this.useful.isUseful(op) && this.order.allows(op, this.sets, previous);
      return allowed ? candidates(opAt(problem.ops, op), this.value, problem.values, this.out) : 0;
    }
    const modelOp = opAt(problem.ops, op);
    const count = candidates(modelOp, this.value, problem.values, this.out);
    const atBase = runBase === NO_RUN ? count : candidates(modelOp, runBase, problem.values, this.outAtBase);
    // The exchange argument needs a known value: the wildcard allows everything, so no pruning.
    if (atBase === 0 || runBase === WILDCARD || this.value === WILDCARD) {
      this.enabling = true;
      return count;
    }
    // Allowed before the floating run too: placing it before the run was already explored.
    return runBase === NO_RUN ? count : 0;
  }

  /** Marks the floating calls worth trying at this level (useful.ts); false when there are none. */
  private computeUseful(limitRank: number): boolean {
    const runBase = this.runBase();
    return this.useful.compute(this.lists, this.n, runBase === NO_RUN ? null : runBase, this.value, limitRank);
  }

  /** The value before the run of floating operations at the top of the path, or NO_RUN. */
  private runBase(): number {
    const top = this.depth - 1;
    return top >= 0 && this.isFloating(this.stackOps[top]!) ? this.stackRunBase[top]! : NO_RUN;
  }

  /** The operation placed at level d of the path. */
  private placedAt(d: number): number {
    assert(d >= 0, 'a level of the path');
    assert(d < this.depth, 'a level placed so far');
    return this.stackOps[d]!;
  }

  private isFloating(op: number): boolean {
    const floating = this.problem.floating[op];
    assert(floating !== undefined, 'an operation of the search');
    return floating;
  }

  private push(op: number): void {
    const d = this.depth;
    assert(d < this.n, 'the path is never longer than the operations');
    assert(this.sets.has(op), 'an operation is added to the set before it is pushed');
    const runBase = this.runBase();
    this.stackOps[d] = op;
    this.stackValues[d] = this.value;
    this.stackLimits[d] = this.limitRank;
    this.stackEnabling[d] = this.enabling ? 1 : 0;
    this.stackForced[d] = 0;
    this.stackRunBase[d] = runBase === NO_RUN ? this.value : runBase;
    this.depth++;
    this.value = this.out[0]!;
    this.lists.lift(op, this.isFloating(op));
    this.limitRank = -1;
    this.enabling = false;
    if (this.recordLongest && (this.longest === undefined || this.depth > this.longest.order.length)) {
      this.longest = {
        order: Array.from(this.stackOps.subarray(0, this.depth)),
        values: [...Array.from(this.stackValues.subarray(1, this.depth)), this.value],
      };
    }
  }

  /**
   * Undoes the last placement; returns the entry to resume the walk at (the one after that call,
   * in its list, possibly NIL), or EXHAUSTED when every order has been tried. A forced observer
   * has no alternative, so undoing it fails its level too, and backtracking continues.
   */
  private backtrack(): number {
    while (this.depth > 0) {
      const d = this.depth - 1;
      const op = this.placedAt(d);
      this.depth = d;
      this.value = this.stackValues[d]!;
      this.limitRank = this.stackLimits[d]!;
      this.enabling = this.stackEnabling[d] === 1;
      this.lists.unlift(op, this.isFloating(op));
      this.sets.remove(op);
      if (this.stackForced[d] === 1) continue;
      // Back at a level that was trying floating calls: its usefulness marks were overwritten.
      if (this.limitRank >= 0) this.computeUseful(this.limitRank);
      return this.lists.after(op); // op itself was tried at this level; each call is in one list
    }
    return EXHAUSTED;
  }

  private outcome(verdict: Verdict, reason?: string): SearchOutcome {
    return {
      verdict,
      statesExplored: this.cache.count,
      ...(reason !== undefined ? { reason } : {}),
      ...(this.stuckOp >= 0 ? { stuckOp: this.stuckOp } : {}),
      ...(this.longest !== undefined ? { longest: this.longest } : {}),
    };
  }

  private boundReason(): string {
    return this.cache.count >= this.limits.maxStates
      ? `state limit reached (${this.limits.maxStates} states)`
      : `memory limit reached (${this.cache.bytes} of ${this.limits.maxMemoryBytes} bytes)`;
  }
}
