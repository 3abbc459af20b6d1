// A binary min-heap of (absolute expiry ms, key) for active expiry. Entries go stale when a key's
// expiry changes or the key goes away; the owner checks each entry against the map and the heap is
// rebuilt when stale entries dominate, so its size stays within a constant factor of live expiries.

import { assert } from '../lib/assert.js';

export class ExpiryHeap {
  private expireAts: number[] = [];
  private keys: string[] = [];

  get size(): number {
    return this.expireAts.length;
  }

  clear(): void {
    this.expireAts = [];
    this.keys = [];
  }

  push(expireAtMs: number, key: string): void {
    assert(Number.isFinite(expireAtMs), 'expiry must be a finite time');
    this.expireAts.push(expireAtMs);
    this.keys.push(key);
    this.siftUp(this.expireAts.length - 1);
  }

  /** The earliest expiry, or undefined when empty. */
  peekExpireAt(): number | undefined {
    return this.expireAts.length === 0 ? undefined : this.expireAts[0];
  }

  /** The entry at heap position `index` (0 ≤ index < size), possibly stale: eviction samples these. */
  entryAt(index: number): { expireAtMs: number; key: string } {
    assert(index >= 0 && index < this.expireAts.length, 'heap index out of range');
    return { expireAtMs: this.expireAts[index] as number, key: this.keys[index] as string };
  }

  /** Removes and returns the earliest entry. */
  pop(): { expireAtMs: number; key: string } | undefined {
    const count = this.expireAts.length;
    if (count === 0) return undefined;
    const top = { expireAtMs: this.expireAts[0] as number, key: this.keys[0] as string };
    const lastAt = this.expireAts.pop() as number;
    const lastKey = this.keys.pop() as string;
    if (count > 1) {
      this.expireAts[0] = lastAt;
      this.keys[0] = lastKey;
      this.siftDown(0);
    }
    return top;
  }

  /** Replaces the contents with the given entries, heapified in O(n). */
  rebuild(expireAts: number[], keys: string[]): void {
    assert(expireAts.length === keys.length, 'rebuild with mismatched arrays');
    this.expireAts = expireAts;
    this.keys = keys;
    for (let i = (expireAts.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftUp(index: number): void {
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((this.expireAts[parent] as number) <= (this.expireAts[i] as number)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(index: number): void {
    const count = this.expireAts.length;
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= count) break;
      const right = left + 1;
      let least = left;
      if (right < count && (this.expireAts[right] as number) < (this.expireAts[left] as number)) least = right;
      if ((this.expireAts[i] as number) <= (this.expireAts[least] as number)) break;
      this.swap(i, least);
      i = least;
    }
  }

  private swap(a: number, b: number): void {
    const at = this.expireAts[a] as number;
    this.expireAts[a] = this.expireAts[b] as number;
    this.expireAts[b] = at;
    const key = this.keys[a] as string;
    this.keys[a] = this.keys[b] as string;
    this.keys[b] = key;
  }
}
