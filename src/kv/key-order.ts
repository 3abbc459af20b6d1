// The keys in insertion order with a sequence number each, so SCAN has a stable cursor (the next
// sequence number to visit): a key present for a whole iteration is returned exactly once, whatever
// else is added or deleted, as Redis promises. Deleted keys leave holes that are skipped and
// compacted away when they outnumber the live keys; compaction keeps the order, so cursors stay valid.
// A live key's seq is not stored here but read from its entry (the Db's seqOf): one slot of 8
// bytes per key, where a second array of seqs cost 8 more (and its growth slack) per key.

import { assert } from '../lib/assert.js';

export class KeyOrder {
  /**
   * Per slot, in increasing seq order: a live key (its seq is seqOf(key)), or a hole: the seq of a
   * key deleted since (a number, so the binary search still sees every slot's seq).
   * Invariant: seqs strictly increase along the slots; every live key is in exactly one slot.
   */
  private entries: (string | number)[] = [];
  private holes = 0;
  /** Invariant: greater than every slot's seq. */
  nextSeq = 1;

  constructor(private readonly seqOf: (key: string) => number | undefined) {}

  get slots(): number {
    return this.entries.length;
  }

  /** Appends a key; returns its sequence number. */
  add(key: string): number {
    const seq = this.nextSeq++;
    assert(Number.isSafeInteger(seq), 'sequence numbers exhausted');
    this.entries.push(key);
    return seq;
  }

  /** Appends a key with a known sequence number (snapshot restore, in order; the entry holds it already). */
  restore(key: string, seq: number): void {
    assert(seq >= this.nextSeq, 'restored keys must come in increasing sequence order');
    this.entries.push(key);
    this.nextSeq = seq + 1;
  }

  /** Turns a key's slot into a hole (the key is being deleted; seq is its seq); compacts when holes dominate. */
  remove(key: string, seq: number, liveCount: number): void {
    const slot = this.slotFrom(seq);
    assert(this.entries[slot] === key, 'a deleted key has its slot');
    this.entries[slot] = seq;
    this.holes++;
    if (this.holes > liveCount + 1024) this.compact();
  }

  clear(): void {
    this.entries = [];
    this.holes = 0;
  }

  /** The live keys in order. Nothing may be added or removed meanwhile. */
  *keys(): IterableIterator<string> {
    const entries = this.entries;
    for (let slot = 0; slot < entries.length; slot++) {
      const entry = entries[slot];
      if (typeof entry === 'string') yield entry;
    }
    assert(entries === this.entries, 'the key order changed while iterated');
  }

  /** The live key at a slot, or undefined for a hole. */
  keyAt(slot: number): string | undefined {
    const entry = this.entries[slot];
    return typeof entry === 'string' ? entry : undefined;
  }

  seqAt(slot: number): number {
    const entry = this.entries[slot];
    if (typeof entry === 'number') return entry;
    const seq = this.seqOf(entry as string);
    assert(seq !== undefined, 'a live slot holds a present key');
    return seq;
  }

  /** The first slot whose seq is at least `seq` (binary search; seqs are sorted). */
  slotFrom(seq: number): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.seqAt(mid) < seq) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private compact(): void {
    const live = this.entries.filter((entry) => typeof entry === 'string');
    assert(live.length === this.entries.length - this.holes, 'key order lost count of its holes');
    this.entries = live;
    this.holes = 0;
  }
}
