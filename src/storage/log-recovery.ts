// Reads every segment of a log folder and decides what is valid, without changing anything.
// SegmentedLog.open applies the verdict (cuts a torn tail, refuses damage in the middle) and
// `cairn check` prints it.
//
// Tail or middle: damage is a torn tail only when it lies in the last segment, that segment starts
// right after the one before it, AND no valid record with a plausible index starts anywhere after
// the bad spot. A bad record in an earlier segment, a bad header that is not the last file, a gap in
// indexes between segments (a file cut short at a record boundary), or a valid record after the
// bad spot all mean the middle of the log is damaged: acknowledged data may sit after it, so it is
// never skipped.
//
// Compaction past the end: the only segment that may follow a gap is the last file when its header
// carries the reset flag (log.ts writes it, complete and synced, under its final name only after the
// snapshot that covers every older entry is durable). Every older segment is then obsolete and is
// reported in `obsoletePaths` instead of being analysed.

import { assert } from '../lib/assert.js';
import type { Disk } from '../io/disk.js';
import type { LogEntry } from './record.js';
import {
  decodeSegmentHeader,
  findLaterValidRecord,
  parseSegmentName,
  scanSegmentRecords,
} from './segment-file.js';

export interface ValidSegment {
  readonly path: string;
  readonly firstIndex: number;
  readonly offsets: number[];
  readonly terms: number[];
  /** Bytes of the valid prefix of the file. */
  readonly validBytes: number;
  readonly fileBytes: number;
}

export interface LogDamage {
  readonly kind: 'tail' | 'middle';
  readonly path: string;
  readonly offset: number;
  readonly reason: string;
  /** Bytes that a cut at `offset` removes: the rest of this file and every later segment. */
  readonly droppedBytes: number;
  /** Valid records that the cut removes (records in later segments; the damaged record itself not counted). */
  readonly droppedValidRecords: number;
  /** The whole damaged file goes when its header itself is bad. */
  readonly dropWholeFile: boolean;
  /** Later segment files that a cut removes. */
  readonly laterPaths: readonly string[];
}

export interface LogAnalysis {
  /** The valid segments in index order, up to (and including the valid prefix of) the damaged one. */
  readonly segments: ValidSegment[];
  readonly damage: LogDamage | null;
  /** Segments older than a reset segment (a compaction past the end that a crash interrupted). */
  readonly obsoletePaths: readonly string[];
}

/** Segment files of `dir` in index order (by the first index in their names). */
export async function listSegments(disk: Disk, dir: string): Promise<{ path: string; firstIndex: number }[]> {
  const found: { path: string; firstIndex: number }[] = [];
  for (const name of await disk.list(dir)) {
    const firstIndex = parseSegmentName(name);
    if (firstIndex !== undefined) found.push({ path: `${dir}/${name}`, firstIndex });
  }
  return found.sort((a, b) => a.firstIndex - b.firstIndex);
}

/**
 * Analyses the log in `dir`. `onEntry` sees every valid entry in index order (before the verdict
 * is known: a caller that gets damage of kind 'middle' must discard what it saw).
 */
export async function analyzeLog(disk: Disk, dir: string, onEntry?: (entry: LogEntry) => void): Promise<LogAnalysis> {
  const listed = await listSegments(disk, dir);
  const last = listed[listed.length - 1];
  const lastBytes = last === undefined ? undefined : await disk.readFile(last.path);
  const obsoleteCount = last !== undefined && resetsLog(lastBytes, last) ? listed.length - 1 : 0;
  const obsoletePaths = listed.slice(0, obsoleteCount).map((f) => f.path);
  const files = listed.slice(obsoleteCount);
  assert(files.length === 0 || files[files.length - 1] === last, 'the last file is always analysed');
  const analysis = await analyzeFiles(disk, files, lastBytes, onEntry);
  return { ...analysis, obsoletePaths };
}

/** True when the segment's header is valid, matches its name and carries the reset flag. */
function resetsLog(bytes: Uint8Array | undefined, file: { path: string; firstIndex: number }): boolean {
  if (bytes === undefined) return false;
  const header = decodeSegmentHeader(bytes, file.path);
  return !('reason' in header) && header.resetsLog && header.firstIndex === file.firstIndex;
}

async function analyzeFiles(
  disk: Disk,
  files: readonly { path: string; firstIndex: number }[],
  lastBytes: Uint8Array | undefined,
  onEntry?: (entry: LogEntry) => void,
): Promise<Omit<LogAnalysis, 'obsoletePaths'>> {
  const segments: ValidSegment[] = [];
  let previousTerm = 0;
  for (let i = 0; i < files.length; i++) {
    const file = files[i];
    assert(file !== undefined, 'segment list index in range');
    const read = i === files.length - 1 ? lastBytes : await disk.readFile(file.path);
    const bytes = read ?? new Uint8Array(0);
    const isLast = i === files.length - 1;
    const expectedFirst = segments.length === 0 ? file.firstIndex : lastIndexOf(segments) + 1;
    // A segment named for the wrong index means records are missing before it: never a torn tail.
    const canBeTail = isLast && file.firstIndex === expectedFirst;
    const damage = (offset: number, reason: string, dropWholeFile: boolean, badIndex = expectedFirst): Promise<Omit<LogAnalysis, 'obsoletePaths'>> =>
      damaged(disk, files.slice(i + 1), { path: file.path, bytes, offset, reason, canBeTail, minIndex: badIndex, dropWholeFile }, segments);
    if (file.firstIndex !== expectedFirst) return damage(0, `gap in the log: segment starts at ${file.firstIndex}, expected ${expectedFirst}`, true);
    const header = decodeSegmentHeader(bytes, file.path);
    if ('reason' in header) return damage(0, header.reason, true);
    if (header.firstIndex !== file.firstIndex) return damage(0, `header says first index ${header.firstIndex}, name says ${file.firstIndex}`, true);
    const scan = scanSegmentRecords(bytes, header.firstIndex, previousTerm, onEntry);
    segments.push({ path: file.path, firstIndex: header.firstIndex, offsets: scan.offsets, terms: scan.terms, validBytes: scan.validBytes, fileBytes: bytes.length });
    previousTerm = scan.terms.length > 0 ? (scan.terms[scan.terms.length - 1] as number) : previousTerm;
    if (scan.damage !== null) return damage(scan.damage.offset, scan.damage.reason, false, header.firstIndex + scan.offsets.length);
  }
  return { segments, damage: null };
}

function lastIndexOf(segments: readonly ValidSegment[]): number {
  const last = segments[segments.length - 1];
  assert(last !== undefined, 'lastIndexOf needs a segment');
  return last.firstIndex + last.offsets.length - 1;
}

interface DamageSpot {
  readonly path: string;
  readonly bytes: Uint8Array;
  readonly offset: number;
  readonly reason: string;
  readonly canBeTail: boolean;
  readonly minIndex: number;
  readonly dropWholeFile: boolean;
}

async function damaged(disk: Disk, later: readonly { path: string }[], spot: DamageSpot, segments: ValidSegment[]): Promise<Omit<LogAnalysis, 'obsoletePaths'>> {
  let droppedBytes = spot.bytes.length - (spot.dropWholeFile ? 0 : spot.offset);
  let droppedValidRecords = 0;
  for (const file of later) {
    const bytes = (await disk.readFile(file.path)) ?? new Uint8Array(0);
    droppedBytes += bytes.length;
    droppedValidRecords += countValidRecords(bytes, file.path);
  }
  const tail = spot.canBeTail && findLaterValidRecord(spot.bytes, spot.offset, spot.minIndex) < 0;
  const damage: LogDamage = {
    kind: tail ? 'tail' : 'middle',
    path: spot.path,
    offset: spot.offset,
    reason: spot.reason,
    droppedBytes,
    droppedValidRecords,
    dropWholeFile: spot.dropWholeFile,
    laterPaths: later.map((f) => f.path),
  };
  return { segments, damage };
}

function countValidRecords(bytes: Uint8Array, path: string): number {
  const header = decodeSegmentHeader(bytes, path);
  if ('reason' in header) return 0;
  return scanSegmentRecords(bytes, header.firstIndex, 0).offsets.length;
}
