// Store recovery: newest valid snapshot, then every log entry after it, applied in order.
// A log that does not reach back to the snapshot (a gap) is damage: open fails naming both.

import { CairnError } from '../lib/errors.js';
import type { Disk } from '../io/disk.js';
import type { KvState } from '../kv/state.js';
import { removeTempFiles } from '../storage/atomic-file.js';
import { SegmentedLog, type LogRecovery } from '../storage/log.js';
import type { LogEntry } from '../storage/record.js';
import { loadNewestSnapshot } from '../storage/snapshot.js';
import { applyWrite, decodeState, emptyState, KV_ENTRY_KIND } from './kv-machine.js';

export interface StoreRecovery {
  /** Index of the snapshot loaded (0 when none). */
  readonly snapshotIndex: number;
  readonly snapshotBytes: number;
  /** Damaged snapshot files passed over in favour of an older one. */
  readonly skippedSnapshots: readonly { readonly path: string; readonly reason: string }[];
  /** Log entries applied on top of the snapshot. */
  readonly replayedEntries: number;
  /** A torn tail cut off the log: file, offset, bytes and records dropped. */
  readonly truncatedTail: LogRecovery['truncatedTail'];
  readonly tempFilesRemoved: number;
}

export interface Recovered {
  readonly state: KvState;
  readonly log: SegmentedLog;
  readonly appliedIndex: number;
  readonly snapshotTerm: number;
  readonly recovery: StoreRecovery;
}

export async function recoverStore(disk: Disk, dir: string, segmentBytesMax: number | undefined): Promise<Recovered> {
  const tempFilesRemoved = await removeTempFiles(disk, dir);
  const loaded = await loadNewestSnapshot(disk, dir);
  const snapshot = loaded.snapshot;
  const state = snapshot === null ? emptyState() : decodeState(snapshot.state);
  const snapshotIndex = snapshot?.index ?? 0;
  let appliedIndex = snapshotIndex;
  let replayedEntries = 0;
  const onRecoveredEntry = (entry: LogEntry): void => {
    if (entry.index <= appliedIndex) return;
    if (entry.index !== appliedIndex + 1) throw gapError(dir, appliedIndex, entry.index, loaded.skipped);
    if (entry.kind === KV_ENTRY_KIND) applyWrite(state, entry.data);
    appliedIndex = entry.index;
    replayedEntries++;
  };
  const { log, recovery } = await SegmentedLog.open(disk, dir, { segmentBytesMax, onRecoveredEntry });
  if (log.lastIndex < snapshotIndex) await log.compactPrefix(snapshotIndex); // the log lost a tail the snapshot holds
  if (log.firstIndex > snapshotIndex + 1) {
    await log.close();
    throw gapError(dir, snapshotIndex, log.firstIndex, loaded.skipped);
  }
  return {
    state,
    log,
    appliedIndex,
    snapshotTerm: snapshot?.term ?? 0,
    recovery: {
      snapshotIndex,
      snapshotBytes: snapshot?.sizeBytes ?? 0,
      skippedSnapshots: loaded.skipped,
      replayedEntries,
      truncatedTail: recovery.truncatedTail,
      tempFilesRemoved,
    },
  };
}

function gapError(dir: string, haveIndex: number, nextIndex: number, skipped: readonly { path: string; reason: string }[]): CairnError {
  const why = skipped.length > 0 ? `; damaged snapshot(s): ${skipped.map((s) => `${s.path} (${s.reason})`).join(', ')}` : '';
  return new CairnError('CAIRN_CORRUPT', `${dir}: state reaches index ${haveIndex} but the log continues at ${nextIndex}${why}`);
}

/** Human-readable warnings for what recovery had to do (empty when the folder was clean). */
export function describeRecovery(recovery: StoreRecovery): string[] {
  const warnings: string[] = [];
  const tail = recovery.truncatedTail;
  if (tail !== null) {
    const what = tail.dropWholeFile ? 'removed the torn segment' : `cut the log at byte offset ${tail.offset}`;
    warnings.push(`recovery: torn tail in ${tail.path} (${tail.reason}): ${what}, dropping ${tail.droppedBytes} bytes and ${tail.droppedRecords} record(s) that were never acknowledged as durable`);
  }
  for (const skipped of recovery.skippedSnapshots) warnings.push(`recovery: skipped damaged snapshot ${skipped.path} (${skipped.reason})`);
  return warnings;
}
