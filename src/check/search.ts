// Wing & Gong's linearizability search with Lowe's memoisation, over one key's operations.
// Calls and returns sit in a doubly linked list in time order. The search walks it from the head:
// a call may be linearized next if the model allows it, which lifts the call and its return out
// of the list; reaching a return whose operation is not yet linearized means the current order is
// a dead end, so the last choice is undone (unlifted) and the next one tried. The memo of
// (linearized set, value) pairs stops the search from exploring one configuration twice.

import { assert } from '../lib/assert.js';
import { ADDED, FULL, LinearizedSet, StateCache } from './cache.js';
import { candidates, type ModelOp, type ValueTable } from './model.js';
import { Prng } from '../lib/prng.js';
import type { Verdict } from './history.js';

export interface SearchProblem {
  readonly ops: readonly ModelOp[];
  /** Call entry i and return entry ops.length + i, in time order (calls first on equal times). */
  readonly entries: Int32Array;
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

/** The dancing-links list of call and return entries. */
class EntryList {
  readonly next: Int32Array;
  readonly prev: Int32Array;
  readonly head: number;

  constructor(readonly opCount: number, entries: Int32Array) {
    assert(entries.length === opCount * 2, 'two entries per operation');
    this.head = opCount * 2;
    this.next = new Int32Array(opCount * 2 + 1);
    this.prev = new Int32Array(opCount * 2 + 1);
    let last = this.head;
    for (const entry of entries) {
      this.next[last] = entry;
      this.prev[entry] = last;
      last = entry;
    }
    this.next[last] = NIL;
  }

  lift(op: number): void {
    const ret = op + this.opCount;
    this.next[this.prev[op]] = this.next[op];
    this.prev[this.next[op]] = this.prev[op]; // a call is always followed by at least its return
    this.next[this.prev[ret]] = this.next[ret];
    if (this.next[ret] !== NIL) this.prev[this.next[ret]] = this.prev[ret];
  }

  unlift(op: number): void {
    const ret = op + this.opCount;
    this.next[this.prev[ret]] = ret;
    if (this.next[ret] !== NIL) this.prev[this.next[ret]] = ret;
    this.next[this.prev[op]] = op;
    this.prev[this.next[op]] = op;
  }
}

export function search(problem: SearchProblem, limits: SearchLimits, recordLongest = false): SearchOutcome {
  const n = problem.ops.length;
  assert(problem.entries.length === 2 * n, 'entries must hold a call and a return per operation');
  if (n === 0) return { verdict: 'ok', statesExplored: 0 };
  const list = new EntryList(n, problem.entries);
  const linearized = new LinearizedSet(n, zobristKeys(n));
  const cache = new StateCache(limits.maxStates, limits.maxMemoryBytes);
  const stackOps = new Int32Array(n);
  const stackValues = new Int32Array(n); // the value before the operation
  const stackChoices = new Int8Array(n);
  const out = new Int32Array(2);
  let depth = 0;
  let value = problem.initial;
  let choiceStart = 0;
  let longest: { order: number[]; values: number[] } | undefined;
  let entry = list.next[list.head];
  for (let steps = 1; entry !== NIL; steps++) {
    if (steps % CLOCK_EVERY_STEPS === 0 && limits.now !== undefined && limits.now() >= limits.deadlineMs) {
      return { verdict: 'unknown', reason: 'time limit reached', statesExplored: cache.count, longest };
    }
    if (entry < n) {
      const op = entry;
      const count = candidates(problem.ops[op]!, value, problem.values, out);
      let descended = false;
      for (let c = choiceStart; c < count && !descended; c++) {
        linearized.add(op);
        const added = cache.add(linearized, out[c]!);
        if (added === FULL) {
          return { verdict: 'unknown', reason: boundReason(cache, limits), statesExplored: cache.count, longest };
        }
        if (added !== ADDED) {
          linearized.remove(op);
          continue;
        }
        stackOps[depth] = op;
        stackValues[depth] = value;
        stackChoices[depth] = c;
        depth++;
        value = out[c]!;
        list.lift(op);
        descended = true;
        if (recordLongest && (longest === undefined || depth > longest.order.length)) {
          longest = snapshot(stackOps, stackValues, depth, value);
        }
      }
      choiceStart = 0;
      entry = descended ? list.next[list.head] : list.next[op];
    } else {
      // A return whose call is still in the list: that operation had to be linearized by now.
      if (depth === 0) return { verdict: 'illegal', statesExplored: cache.count, longest };
      depth--;
      const op = stackOps[depth]!;
      value = stackValues[depth]!;
      choiceStart = stackChoices[depth]! + 1;
      list.unlift(op);
      linearized.remove(op);
      entry = op;
    }
  }
  assert(depth === n, 'an empty list means every operation is linearized');
  return { verdict: 'ok', statesExplored: cache.count, longest };
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
