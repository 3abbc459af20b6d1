// Compaction: write a snapshot of the applied state, then drop the log segments it covers.
//
// Crash safety, step by step: (1) the snapshot is written to a temp file, fdatasync'd, renamed and
// the folder fsync'd — a crash before the rename leaves the old snapshot and the whole log; (2) only
// then are covered segments removed, oldest first — a crash in between leaves the new snapshot and
// a log that still reaches back to it (replay skips what the snapshot holds); (3) older snapshots
// go last. At no moment is an entry held by neither a durable snapshot nor the log.
//
// Automatic trigger: when the log exceeds max(compactionMinBytes, compactionRatio × the last
// snapshot's size) — the snapshot size stands in for the live data.

import { assert } from '../lib/assert.js';
import type { Disk } from '../io/disk.js';
import type { SegmentedLog } from '../storage/log.js';
import { removeSnapshotsBefore, writeSnapshotDurably } from '../storage/snapshot.js';
import type { StoreRecovery } from './recovery.js';

export interface CompactionOptions {
  /** The log may grow to this many bytes before automatic compaction (default 64 MiB). */
  readonly compactionMinBytes?: number;
  /** ...and to this multiple of the last snapshot's size (default 1, as Redis's auto-aof-rewrite-percentage 100). */
  readonly compactionRatio?: number;
  /** Automatic compaction on (default true); compact() always works. */
  readonly autoCompact?: boolean;
}

export interface SnapshotPoint {
  readonly index: number;
  readonly term: number;
  readonly state: Uint8Array;
}

const COMPACTION_MIN_BYTES_DEFAULT = 64 * 1024 * 1024;
const COMPACTION_RATIO_DEFAULT = 1;
const NO_CONFIG = new Uint8Array(0);

export class Compactor {
  private running: Promise<void> | null = null;
  private snapshotIndex: number;
  private snapshotBytes: number;
  private compactions = 0;
  private lastError: string | null = null;
  /** Automatic compaction waits until the log reaches this size (raised after a failure). */
  private retryAtBytes = 0;

  constructor(
    private readonly options: CompactionOptions & { readonly disk: Disk; readonly dir: string },
    private readonly log: SegmentedLog,
    recovery: StoreRecovery,
    private readonly appliedIndex: () => number,
    private readonly snapshotPoint: () => SnapshotPoint,
  ) {
    this.snapshotIndex = recovery.snapshotIndex;
    this.snapshotBytes = recovery.snapshotBytes;
  }

  stats(): { snapshotIndex: number; snapshotBytes: number; compactions: number; compacting: boolean; lastCompactionError: string | null } {
    return { snapshotIndex: this.snapshotIndex, snapshotBytes: this.snapshotBytes, compactions: this.compactions, compacting: this.running !== null, lastCompactionError: this.lastError };
  }

  /** Starts a compaction in the background when the log has outgrown the live data. */
  maybeCompact(): void {
    if (this.options.autoCompact === false || this.running !== null) return;
    const minBytes = this.options.compactionMinBytes ?? COMPACTION_MIN_BYTES_DEFAULT;
    const ratio = this.options.compactionRatio ?? COMPACTION_RATIO_DEFAULT;
    const logBytes = this.log.stats().sizeBytes;
    if (logBytes < Math.max(minBytes, ratio * this.snapshotBytes, this.retryAtBytes)) return;
    this.compact().catch((error: unknown) => {
      this.lastError = error instanceof Error ? error.message : String(error);
      this.retryAtBytes = logBytes + minBytes;
    });
  }

  /** One compaction at a time; a call during a run shares it. */
  compact(): Promise<void> {
    if (this.running !== null) return this.running;
    const run = this.run().finally(() => {
      this.running = null;
    });
    this.running = run;
    return run;
  }

  /** Resolves once no compaction is running (its outcome is reported through stats()). */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  private async run(): Promise<void> {
    if (this.appliedIndex() <= this.snapshotIndex) return;
    const point = this.snapshotPoint();
    assert(point.index > this.snapshotIndex, 'a new snapshot moves forward');
    const { disk, dir } = this.options;
    const bytes = await writeSnapshotDurably(disk, dir, { index: point.index, term: point.term, config: NO_CONFIG, state: point.state });
    this.snapshotIndex = point.index;
    this.snapshotBytes = bytes;
    await this.log.compactPrefix(point.index);
    await removeSnapshotsBefore(disk, dir, point.index);
    this.compactions++;
    this.lastError = null;
    this.retryAtBytes = 0;
  }
}
