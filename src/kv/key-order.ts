// The keys in insertion order with a sequence number each, so SCAN has a stable cursor (the next
// sequence number to visit): a key present for a whole iteration is returned exactly once, whatever
// else is added or deleted, as Redis promises. Deleted keys leave holes that are skipped and
// compacted away when they outnumber the live keys; compaction keeps the order, so cursors stay valid.

import { assert } from '../lib/assert.js';

export class KeyOrder {
  private keys: string[] = [];
  private seqs: number[] = [];
  /** Invariant: greater than every seq in `seqs`; seqs are strictly increasing. */
  nextSeq = 1;

  get slots(): number {
    return this.keys.length;
  }

  /** Appends a key; returns its sequence number. */
  add(key: string): number {
    const seq = this.nextSeq++;
    assert(Number.isSafeInteger(seq), 'sequence numbers exhausted');
    this.keys.push(key);
    this.seqs.push(seq);
    return seq;
  }

  /** Appends a key with a known sequence number (snapshot restore, in order). */
  restore(key: string, seq: number): void {
    assert(seq >= this.nextSeq, 'restored keys must come in increasing sequence order');
    this.keys.push(key);
    this.seqs.push(seq);
    this.nextSeq = seq + 1;
  }

  clear(): void {
    this.keys = [];
    this.seqs = [];
  }

  keyAt(slot: number): string {
    return this.keys[slot] as string;
  }

  seqAt(slot: number): number {
    return this.seqs[slot] as number;
  }

  /** The first slot whose seq is at least `seq` (binary search; seqs are sorted). */
  slotFrom(seq: number): number {
    let low = 0;
    let high = this.seqs.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.seqs[mid] as number) < seq) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Drops holes (slots whose key is gone or was re-added later) when they dominate; `seqOf` gives a live key's seq. */
  compactIfSparse(liveCount: number, seqOf: (key: string) => number | undefined): void {
    if (this.keys.length <= 2 * liveCount + 1024) return;
    const keys: string[] = [];
    const seqs: number[] = [];
    for (let i = 0; i < this.keys.length; i++) {
      const key = this.keys[i] as string;
      if (seqOf(key) !== this.seqs[i]) continue;
      keys.push(key);
      seqs.push(this.seqs[i] as number);
    }
    assert(keys.length === liveCount, 'key order lost a live key');
    this.keys = keys;
    this.seqs = seqs;
  }
}
