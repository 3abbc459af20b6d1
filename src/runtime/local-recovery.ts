// What opening a one-member node's folder found and had to repair, and the warnings that say so:
// the snapshot it started from, the log entries replayed on top, a torn tail cut off the log, and
// damaged snapshot files passed over for an older one.

import type { LogRecovery } from '../storage/log.js';

export interface LocalRecovery {
  /** Index of the snapshot loaded (0 for the bootstrap snapshot of a new folder). */
  readonly snapshotIndex: number;
  /** Size of the state machine snapshot loaded, in bytes. */
  readonly snapshotBytes: number;
  /** Damaged snapshot files passed over in favour of an older one. */
  readonly skippedSnapshots: readonly { readonly path: string; readonly reason: string }[];
  /** Log entries carrying writes that were applied on top of the snapshot while opening. */
  readonly replayedEntries: number;
  /** A torn tail cut off the log: file, offset, bytes and records dropped. */
  readonly truncatedTail: LogRecovery['truncatedTail'];
}

/** Human-readable warnings for what recovery had to do (empty when the folder was clean). */
export function describeRecovery(recovery: LocalRecovery): string[] {
  const warnings: string[] = [];
  const tail = recovery.truncatedTail;
  if (tail !== null) {
    const what = tail.dropWholeFile ? 'removed the torn segment' : `cut the log at byte offset ${tail.offset}`;
    warnings.push(`recovery: torn tail in ${tail.path} (${tail.reason}): ${what}, dropping ${tail.droppedBytes} bytes and ${tail.droppedRecords} record(s) (never acknowledged under fsync 'always')`);
  }
  for (const skipped of recovery.skippedSnapshots) warnings.push(`recovery: skipped damaged snapshot ${skipped.path} (${skipped.reason})`);
  return warnings;
}
