// The checker's copy of one node's durable Raft log: terms and entry fingerprints after the latest
// snapshot, and the hard state — exactly what the node reported as synced, so a restart can be
// compared with it.

import { assert } from '../lib/assert.js';
import type { HardState } from '../raft/types.js';

export class ShadowLog {
  snapshotIndex = 0;
  snapshotTerm = 0;
  hardState: HardState = { term: 0, votedFor: null, commitIndex: 0 };
  private terms: number[] = []; // terms[i] is the term of index snapshotIndex + 1 + i
  private fingerprints: string[] = [];

  lastIndex(): number {
    return this.snapshotIndex + this.terms.length;
  }

  /** The term at `index`, or undefined when the log does not hold it (compacted or beyond the end). */
  termAt(index: number): number | undefined {
    if (index === this.snapshotIndex) return this.snapshotTerm;
    if (index < this.snapshotIndex || index > this.lastIndex()) return undefined;
    return this.terms[index - this.snapshotIndex - 1];
  }

  fingerprintAt(index: number): string | undefined {
    if (index <= this.snapshotIndex || index > this.lastIndex()) return undefined;
    return this.fingerprints[index - this.snapshotIndex - 1];
  }

  /** A snapshot from the leader replaced the whole log. */
  reset(snapshotIndex: number, snapshotTerm: number): void {
    assert(snapshotIndex >= 0, 'snapshot index must not be negative');
    this.snapshotIndex = snapshotIndex;
    this.snapshotTerm = snapshotTerm;
    this.terms = [];
    this.fingerprints = [];
  }

  /** Our own snapshot at `index` (which the log holds, or is the current snapshot): drop the prefix. */
  compact(index: number, term: number): void {
    if (index <= this.snapshotIndex) return;
    const drop = Math.min(index - this.snapshotIndex, this.terms.length);
    this.terms.splice(0, drop);
    this.fingerprints.splice(0, drop);
    this.snapshotIndex = index;
    this.snapshotTerm = term;
  }

  /** Appends one entry, first cutting any suffix from its index. Returns false for a gap. */
  append(index: number, term: number, fingerprint: string): boolean {
    if (index <= this.snapshotIndex || index > this.lastIndex() + 1) return false;
    const keep = index - this.snapshotIndex - 1;
    this.terms.length = keep;
    this.fingerprints.length = keep;
    this.terms.push(term);
    this.fingerprints.push(fingerprint);
    return true;
  }
}
