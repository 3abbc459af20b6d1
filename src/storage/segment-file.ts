// The segment file: its name, its 32-byte header, and the recovery scan of its records.
//
// Header layout (little-endian), SEGMENT_HEADER_BYTES = 32:
//   0  8 bytes magic "CAIRNSEG"
//   8  u16 format version (SEGMENT_FORMAT_VERSION)
//   10 u16 flags: bit 0 (SEGMENT_FLAG_RESET) marks a segment written by a compaction past the end
//      of the log: every segment before it is obsolete (covered by a durable snapshot)
//   12 u32 reserved (0)
//   16 u64 firstIndex     index of the first record this segment holds
//   24 u32 reserved (0)
//   28 u32 crc32 of bytes 0..28
// Records (see record.ts) follow back to back; record k holds index firstIndex + k.

import { crc32 } from 'node:zlib';
import { assert } from '../lib/assert.js';
import { CairnError } from '../lib/errors.js';
import { asciiBytes, readU64, startsWith, viewOf, writeU64 } from './bytes.js';
import { decodeRecord, peekRecordIndex, RECORD_HEADER_BYTES, type LogEntry } from './record.js';

export const SEGMENT_HEADER_BYTES = 32;
export const SEGMENT_FORMAT_VERSION = 1;
const MAGIC = asciiBytes('CAIRNSEG');
const NAME_PATTERN = /^log-(\d{20})\.seg$/;

export function segmentName(firstIndex: number): string {
  assert(Number.isSafeInteger(firstIndex) && firstIndex >= 1, 'segment first index must be >= 1');
  return `log-${String(firstIndex).padStart(20, '0')}.seg`;
}

/** The first index encoded in a segment file name, or undefined when the name is not a segment. */
export function parseSegmentName(name: string): number | undefined {
  const match = NAME_PATTERN.exec(name);
  if (match === null) return undefined;
  const firstIndex = Number(match[1]);
  return Number.isSafeInteger(firstIndex) && firstIndex >= 1 ? firstIndex : undefined;
}

/** Header flag: the segment restarts the log; older segments are obsolete. Older readers ignore it. */
export const SEGMENT_FLAG_RESET = 1;

export function encodeSegmentHeader(firstIndex: number, flags = 0): Uint8Array {
  assert(Number.isInteger(flags) && flags >= 0 && flags <= SEGMENT_FLAG_RESET, 'known segment flags only');
  const out = new Uint8Array(SEGMENT_HEADER_BYTES);
  const view = viewOf(out);
  out.set(MAGIC, 0);
  view.setUint16(8, SEGMENT_FORMAT_VERSION, true);
  view.setUint16(10, flags, true);
  writeU64(view, 16, firstIndex);
  view.setUint32(28, crc32(out.subarray(0, 28)), true);
  return out;
}

/** Validates a header; returns its first index and flags or a reason. Throws CAIRN_FORMAT for a future version. */
export function decodeSegmentHeader(bytes: Uint8Array, path: string): { firstIndex: number; resetsLog: boolean } | { reason: string } {
  if (bytes.length < SEGMENT_HEADER_BYTES) return { reason: 'incomplete segment header' };
  const view = viewOf(bytes);
  if (!startsWith(bytes, MAGIC) || view.getUint32(28, true) !== crc32(bytes.subarray(0, 28))) {
    return { reason: 'bad segment header' };
  }
  const version = view.getUint16(8, true);
  if (version !== SEGMENT_FORMAT_VERSION) {
    throw new CairnError('CAIRN_FORMAT', `${path}: segment format version ${version} is not supported (expected ${SEGMENT_FORMAT_VERSION})`);
  }
  const firstIndex = readU64(view, 16);
  if (firstIndex < 1) return { reason: 'bad first index in segment header' };
  return { firstIndex, resetsLog: (view.getUint16(10, true) & SEGMENT_FLAG_RESET) !== 0 };
}

export interface SegmentScan {
  /** Byte offset of each valid record, in index order. */
  readonly offsets: number[];
  readonly terms: number[];
  /** Bytes of the valid prefix (header included). */
  readonly validBytes: number;
  /** The first damaged spot, or null when the whole file is valid. */
  readonly damage: { readonly offset: number; readonly reason: string } | null;
}

/**
 * Walks the records of a segment whose header is valid. Stops at the first record that fails to
 * decode, holds the wrong index, or lowers the term; everything before it is the valid prefix.
 * `onEntry` sees each valid entry (its data is a view into `bytes`).
 */
export function scanSegmentRecords(bytes: Uint8Array, firstIndex: number, previousTerm: number, onEntry?: (entry: LogEntry) => void): SegmentScan {
  assert(bytes.length >= SEGMENT_HEADER_BYTES, 'scan needs a whole header');
  const offsets: number[] = [];
  const terms: number[] = [];
  let offset = SEGMENT_HEADER_BYTES;
  let term = previousTerm;
  const view = viewOf(bytes);
  const recordsMax = Math.ceil((bytes.length - offset) / RECORD_HEADER_BYTES);
  for (let k = 0; k <= recordsMax && offset < bytes.length; k++) {
    const result = decodeRecord(bytes, offset, view);
    if (!result.ok) return { offsets, terms, validBytes: offset, damage: { offset, reason: result.reason } };
    const { entry } = result;
    if (entry.index !== firstIndex + offsets.length) {
      return { offsets, terms, validBytes: offset, damage: { offset, reason: `record holds index ${entry.index}, expected ${firstIndex + offsets.length}` } };
    }
    if (entry.term < term) return { offsets, terms, validBytes: offset, damage: { offset, reason: `term ${entry.term} lower than ${term}` } };
    term = entry.term;
    offsets.push(offset);
    terms.push(entry.term);
    onEntry?.(entry);
    offset = result.endOffset;
  }
  assert(offset === bytes.length, 'scan ended inside the file without damage');
  return { offsets, terms, validBytes: offset, damage: null };
}

/**
 * Looks for any valid record starting after `fromOffset` whose index is at least `minIndex`.
 * Finding one means the damage at `fromOffset` is in the middle of the log, not a torn tail.
 * Returns its offset or -1. Candidates are filtered on a plausible index before the CRC is computed,
 * so the scan costs about one comparison per byte.
 */
export function findLaterValidRecord(bytes: Uint8Array, fromOffset: number, minIndex: number): number {
  const indexMax = minIndex + Math.ceil((bytes.length - fromOffset) / RECORD_HEADER_BYTES) + 1;
  const view = viewOf(bytes);
  for (let offset = fromOffset + 1; offset + RECORD_HEADER_BYTES <= bytes.length; offset++) {
    const index = peekRecordIndex(bytes, offset, view);
    if (index < minIndex || index > indexMax) continue;
    if (decodeRecord(bytes, offset, view).ok) return offset;
  }
  return -1;
}
