// The checker's copy of one node's durable Raft log: terms and entry fingerprints after the latest
// snapshot, the hard state, and the configurations the log holds (the snapshot's, then one per
// CONFIG entry) — exactly what the node reported as synced, so a restart can be compared with it
// and a leader's commit can be checked against the configuration in force.

import { assert } from '../lib/assert.js';
import type { HardState, Membership } from '../raft/types.js';

/** Most configurations one shadow keeps after its snapshot (a bound; compaction trims them). */
const CONFIGS_MAX = 10_000;

export interface ShadowConfig {
  readonly index: number;
  readonly membership: Membership;
}

export class ShadowLog {
  snapshotIndex = 0;
  snapshotTerm = 0;
  hardState: HardState = { term: 0, votedFor: null, commitIndex: 0 };
  private terms: number[] = []; // terms[i] is the term of index snapshotIndex + 1 + i
  private fingerprints: string[] = [];
  /** configs[0] is the snapshot's membership; then one per CONFIG entry, ascending by index. */
  private configs: ShadowConfig[];

  constructor(snapshotMembership: Membership) {
    this.configs = [{ index: 0, membership: snapshotMembership }];
  }

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

  /** The configuration in force: the latest in the log, committed or not (Raft thesis §4.1). */
  membership(): Membership {
    return (this.configs[this.configs.length - 1] as ShadowConfig).membership;
  }

  /** The CONFIG entries (and the snapshot's configuration) at indexes above `index`. */
  configsAfter(index: number): ShadowConfig[] {
    return this.configs.filter((config) => config.index > index);
  }

  /** A snapshot (the leader's, or the one loaded at restart) replaced the whole log. */
  reset(snapshotIndex: number, snapshotTerm: number, membership: Membership): void {
    assert(snapshotIndex >= 0, 'snapshot index must not be negative');
    this.snapshotIndex = snapshotIndex;
    this.snapshotTerm = snapshotTerm;
    this.terms = [];
    this.fingerprints = [];
    this.configs = [{ index: snapshotIndex, membership }];
  }

  /** Our own snapshot at `index` (which the log holds, or is the current snapshot): drop the prefix. */
  compact(index: number, term: number): void {
    if (index <= this.snapshotIndex) return;
    const drop = Math.min(index - this.snapshotIndex, this.terms.length);
    this.terms.splice(0, drop);
    this.fingerprints.splice(0, drop);
    this.snapshotIndex = index;
    this.snapshotTerm = term;
    const base = this.configs.filter((config) => config.index <= index).pop();
    assert(base !== undefined, 'a shadow log always knows the snapshot configuration');
    this.configs = [{ index, membership: base.membership }, ...this.configs.filter((config) => config.index > index)];
  }

  /**
   * Appends one entry, first cutting any suffix from its index (and the configurations in it).
   * `membership` is the configuration a CONFIG entry carries. Returns false for a gap.
   */
  append(index: number, term: number, fingerprint: string, membership?: Membership): boolean {
    if (index <= this.snapshotIndex || index > this.lastIndex() + 1) return false;
    const keep = index - this.snapshotIndex - 1;
    this.terms.length = keep;
    this.fingerprints.length = keep;
    this.terms.push(term);
    this.fingerprints.push(fingerprint);
    while (this.configs.length > 1 && (this.configs[this.configs.length - 1] as ShadowConfig).index >= index) this.configs.pop();
    if (membership !== undefined) {
      assert(this.configs.length < CONFIGS_MAX, 'shadow log: too many configurations after the snapshot');
      this.configs.push({ index, membership });
    }
    return true;
  }
}
