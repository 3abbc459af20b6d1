// ReplicaStorage over storage/: the segmented log (in <dir>/log), the hard state file and snapshot
// files (in <dir>), and the data folder lock. Loading repairs the two states a crash may leave
// between steps: a snapshot from the leader written but the old log not yet reset, and a hard
// state older than the log (the log is synced first, then the hard state).
//
// The fsync policy decides what sync() means for the log (docs/STORAGE.md says what each promises):
//   always   — fdatasync of the log before sync() resolves (group commit: one per Ready).
//   everysec — sync() waits until the appends are written to the OS; a timer fdatasyncs the log
//              once a second, and a failed background sync fail-stops the node (onFailure).
//   no       — as everysec without the timer: the OS flushes when it likes; close() syncs.
// The hard state (term, vote, incarnations) is made durable before sync() resolves under every
// policy: Raft's safety rests on a node never voting twice in a term, and it changes rarely.

import { assert } from '../lib/assert.js';
import { CairnError } from '../lib/errors.js';
import type { Clock } from '../io/clock.js';
import type { Disk, DirLock } from '../io/disk.js';
import { decodeMembership, encodeMembership } from '../raft/membership.js';
import type { Entry, HardState, PersistedState, Snapshot } from '../raft/types.js';
import { removeTempFiles } from '../storage/atomic-file.js';
import { loadHardState, sameIncarnations, saveHardStateDurably } from '../storage/hard-state.js';
import { PeriodicSync, type FsyncPolicy } from '../storage/fsync-policy.js';
import { SegmentedLog } from '../storage/log.js';
import type { LogOptions, LogRecovery, LogStats } from '../storage/log.js';
import { listSegments } from '../storage/log-recovery.js';
import { encodeSegmentHeader, segmentName } from '../storage/segment-file.js';
import { loadNewestSnapshot, removeSnapshotsBefore, writeSnapshotDurably, type SnapshotPace } from '../storage/snapshot.js';
import type { ReplicaStorage } from './ports.js';

export interface RaftStorageOptions {
  /** Passed to the segmented log (default: its own, 16 MiB). */
  segmentBytesMax?: number;
  /** When the log is fdatasynced (default 'always'). */
  fsync?: FsyncPolicy;
  /** Drives the once-a-second sync; required for 'everysec'. */
  clock?: Clock;
  /** How a snapshot file is checksummed and written in chunks, and what it yields between them (default: microtasks). */
  snapshotPace?: SnapshotPace;
}

export interface RaftStorageStats extends LogStats {
  readonly fsync: FsyncPolicy;
  /** Clock time of the last completed fdatasync of the log (0 before the first, or without a clock). */
  readonly lastSyncMs: number;
}

export class RaftStorage implements ReplicaStorage {
  /** The hard state as last made durable; a save that changes only commitIndex is skipped (commit is volatile in Raft). */
  private durableHardState: HardState;
  private pendingHardState: HardState | null = null;
  /** The last append handed to the log: sync() under everysec/no waits for it to reach the OS. */
  private lastAppend: Promise<void> = Promise.resolve();
  /** Entries were appended since the last sync(): a sync() without any (a commit-only Ready) skips the log. */
  private appendedSinceSync = false;
  private policy: FsyncPolicy;
  private periodicSync: PeriodicSync | null = null;
  private readonly failureListeners: ((error: Error) => void)[] = [];
  private backgroundFailure: Error | null = null;
  private lastSyncMs = 0;
  private closed = false;
  /** Set while resetLogAfter swaps the log file set: a background sync waits for it (the new log is durable). */
  private resetting: Promise<void> | null = null;
  /** Damaged snapshot files load() passed over for an older one, for reports. */
  skippedSnapshots: readonly { readonly path: string; readonly reason: string }[] = [];

  private constructor(
    private readonly disk: Disk,
    private readonly dir: string,
    private log: SegmentedLog,
    private readonly logOptions: LogOptions,
    private readonly lock: DirLock,
    hardState: HardState,
    private readonly options: RaftStorageOptions,
    /** What opening the log had to repair (a torn tail cut off), for reports. */
    readonly recovery: LogRecovery,
  ) {
    this.durableHardState = hardState;
    this.policy = options.fsync ?? 'always';
    this.startPeriodicSync();
  }

  /** Takes the folder's lock and opens (recovering) the log. */
  static async open(disk: Disk, dir: string, options: RaftStorageOptions = {}): Promise<RaftStorage> {
    if (options.fsync === 'everysec' && options.clock === undefined) {
      throw new CairnError('CAIRN_INVALID_ARGUMENT', `${dir}: fsync 'everysec' needs a clock for its once-a-second sync`);
    }
    await disk.mkdirp(dir);
    const lock = await disk.lock(dir);
    try {
      await removeTempFiles(disk, dir);
      const hardState = await loadHardState(disk, dir);
      const logOptions: LogOptions = options.segmentBytesMax === undefined ? {} : { segmentBytesMax: options.segmentBytesMax };
      const { log, recovery } = await SegmentedLog.open(disk, `${dir}/log`, logOptions);
      return new RaftStorage(disk, dir, log, logOptions, lock, hardState, options, recovery);
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  get fsync(): FsyncPolicy {
    return this.policy;
  }

  /**
   * Changes the policy from the next sync() on (CONFIG SET appendfsync). Moving to a stronger one
   * needs nothing else: the next fdatasync covers every earlier write to the file too.
   */
  setFsync(policy: FsyncPolicy): void {
    if (policy === 'everysec' && this.options.clock === undefined) {
      throw new CairnError('CAIRN_INVALID_ARGUMENT', `${this.dir}: fsync 'everysec' needs a clock for its once-a-second sync`);
    }
    this.periodicSync?.stop();
    this.periodicSync = null;
    this.policy = policy;
    if (!this.closed) this.startPeriodicSync();
  }

  private startPeriodicSync(): void {
    const clock = this.options.clock;
    if (this.policy !== 'everysec' || clock === undefined || this.backgroundFailure !== null) return;
    assert(this.periodicSync === null, 'one periodic sync at a time');
    this.periodicSync = new PeriodicSync(clock, () => this.syncLogDurably(), (e) => this.failInBackground(e));
    this.periodicSync.start();
  }

  stats(): RaftStorageStats {
    return { ...this.log.stats(), fsync: this.fsync, lastSyncMs: this.lastSyncMs };
  }

  /** Calls `listener` once if a background sync fails (everysec): the node must stop, the log's durability is unknown. */
  onFailure(listener: (error: Error) => void): void {
    if (this.backgroundFailure !== null) listener(this.backgroundFailure);
    else this.failureListeners.push(listener);
  }

  async load(): Promise<PersistedState | null> {
    const { snapshot: file, skipped } = await loadNewestSnapshot(this.disk, this.dir);
    this.skippedSnapshots = skipped;
    let log = this.log;
    if (file === null) {
      if (log.lastIndex >= log.firstIndex || this.durableHardState.term > 0) {
        throw new CairnError('CAIRN_CORRUPT', `${this.dir}: a log or hard state without any snapshot (the first snapshot is written at bootstrap)`);
      }
      return null;
    }
    const snapshot: Snapshot = { meta: { index: file.index, term: file.term, membership: decodeMembership(file.config) }, data: file.state };
    const snapshotIndex = file.index;
    if (log.firstIndex > snapshotIndex + 1) {
      throw new CairnError('CAIRN_CORRUPT', `${this.dir}: the log starts at ${log.firstIndex}, after snapshot ${snapshotIndex} + 1`);
    }
    if (log.firstIndex !== snapshotIndex + 1 && log.term(snapshotIndex) !== file.term) {
      // A snapshot from the leader was made durable but the crash came before the old log was reset.
      await this.resetLogAfter(snapshotIndex);
      log = this.log;
    }
    const from = Math.max(log.firstIndex, snapshotIndex + 1);
    const entries: Entry[] = from <= log.lastIndex ? await log.read(from, log.lastIndex + 1) : [];
    const lastTerm = entries.length > 0 ? (entries[entries.length - 1] as Entry).term : file.term;
    const lastIndex = snapshotIndex + entries.length;
    let hardState = this.durableHardState;
    // The log is synced before the hard state: a crash between them leaves entries of a newer term.
    // No vote can have been cast in that term (a vote is durable before it is sent), so none is lost.
    if (lastTerm > hardState.term) hardState = { ...hardState, term: lastTerm, votedFor: null };
    const commitIndex = Math.min(Math.max(hardState.commitIndex, snapshotIndex), lastIndex);
    return { hardState: { ...hardState, commitIndex }, snapshot, entries };
  }

  async installSnapshot(snapshot: Snapshot): Promise<void> {
    await this.writeSnapshot(snapshot);
    await this.resetLogAfter(snapshot.meta.index);
    await removeSnapshotsBefore(this.disk, this.dir, snapshot.meta.index);
  }

  async appendEntries(entries: readonly Entry[]): Promise<void> {
    const appended = this.log.append(entries);
    this.lastAppend = appended;
    this.appendedSinceSync = true;
    await appended;
  }

  async saveHardState(hardState: HardState): Promise<void> {
    this.pendingHardState = { ...hardState };
  }

  async sync(): Promise<void> {
    if (this.backgroundFailure !== null) throw this.backgroundFailure;
    // A Ready without entries (a commit-only one) has nothing to make durable in the log.
    const appended = this.appendedSinceSync;
    this.appendedSinceSync = false;
    if (appended) await (this.fsync === 'always' ? this.syncLogDurably() : this.lastAppend);
    const next = this.pendingHardState;
    this.pendingHardState = null;
    if (next === null) return;
    const durable = this.durableHardState;
    if (next.term === durable.term && next.votedFor === durable.votedFor && sameIncarnations(next, durable)) return;
    await saveHardStateDurably(this.disk, this.dir, next);
    this.durableHardState = next;
  }

  async compact(snapshot: Snapshot): Promise<void> {
    await this.writeSnapshot(snapshot);
    await this.log.compactPrefix(snapshot.meta.index); // crash-safe even past the end (docs/STORAGE.md)
    await removeSnapshotsBefore(this.disk, this.dir, snapshot.meta.index);
  }

  /** Makes the whole log durable (every policy does so on a clean close), then releases the folder. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.periodicSync?.stop();
    try {
      if (this.fsync !== 'always' && this.backgroundFailure === null) await this.syncLogDurably();
    } finally {
      await this.log.close();
      await this.lock.release();
    }
  }

  private async syncLogDurably(): Promise<void> {
    if (this.resetting !== null) await this.resetting;
    await this.log.sync();
    if (this.options.clock !== undefined) this.lastSyncMs = this.options.clock.nowMs();
  }

  private failInBackground(error: unknown): void {
    if (this.backgroundFailure !== null) return;
    const failure = error instanceof Error ? error : new CairnError('CAIRN_IO', `${this.dir}: background sync failed: ${String(error)}`);
    this.backgroundFailure = failure;
    const listeners = this.failureListeners.splice(0, this.failureListeners.length);
    for (const listener of listeners) listener(failure);
  }

  private async writeSnapshot(snapshot: Snapshot): Promise<void> {
    const { index, term, membership } = snapshot.meta;
    await writeSnapshotDurably(this.disk, this.dir, { index, term, config: encodeMembership(membership), state: snapshot.data }, this.options.snapshotPace);
  }

  /**
   * Drops every entry so the log continues right after `snapshotIndex`, crash-safely: old segments
   * go newest first (a crash leaves a prefix of the old log, which load() resets again), and only
   * once their removal is durable is the new first segment created. (SegmentedLog.compactPrefix
   * cannot do this: it keeps entries past the snapshot, which an install must discard.)
   */
  private async resetLogAfter(snapshotIndex: number): Promise<void> {
    assert(this.resetting === null, 'one log reset at a time');
    const reset = this.replaceLogAfter(snapshotIndex);
    this.resetting = reset;
    try {
      await reset;
    } finally {
      this.resetting = null;
    }
  }

  private async replaceLogAfter(snapshotIndex: number): Promise<void> {
    const logDir = `${this.dir}/log`;
    await this.log.close();
    const segments = await listSegments(this.disk, logDir);
    for (const { path } of segments.reverse()) await this.disk.remove(path);
    await this.disk.syncDir(logDir);
    const first = await this.disk.openFile(`${logDir}/${segmentName(snapshotIndex + 1)}`);
    try {
      await first.append(encodeSegmentHeader(snapshotIndex + 1));
      await first.sync();
    } finally {
      await first.close();
    }
    await this.disk.syncDir(logDir);
    this.log = (await SegmentedLog.open(this.disk, logDir, this.logOptions)).log;
  }
}
