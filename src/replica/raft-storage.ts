// ReplicaStorage over storage/: the segmented log (in <dir>/log), the hard state file and snapshot
// files (in <dir>), and the data folder lock. Loading repairs the two states a crash may leave
// between steps: a snapshot from the leader written but the old log not yet reset, and a hard
// state older than the log (the log is synced first, then the hard state).

import { CairnError } from '../lib/errors.js';
import type { Disk, DirLock } from '../io/disk.js';
import { decodeMembership, encodeMembership } from '../raft/membership.js';
import type { Entry, HardState, PersistedState, Snapshot } from '../raft/types.js';
import { removeTempFiles } from '../storage/atomic-file.js';
import { loadHardState, saveHardStateDurably } from '../storage/hard-state.js';
import { SegmentedLog } from '../storage/log.js';
import type { LogOptions } from '../storage/log.js';
import { listSegments } from '../storage/log-recovery.js';
import { encodeSegmentHeader, segmentName } from '../storage/segment-file.js';
import { loadNewestSnapshot, removeSnapshotsBefore, writeSnapshotDurably } from '../storage/snapshot.js';
import type { ReplicaStorage } from './ports.js';

export interface RaftStorageOptions {
  /** Passed to the segmented log (default: its own, 16 MiB). */
  segmentBytesMax?: number;
}

export class RaftStorage implements ReplicaStorage {
  /** The hard state as last made durable; a save that changes only commitIndex is skipped (commit is volatile in Raft). */
  private durableHardState: HardState;
  private pendingHardState: HardState | null = null;

  private constructor(
    private readonly disk: Disk,
    private readonly dir: string,
    private log: SegmentedLog,
    private readonly logOptions: LogOptions,
    private readonly lock: DirLock,
    hardState: HardState,
  ) {
    this.durableHardState = hardState;
  }

  /** Takes the folder's lock and opens (recovering) the log. */
  static async open(disk: Disk, dir: string, options: RaftStorageOptions = {}): Promise<RaftStorage> {
    await disk.mkdirp(dir);
    const lock = await disk.lock(dir);
    await removeTempFiles(disk, dir);
    const hardState = await loadHardState(disk, dir);
    const logOptions: LogOptions = options.segmentBytesMax === undefined ? {} : { segmentBytesMax: options.segmentBytesMax };
    const { log } = await SegmentedLog.open(disk, `${dir}/log`, logOptions);
    return new RaftStorage(disk, dir, log, logOptions, lock, hardState);
  }

  async load(): Promise<PersistedState | null> {
    const { snapshot: file } = await loadNewestSnapshot(this.disk, this.dir);
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
    if (lastTerm > hardState.term) hardState = { term: lastTerm, votedFor: null, commitIndex: hardState.commitIndex };
    const commitIndex = Math.min(Math.max(hardState.commitIndex, snapshotIndex), lastIndex);
    return { hardState: { ...hardState, commitIndex }, snapshot, entries };
  }

  async installSnapshot(snapshot: Snapshot): Promise<void> {
    await this.writeSnapshot(snapshot);
    await this.resetLogAfter(snapshot.meta.index);
    await removeSnapshotsBefore(this.disk, this.dir, snapshot.meta.index);
  }

  async appendEntries(entries: readonly Entry[]): Promise<void> {
    await this.log.append(entries);
  }

  async saveHardState(hardState: HardState): Promise<void> {
    this.pendingHardState = { ...hardState };
  }

  async sync(): Promise<void> {
    await this.log.sync();
    const next = this.pendingHardState;
    this.pendingHardState = null;
    if (next === null) return;
    const durable = this.durableHardState;
    if (next.term === durable.term && next.votedFor === durable.votedFor) return;
    await saveHardStateDurably(this.disk, this.dir, next);
    this.durableHardState = next;
  }

  async compact(snapshot: Snapshot): Promise<void> {
    await this.writeSnapshot(snapshot);
    await this.log.compactPrefix(snapshot.meta.index); // crash-safe even past the end (docs/STORAGE.md)
    await removeSnapshotsBefore(this.disk, this.dir, snapshot.meta.index);
  }

  async close(): Promise<void> {
    await this.log.close();
    await this.lock.release();
  }

  private async writeSnapshot(snapshot: Snapshot): Promise<void> {
    const { index, term, membership } = snapshot.meta;
    await writeSnapshotDurably(this.disk, this.dir, { index, term, config: encodeMembership(membership), state: snapshot.data });
  }

  /**
   * Drops every entry so the log continues right after `snapshotIndex`, crash-safely: old segments
   * go newest first (a crash leaves a prefix of the old log, which load() resets again), and only
   * once their removal is durable is the new first segment created. (SegmentedLog.compactPrefix
   * cannot do this: it keeps entries past the snapshot, which an install must discard.)
   */
  private async resetLogAfter(snapshotIndex: number): Promise<void> {
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
