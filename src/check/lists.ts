// The Wing & Gong entry lists as dancing links: fixed operations' calls and returns in one list,
// floating operations' calls in another, both in time order. Lifting a linearized operation out
// and unlifting it on backtrack are O(1) and exact inverses.

import { assert } from '../lib/assert.js';

export const NIL = -1;

/** Dancing-links lists: fixed calls and returns in one, floating calls in another. */
export class EntryLists {
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

