// Opening a segmented log folder: applies log-recovery.ts's verdict before SegmentedLog (log.ts)
// takes the segments. Leftover temp files and segments a reset made obsolete are removed, damage in
// the middle of the log refuses the open (CAIRN_CORRUPT with file and byte offset), a torn tail is
// reported for cutting, and an empty folder gets its first segment's place.

import { assert } from '../lib/assert.js';
import { CairnError } from '../lib/errors.js';
import type { Disk } from '../io/disk.js';
import { removeTempFiles } from './atomic-file.js';
import { analyzeLog, type LogDamage } from './log-recovery.js';
import { Segment } from './log-segment.js';
import type { LogEntry } from './record.js';
import { parseSegmentName, SEGMENT_HEADER_BYTES, segmentName } from './segment-file.js';

export interface LogRecovery {
  /** Tail damage that was cut off, or null when the log was clean. */
  readonly truncatedTail: (LogDamage & { readonly droppedRecords: number }) | null;
}

export interface RecoveredSegments extends LogRecovery {
  /** In index order; at least one (an empty folder gets one with no file yet: sizeBytes 0). */
  readonly segments: Segment[];
  readonly damage: LogDamage | null;
}

export async function recoverSegments(disk: Disk, dir: string, onEntry?: (entry: LogEntry) => void): Promise<RecoveredSegments> {
  await disk.mkdirp(dir);
  await removeTempFiles(disk, dir); // a reset segment that was never renamed in
  const analysis = await analyzeLog(disk, dir, onEntry);
  await removeObsoleteSegments(disk, dir, analysis.obsoletePaths);
  const damage = analysis.damage;
  if (damage !== null && damage.kind === 'middle') {
    throw new CairnError('CAIRN_CORRUPT', `${damage.path}: damaged record at byte offset ${damage.offset} (${damage.reason}) with valid data after it; run \`cairn check --repair\` to cut the log there`);
  }
  const segments = analysis.segments.map((s) => new Segment(s.path, s.firstIndex, s.validBytes, s.offsets, s.terms));
  let truncatedTail: LogRecovery['truncatedTail'] = null;
  if (damage !== null) {
    assert(damage.laterPaths.length === 0, 'tail damage is in the last segment');
    // Nothing valid follows a torn tail, so what was cut is at most the one record being written.
    const partialRecord = damage.dropWholeFile ? damage.droppedBytes > SEGMENT_HEADER_BYTES : damage.droppedBytes > 0;
    truncatedTail = { ...damage, droppedRecords: partialRecord ? 1 : 0 };
    if (damage.dropWholeFile) await disk.remove(damage.path);
  }
  if (segments.length === 0) {
    // A new log starts at 1; a log whose only segment was a torn header continues where that one began.
    const firstIndex = damage === null ? 1 : (parseSegmentName(damage.path.slice(damage.path.lastIndexOf('/') + 1)) ?? 1);
    segments.push(new Segment(`${dir}/${segmentName(firstIndex)}`, firstIndex, 0, [], []));
  }
  return { segments, damage, truncatedTail };
}

/** Removes the segments a reset segment made obsolete (a crash interrupted a compaction past the end). */
async function removeObsoleteSegments(disk: Disk, dir: string, paths: readonly string[]): Promise<void> {
  if (paths.length === 0) return;
  for (const path of paths) await disk.remove(path);
  await disk.syncDir(dir);
}
