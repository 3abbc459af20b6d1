// The in-memory Raft log of one node: a snapshot boundary, the entries after it, and the commit,
// apply and persistence cursors. Pure bookkeeping; the node decides when each cursor moves, and
// every cursor moves only through a method here that asserts its invariants.

import { assert } from '../lib/assert.js';
import type { Entry, SnapshotMeta } from './types.js';

export class RaftLog {
  /** The index and term the latest snapshot covers; entries start right after it. */
  private snapshotIndexValue: number;
  private snapshotTermValue: number;
  /** entries[i].index === snapshotIndex + 1 + i. Invariant: contiguous, terms non-decreasing. */
  private entries: Entry[];
  /** Invariant: snapshotIndex <= commitIndex <= lastIndex(); never decreases. */
  private commitIndexValue: number;
  /** Invariant: appliedIndex <= commitIndex (the caller applied everything up to it); never decreases. */
  private appliedIndexValue: number;
  /** The first index not yet handed out for persistence. Invariant: snapshotIndex < unstableFrom <= lastIndex() + 1. */
  private unstableFrom: number;
  /** The lowest index truncated or reset since the outstanding Ready was handed out (Infinity if none). */
  private truncatedSinceReady = Infinity;

  constructor(meta: SnapshotMeta, entries: readonly Entry[], commitIndex: number) {
    this.snapshotIndexValue = meta.index;
    this.snapshotTermValue = meta.term;
    this.entries = [];
    for (const entry of entries) this.pushChecked(entry);
    assert(commitIndex >= meta.index, 'log: commit index below the snapshot');
    assert(commitIndex <= this.lastIndex(), 'log: commit index beyond the last persisted entry');
    this.commitIndexValue = commitIndex;
    this.appliedIndexValue = meta.index;
    this.unstableFrom = this.lastIndex() + 1;
  }

  get snapshotIndex(): number {
    return this.snapshotIndexValue;
  }

  get snapshotTerm(): number {
    return this.snapshotTermValue;
  }

  get commitIndex(): number {
    return this.commitIndexValue;
  }

  get appliedIndex(): number {
    return this.appliedIndexValue;
  }

  firstIndex(): number {
    return this.snapshotIndexValue + 1;
  }

  lastIndex(): number {
    return this.snapshotIndexValue + this.entries.length;
  }

  lastTerm(): number {
    const n = this.entries.length;
    return n === 0 ? this.snapshotTermValue : this.entries[n - 1]!.term;
  }

  /** The term of the entry at `index`, or null when it is compacted away or not in the log. */
  termAt(index: number): number | null {
    if (index === this.snapshotIndexValue) return this.snapshotTermValue;
    if (index < this.snapshotIndexValue || index > this.lastIndex()) return null;
    return this.entries[index - this.snapshotIndexValue - 1]!.term;
  }

  entryAt(index: number): Entry {
    assert(index > this.snapshotIndexValue, 'log: entry is compacted');
    assert(index <= this.lastIndex(), 'log: entry beyond the last index');
    return this.entries[index - this.snapshotIndexValue - 1]!;
  }

  /** True when a log ending at (lastIndex, lastTerm) is at least as up to date as this one (§5.4.1). */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Entries [from, to) limited to maxEntries and maxBytes of payload, but at least one entry when
   * the range is not empty. Returns null when `from` is compacted.
   */
  slice(from: number, to: number, maxEntries: number, maxBytes: number): Entry[] | null {
    if (from <= this.snapshotIndexValue) return null;
    assert(to <= this.lastIndex() + 1, 'log: slice beyond the last index');
    const out: Entry[] = [];
    let bytes = 0;
    const end = Math.min(to, from + maxEntries);
    for (let index = from; index < end; index++) {
      const entry = this.entries[index - this.snapshotIndexValue - 1]!;
      bytes += entry.data.length;
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(entry);
    }
    return out;
  }

  /** The leader appends new entries at the end. */
  append(entries: readonly Entry[]): void {
    for (const entry of entries) this.pushChecked(entry);
  }

  /**
   * A follower's AppendEntries (§5.3): when the entry at prevIndex has prevTerm, drop the first
   * conflicting entry and all that follow it, then append what is new. Returns the index of the
   * first entry written (Infinity when every entry was already there), or -1 when prevIndex does
   * not match.
   */
  maybeAppend(prevIndex: number, prevTerm: number, entries: readonly Entry[]): number {
    if (this.termAt(prevIndex) !== prevTerm) return -1;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      const existing = this.termAt(entry.index);
      if (existing === entry.term) continue;
      if (existing !== null) this.truncateFrom(entry.index);
      for (let j = i; j < entries.length; j++) this.pushChecked(entries[j]!);
      return entry.index;
    }
    return Infinity;
  }

  /** Removes the entry at `index` and everything after it. Never touches committed entries. */
  truncateFrom(index: number): void {
    assert(index > this.commitIndexValue, 'log: truncating a committed entry');
    assert(index <= this.lastIndex(), 'log: truncating beyond the last index');
    this.entries.length = index - this.snapshotIndexValue - 1;
    this.unstableFrom = Math.min(this.unstableFrom, index);
    this.truncatedSinceReady = Math.min(this.truncatedSinceReady, index);
  }

  /** For a rejection hint: the first index >= atLeast of the run of entries with the term at `index`. */
  firstIndexOfTermAt(index: number, atLeast: number): number {
    const term = this.termAt(index);
    assert(term !== null, 'log: hint for an unknown index');
    let first = index;
    while (first - 1 > Math.max(this.snapshotIndexValue, atLeast - 1) && this.termAt(first - 1) === term) first--;
    return first;
  }

  /** The last index <= atMost whose term is `term`, or -1 when the log has none there. */
  lastIndexOfTerm(term: number, atMost: number): number {
    let index = Math.min(atMost, this.lastIndex());
    for (; index >= this.snapshotIndexValue; index--) {
      const t = this.termAt(index)!;
      if (t === term) return index;
      if (t < term) return -1;
    }
    return -1;
  }

  /** Moves the commit index up to `index`; returns false (and changes nothing) when it is not higher. */
  commitTo(index: number): boolean {
    if (index <= this.commitIndexValue) return false;
    assert(index <= this.lastIndex(), 'log: commit beyond the last index');
    this.commitIndexValue = index;
    return true;
  }

  /** The caller applied everything up to `index` (a committed entry, or a snapshot it restored). */
  appliedTo(index: number): void {
    assert(index >= this.appliedIndexValue, 'log: the applied index never decreases');
    assert(index <= this.commitIndexValue, 'log: applied beyond the commit index');
    this.appliedIndexValue = index;
  }

  /** Whether entries wait to be handed out for persistence. */
  hasUnstable(): boolean {
    return this.unstableFrom <= this.lastIndex();
  }

  /** Entries handed out for persistence but not yet acknowledged, from unstableFrom to the end. */
  unstableEntries(): Entry[] {
    return this.entries.slice(this.unstableFrom - this.snapshotIndexValue - 1);
  }

  /** A Ready was handed out (or advanced): truncations from now on concern the next one. */
  readyHandedOut(): void {
    this.truncatedSinceReady = Infinity;
  }

  /** The caller persisted entries up to `index` (which had `term`) from the Ready it was given. */
  stableTo(index: number, term: number): void {
    if (this.termAt(index) !== term) return; // replaced or compacted since the Ready
    const stable = Math.min(index + 1, this.truncatedSinceReady);
    this.unstableFrom = Math.max(this.unstableFrom, stable);
    assert(this.unstableFrom <= this.lastIndex() + 1, 'log: stable beyond the last index');
  }

  /** The last index this node has persisted. */
  stableIndex(): number {
    return this.unstableFrom - 1;
  }

  /** Drops entries up to `index` (applied and persisted) after the state machine snapshotted it. */
  compact(index: number): void {
    assert(index > this.snapshotIndexValue, 'log: compacting behind the snapshot');
    assert(index <= this.appliedIndexValue, 'log: compacting unapplied entries');
    assert(index < this.unstableFrom, 'log: compacting unpersisted entries');
    const term = this.termAt(index)!;
    this.entries = this.entries.slice(index - this.snapshotIndexValue);
    this.snapshotIndexValue = index;
    this.snapshotTermValue = term;
  }

  /** Replaces the whole log by a received snapshot (the state machine is restored from it). */
  restore(meta: SnapshotMeta): void {
    assert(meta.index > this.commitIndexValue, 'log: restoring a snapshot behind the commit index');
    this.entries = [];
    this.snapshotIndexValue = meta.index;
    this.snapshotTermValue = meta.term;
    this.commitIndexValue = meta.index;
    this.unstableFrom = meta.index + 1;
    this.truncatedSinceReady = Math.min(this.truncatedSinceReady, meta.index + 1);
  }

  private pushChecked(entry: Entry): void {
    assert(entry.index === this.lastIndex() + 1, 'log: entries must be contiguous');
    assert(entry.term >= this.lastTerm(), 'log: terms must not decrease');
    this.entries.push(entry);
  }
}
