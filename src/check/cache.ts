// Lowe's memo for the Wing & Gong search: the configurations (linearized operations, register
// value) already explored, so one reached again by another order is not searched twice.
//
// Operations split in two. "Fixed" ones have a finite interval; their linearized set is stored
// compactly, because the search linearizes them roughly in invocation order: "every operation
// below word lo, plus words lo..hi". "Floating" ones (unknown outcome, interval open to +infinity)
// can always be appended at the very end, so having linearized fewer of them is never worse: a
// configuration is skipped when one with the same fixed set and value, and a subset of its
// floating set, was already explored. Without that dominance rule, every unknown operation would
// double the configurations a failing history has to exhaust.

import { assert } from '../lib/assert.js';

export const ADDED = 1;
export const PRESENT = 0;
export const FULL = -1;

const ENTRY_BYTES = 24; // hash, value, lo, offset, length, chain link: six 32-bit fields
/** Starting size of the table (it doubles as needed): small keys should not pay for big ones. */
const INITIAL_ENTRIES_MIN = 64;
const INITIAL_ENTRIES_MAX = 1024;

/** A growable bitset over operation indexes with its canonical range and Zobrist hash. */
export class LinearizedSet {
  readonly words: Uint32Array;
  /** First word that is not all ones; every word below it is. */
  lo = 0;
  /** Last word that is not zero, or -1. */
  hi = -1;
  /** XOR of the Zobrist keys of the members. */
  hash = 0;

  constructor(
    readonly size: number,
    private readonly zobrist: Uint32Array,
  ) {
    assert(zobrist.length >= size, 'one Zobrist key per operation');
    this.words = new Uint32Array(Math.max(1, Math.ceil(size / 32)));
  }

  add(index: number): void {
    const w = this.wordOf(index);
    const bit = 1 << (index & 31);
    const word = this.words[w]!;
    assert((word & bit) === 0, 'operation already linearized');
    this.words[w] = word | bit;
    this.hash = (this.hash ^ this.zobrist[index]!) >>> 0;
    if (w > this.hi) this.hi = w;
    while (this.lo < this.words.length && this.words[this.lo] === 0xffffffff) this.lo++;
  }

  remove(index: number): void {
    const w = this.wordOf(index);
    const bit = 1 << (index & 31);
    const word = this.words[w]!;
    assert((word & bit) !== 0, 'operation not linearized');
    this.words[w] = word & ~bit;
    this.hash = (this.hash ^ this.zobrist[index]!) >>> 0;
    if (w < this.lo) this.lo = w;
    while (this.hi >= 0 && this.words[this.hi] === 0) this.hi--;
  }

  has(index: number): boolean {
    return (this.words[this.wordOf(index)]! & (1 << (index & 31))) !== 0;
  }

  /** The word holding `index`; every index below size has one, and a Zobrist key. */
  private wordOf(index: number): number {
    assert(index >= 0, 'operation indexes are not negative');
    assert(index < this.size, 'operation index within the set');
    return index >>> 5;
  }
}

export class StateCache {
  /** Head of each hash chain; a power of two long. Invariant: -1 or an entry below count. */
  private buckets: Int32Array;
  private hashes: Uint32Array;
  private values: Int32Array;
  private los: Int32Array;
  private offsets: Int32Array;
  private lengths: Int32Array;
  /** The next entry in its chain. Invariant: -1 or an entry below count. */
  private links: Int32Array;
  private arena: Uint32Array;
  private arenaUsed = 0;
  count = 0;

  /**
   * @param floatingWords words of every stored floating set (0 when there are no floating operations)
   * @param operations how many operations the search has, to size the table's start
   */
  constructor(
    private readonly floatingWords: number,
    private readonly maxStates: number,
    private readonly maxMemoryBytes: number,
    operations: number,
  ) {
    assert(maxStates > 0, 'maxStates must be positive');
    assert(maxMemoryBytes > 0, 'maxMemoryBytes must be positive');
    let entries = INITIAL_ENTRIES_MIN;
    while (entries < INITIAL_ENTRIES_MAX && entries < 2 * operations) entries *= 2;
    this.buckets = new Int32Array(entries * 2).fill(-1);
    this.hashes = new Uint32Array(entries);
    this.values = new Int32Array(entries);
    this.los = new Int32Array(entries);
    this.offsets = new Int32Array(entries);
    this.lengths = new Int32Array(entries);
    this.links = new Int32Array(entries);
    this.arena = new Uint32Array(entries * 4);
  }

  get bytes(): number {
    return this.buckets.byteLength + this.hashes.length * ENTRY_BYTES + this.arena.byteLength;
  }

  /**
   * Remembers (fixed, floating, value). PRESENT if it, or one with a subset of its floating set,
   * was already known; FULL if a bound forbids growing.
   */
  add(fixed: LinearizedSet, floating: Uint32Array, value: number): number {
    assert(floating.length === this.floatingWords, 'floating sets have one size');
    const hash = (fixed.hash ^ Math.imul(value + 1, 0x9e3779b1)) >>> 0;
    const length = Math.max(0, fixed.hi - fixed.lo + 1);
    for (let e = this.buckets[hash & (this.buckets.length - 1)]!; e !== -1; e = this.links[e]!) {
      assert(e < this.count, 'a chain links stored entries');
      if (this.hashes[e] !== hash || this.values[e] !== value || !this.sameFixed(e, fixed, length)) continue;
      if (this.floatingSubset(e, length, floating)) return PRESENT;
    }
    if (this.count >= this.maxStates) return FULL;
    if (!this.reserve(length + this.floatingWords)) return FULL;
    const e = this.count++;
    this.hashes[e] = hash;
    this.values[e] = value;
    this.los[e] = fixed.lo;
    this.offsets[e] = this.arenaUsed;
    this.lengths[e] = length;
    this.arena.set(fixed.words.subarray(fixed.lo, fixed.lo + length), this.arenaUsed);
    this.arena.set(floating, this.arenaUsed + length);
    this.arenaUsed += length + this.floatingWords;
    const b = hash & (this.buckets.length - 1);
    this.links[e] = this.buckets[b]!;
    this.buckets[b] = e;
    return ADDED;
  }

  /** Entry e (below count) stores words offset..offset+length-1 of the arena for its fixed set. */
  private sameFixed(e: number, fixed: LinearizedSet, length: number): boolean {
    if (this.los[e] !== fixed.lo || this.lengths[e] !== length) return false;
    const offset = this.offsets[e]!;
    for (let i = 0; i < length; i++) {
      if (this.arena[offset + i] !== fixed.words[fixed.lo + i]) return false;
    }
    return true;
  }

  /** Whether entry e's floating set is a subset of `floating`. */
  private floatingSubset(e: number, length: number, floating: Uint32Array): boolean {
    const offset = this.offsets[e]! + length;
    for (let i = 0; i < this.floatingWords; i++) {
      if ((this.arena[offset + i]! & ~floating[i]!) !== 0) return false;
    }
    return true;
  }

  /** Makes room for one more entry of `words` words; false when that would pass a bound. */
  private reserve(words: number): boolean {
    let arenaWords = this.arena.length;
    while (this.arenaUsed + words > arenaWords) arenaWords *= 2;
    const entries = this.count < this.hashes.length ? this.hashes.length : this.hashes.length * 2;
    const projected = entries * 2 * 4 + entries * ENTRY_BYTES + arenaWords * 4;
    if (projected > this.maxMemoryBytes && projected > this.bytes) return false;
    if (arenaWords !== this.arena.length) this.arena = grow(this.arena, arenaWords);
    if (entries !== this.hashes.length) this.growEntries(entries);
    return true;
  }

  private growEntries(entries: number): void {
    this.hashes = grow(this.hashes, entries);
    this.values = grow(this.values, entries);
    this.los = grow(this.los, entries);
    this.offsets = grow(this.offsets, entries);
    this.lengths = grow(this.lengths, entries);
    this.links = grow(this.links, entries);
    this.buckets = new Int32Array(entries * 2).fill(-1);
    const mask = this.buckets.length - 1;
    for (let e = 0; e < this.count; e++) {
      const b = this.hashes[e]! & mask;
      this.links[e] = this.buckets[b]!;
      this.buckets[b] = e;
    }
  }
}

function grow<T extends Uint32Array | Int32Array>(array: T, length: number): T {
  assert(length >= array.length, 'arrays only grow');
  const bigger = new (array.constructor as new (n: number) => T)(length);
  bigger.set(array);
  return bigger;
}
