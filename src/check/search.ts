// Wing & Gong's linearizability search with Lowe's memoisation, over one key's operations.
// Fixed operations (finite intervals) have their calls and returns in a doubly linked list in
// time order. The search walks it from the head: a call may be linearized next if the model
// allows it, which lifts the call and its return out of the list; reaching a return whose
// operation is not yet linearized means no fixed operation can go next, so floating operations
// (unknown outcome, interval open to +infinity) invoked before that return are tried, and when
// none works the last choice is undone (unlifted) and the next one tried. The memo of
// (linearized set, value) pairs stops the search from exploring one configuration twice.
//
// Floating operations live in a list of their own and are tried last: they never block anything
// and can always go at the very end, so the search succeeds once every fixed operation is placed,
// and applying one only when no fixed operation fits lets the memo's dominance rule (cache.ts)
// prune the effects that are later overwritten.
import { assert } from '../lib/assert.js';
import { ADDED, FULL, LinearizedSet, StateCache } from './cache.js';
import { candidates, DELETE, WRITE, type ModelOp, type ValueTable } from './model.js';
import { Prng } from '../lib/prng.js';
import type { Verdict } from './history.js';

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
  /** The longest order the search managed, with the value after each step (when asked for). */
  readonly longest?: { readonly order: readonly number[]; readonly values: readonly number[] };
}

const NIL = -1;
const CLOCK_EVERY_STEPS = 1024;

/** Dancing-links lists: fixed calls and returns in one, floating calls in another. */
class EntryLists {
  readonly next: Int32Array;
  readonly prev: Int32Array;
  /** Each entry's rank in time order, to compare a floating call with a fixed return. */
  readonly rank: Int32Array;
  readonly fixedHead: number;
  readonly floatingHead: number;

  constructor(private readonly opCount: number, entries: Int32Array, floating: readonly boolean[]) {
    assert(entries.length === opCount * 2, 'two entries per operation');
    this.fixedHead = opCount * 2;
    this.floatingHead = opCount * 2 + 1;
    this.next = new Int32Array(opCount * 2 + 2);
    this.prev = new Int32Array(opCount * 2 + 2);
    this.rank = new Int32Array(opCount * 2);
    let lastFixed = this.fixedHead;
    let lastFloating = this.floatingHead;
    entries.forEach((entry, rank) => {
      this.rank[entry] = rank;
      const op = entry < opCount ? entry : entry - opCount;
      if (!floating[op]) lastFixed = this.append(lastFixed, entry);
      else if (entry < opCount) lastFloating = this.append(lastFloating, entry);
    });
    this.next[lastFixed] = NIL;
    this.next[lastFloating] = NIL;
  }

  private append(last: number, entry: number): number {
    this.next[last] = entry;
    this.prev[entry] = last;
    return entry;
  }

  private unlink(entry: number): void {
    this.next[this.prev[entry]] = this.next[entry];
    if (this.next[entry] !== NIL) this.prev[this.next[entry]] = this.prev[entry];
  }

  private relink(entry: number): void {
    this.next[this.prev[entry]] = entry;
    if (this.next[entry] !== NIL) this.prev[this.next[entry]] = entry;
  }

  /** Takes a linearized operation out: its call, and for a fixed one its return. */
  lift(op: number, floating: boolean): void {
    this.unlink(op);
    if (!floating) this.unlink(op + this.opCount);
  }

  /** Exactly undoes the matching lift (dancing links: in reverse order). */
  unlift(op: number, floating: boolean): void {
    if (!floating) this.relink(op + this.opCount);
    this.relink(op);
  }
}

export function search(problem: SearchProblem, limits: SearchLimits, recordLongest = false): SearchOutcome {
  const n = problem.ops.length;
  assert(problem.entries.length === 2 * n, 'entries must hold a call and a return per operation');
  assert(problem.floating.length === n, 'one floating flag per operation');
  const sets = new OperationSets(problem.floating);
  if (sets.fixedCount === 0) return { verdict: 'ok', statesExplored: 0 };
  const lists = new EntryLists(n, problem.entries, problem.floating);
  const order = new FloatingOrder(problem.ops, problem.floating);
  const cache = new StateCache(sets.floating.length, limits.maxStates, limits.maxMemoryBytes);
  const stackOps = new Int32Array(n);
  const stackValues = new Int32Array(n); // the value before the operation
  const stackChoices = new Int8Array(n);
  const stackLimits = new Int32Array(n); // the rank of the first fixed return, for floating choices
  const out = new Int32Array(2);
  let depth = 0;
  let value = problem.initial;
  let choiceStart = 0;
  let limitRank = -1; // >= 0 while trying floating calls: only those ranked below it may go next
  let longest: { order: number[]; values: number[] } | undefined;
  let entry = lists.next[lists.fixedHead];
  for (let steps = 1; sets.fixedRemaining > 0; steps++) {
    if (steps % CLOCK_EVERY_STEPS === 0 && limits.now !== undefined && limits.now() >= limits.deadlineMs) {
      return { verdict: 'unknown', reason: 'time limit reached', statesExplored: cache.count, longest };
    }
    if (limitRank < 0 && entry >= n) {
      // A fixed return whose call is still in the list: that operation had to be linearized by
      // now, so only floating operations invoked before it remain to try at this level.
      limitRank = lists.rank[entry];
      entry = lists.next[lists.floatingHead];
      continue;
    }
    if (limitRank >= 0 && (entry === NIL || lists.rank[entry] > limitRank)) {
      if (depth === 0) return { verdict: 'illegal', statesExplored: cache.count, longest };
      depth--;
      const op = stackOps[depth];
      value = stackValues[depth];
      choiceStart = stackChoices[depth] + 1;
      limitRank = stackLimits[depth];
      lists.unlift(op, problem.floating[op]);
      sets.remove(op);
      entry = op;
      continue;
    }
    assert(entry !== NIL && entry < n, 'the walk is at a call');
    const op = entry;
    const canonical = !problem.floating[op] || order.allows(op, sets, depth > 0 && problem.floating[stackOps[depth - 1]]);
    const count = canonical ? candidates(problem.ops[op], value, problem.values, out) : 0;
    let descended = false;
    for (let c = choiceStart; c < count && !descended; c++) {
      sets.add(op);
      const added = cache.add(sets.fixed, sets.floating, out[c]);
      if (added === FULL) {
        return { verdict: 'unknown', reason: boundReason(cache, limits), statesExplored: cache.count, longest };
      }
      if (added !== ADDED) {
        sets.remove(op);
        continue;
      }
      stackOps[depth] = op;
      stackValues[depth] = value;
      stackChoices[depth] = c;
      stackLimits[depth] = limitRank;
      depth++;
      value = out[c];
      lists.lift(op, problem.floating[op]);
      descended = true;
      if (recordLongest && (longest === undefined || depth > longest.order.length)) {
        longest = snapshot(stackOps, stackValues, depth, value);
      }
    }
    choiceStart = 0;
    if (descended) limitRank = -1;
    entry = descended ? lists.next[lists.fixedHead] : lists.next[op];
  }
  return { verdict: 'ok', statesExplored: cache.count, longest };
}

/**
 * Which floating operation may go next, so that each set of floating effects is explored in one
 * order only. Two rules, each keeping at least one order of every legal linearization:
 * - a blind one (write, delete: its result ignores the current value) never directly follows
 *   another floating one, whose effect it would erase; that one could as well go last;
 * - of identical floating operations (say several unknown `incr +1`), the earlier invoked goes
 *   first, since either can stand in for the other.
 */
class FloatingOrder {
  private readonly blind: Uint8Array;
  private readonly twin: Int32Array;

  constructor(ops: readonly ModelOp[], floating: readonly boolean[]) {
    this.blind = new Uint8Array(ops.length);
    this.twin = new Int32Array(ops.length).fill(-1);
    const lastOfShape = new Map<string, number>();
    ops.forEach((op, i) => {
      if (!floating[i]) return;
      this.blind[i] = op.behaviour === WRITE || op.behaviour === DELETE ? 1 : 0;
      const shape = `${op.behaviour}:${op.written}:${op.observed}:${op.delta}`;
      this.twin[i] = lastOfShape.get(shape) ?? -1;
      lastOfShape.set(shape, i);
    });
  }

  allows(op: number, sets: OperationSets, afterFloating: boolean): boolean {
    if (afterFloating && this.blind[op] === 1) return false;
    const twin = this.twin[op];
    return twin === -1 || sets.has(twin);
  }
}

/** The linearized operations, fixed and floating, each numbered within its own kind. */
class OperationSets {
  readonly fixed: LinearizedSet;
  readonly floating: Uint32Array;
  readonly fixedCount: number;
  fixedRemaining: number;
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
    const slot = this.slot[op];
    if (!this.isFloating[op]) {
      this.fixed.add(slot);
      this.fixedRemaining--;
      return;
    }
    assert((this.floating[slot >>> 5] & (1 << (slot & 31))) === 0, 'floating operation already linearized');
    this.floating[slot >>> 5] |= 1 << (slot & 31);
  }

  has(op: number): boolean {
    const slot = this.slot[op];
    if (!this.isFloating[op]) return this.fixed.has(slot);
    return (this.floating[slot >>> 5] & (1 << (slot & 31))) !== 0;
  }

  remove(op: number): void {
    const slot = this.slot[op];
    if (!this.isFloating[op]) {
      this.fixed.remove(slot);
      this.fixedRemaining++;
      return;
    }
    assert((this.floating[slot >>> 5] & (1 << (slot & 31))) !== 0, 'floating operation not linearized');
    this.floating[slot >>> 5] &= ~(1 << (slot & 31));
  }
}

function boundReason(cache: StateCache, limits: SearchLimits): string {
  return cache.count >= limits.maxStates
    ? `state limit reached (${limits.maxStates} states)`
    : `memory limit reached (${cache.bytes} of ${limits.maxMemoryBytes} bytes)`;
}

function snapshot(ops: Int32Array, before: Int32Array, depth: number, last: number): { order: number[]; values: number[] } {
  const order = Array.from(ops.subarray(0, depth));
  const values = Array.from(before.subarray(1, depth));
  values.push(last);
  return { order, values };
}

/** Fixed-seed random keys: hashing must be deterministic so a run can be replayed. */
function zobristKeys(n: number): Uint32Array {
  const prng = new Prng(0x5eed);
  const keys = new Uint32Array(n);
  for (let i = 0; i < n; i++) keys[i] = prng.nextUint32();
  return keys;
}
