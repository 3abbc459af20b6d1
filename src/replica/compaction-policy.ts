// When a replica snapshots its state machine and compacts the log. Every entry since the last
// snapshot stays in memory (the Raft core's log), so the policy bounds that by bytes, not only by
// entry count: one entry may carry one command or a thousand. Three triggers:
//   - entries: snapshotEveryEntries applied since the last snapshot (the operator's setting);
//   - bytes: the entries since the last snapshot outgrew max(minBytes, half the last snapshot), so
//     the log held in memory stays below half the state while each snapshot's cost is paid for by
//     as many bytes of writes (Redis rewrites its AOF at 100% growth likewise);
//   - idle: no entry applied for idleMs and the log holds at least max(idleMinBytes, 1/16 of the
//     last snapshot), so a node that went quiet gives its log's memory back.

import { assert } from '../lib/assert.js';

export const COMPACTION_MIN_BYTES_DEFAULT = 32 * 1024 * 1024;
const IDLE_MS = 1000;
const IDLE_MIN_BYTES = 1024 * 1024;

export class CompactionPolicy {
  private bytesSinceSnapshot = 0;
  private snapshotBytes = 0;
  private idleTicks = 0;
  private readonly idleTicksMin: number;

  constructor(
    private readonly everyEntries: number,
    tickMs: number,
    private readonly minBytes = COMPACTION_MIN_BYTES_DEFAULT,
  ) {
    assert(everyEntries > 0, 'snapshotEveryEntries must be positive');
    assert(tickMs > 0, 'tickMs must be positive');
    assert(minBytes > 0, 'compaction bytes must be positive');
    this.idleTicksMin = Math.max(1, Math.ceil(IDLE_MS / tickMs));
  }

  applied(entryBytes: number): void {
    assert(entryBytes >= 0, 'entry size must not be negative');
    this.bytesSinceSnapshot += entryBytes;
    this.idleTicks = 0;
  }

  /** `ticks` of the clock passed. */
  tick(ticks: number): void {
    assert(ticks >= 0, 'ticks must not be negative');
    this.idleTicks += ticks;
  }

  /** A snapshot of this size now covers everything applied (made here, loaded or installed). */
  compacted(snapshotBytes: number): void {
    assert(snapshotBytes >= 0, 'snapshot size must not be negative');
    this.snapshotBytes = snapshotBytes;
    this.bytesSinceSnapshot = 0;
  }

  /** Whether to compact now, with `entriesSinceSnapshot` applied since the last snapshot. */
  due(entriesSinceSnapshot: number): boolean {
    if (entriesSinceSnapshot <= 0) return false;
    if (entriesSinceSnapshot >= this.everyEntries) return true;
    if (this.bytesSinceSnapshot >= Math.max(this.minBytes, this.snapshotBytes / 2)) return true;
    if (!this.idleDue()) return false;
    this.idleTicks = 0; // one attempt per quiet spell, even if the caller finds nothing to compact
    return true;
  }

  /** The node went quiet with enough log in memory to be worth a snapshot. */
  idleDue(): boolean {
    if (this.idleTicks < this.idleTicksMin) return false;
    return this.bytesSinceSnapshot >= Math.max(IDLE_MIN_BYTES, this.snapshotBytes / 16);
  }

}
