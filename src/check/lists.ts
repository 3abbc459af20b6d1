// The Wing & Gong entry lists as dancing links: fixed operations' calls and returns in one list,
// floating operations' calls in another, both in time order. Lifting a linearized operation out
// and unlifting it on backtrack are O(1) and exact inverses.

import { assert } from '../lib/assert.js';

export const NIL = -1;

/** Dancing-links lists: fixed calls and returns in one, floating calls in another. */
export class EntryLists {
  /** Per node (entry 0..2n-1, then the two heads): the next in its list, or NIL. */
  private readonly next: Int32Array;
  /** Per entry in a list: the node before it (another entry or a head), never NIL. */
  private readonly prev: Int32Array;
  /** Each entry's rank in time order, to compare a floating call with a fixed return. */
  private readonly rank: Int32Array;
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

  /** The node after `node` (an entry or a head) in its list, or NIL at the end. */
  after(node: number): number {
    const next = this.next[node];
    assert(next !== undefined, 'a node of these lists');
    return next;
  }

  rankOf(entry: number): number {
    const rank = this.rank[entry];
    assert(rank !== undefined, 'an entry of these lists');
    return rank;
  }

  private append(last: number, entry: number): number {
    this.next[last] = entry;
    this.prev[entry] = last;
    return entry;
  }

  private unlink(entry: number): void {
    const prev = this.prev[entry]!;
    const next = this.next[entry]!;
    this.next[prev] = next;
    if (next !== NIL) this.prev[next] = prev;
  }

  private relink(entry: number): void {
    const next = this.next[entry]!;
    this.next[this.prev[entry]!] = entry;
    if (next !== NIL) this.prev[next] = entry;
  }

  /** Takes a linearized operation out: its call, and for a fixed one its return. */
  lift(op: number, floating: boolean): void {
    this.assertOperation(op);
    this.unlink(op);
    if (!floating) this.unlink(op + this.opCount);
  }

  /** Exactly undoes the matching lift (dancing links: in reverse order). */
  unlift(op: number, floating: boolean): void {
    this.assertOperation(op);
    if (!floating) this.relink(op + this.opCount);
    this.relink(op);
  }

  private assertOperation(op: number): void {
    assert(op >= 0, 'operation numbers are not negative');
    assert(op < this.opCount, 'an operation of these lists');
  }
}

