// One segment of the segmented log as SegmentedLog (log.ts) keeps it in memory: its file, the byte
// offset and term of every record it holds, and how much of it is written and synced. Also finding
// the segment of an index, and decoding a chunk of records read back from one.

import { assert } from '../lib/assert.js';
import { CairnError } from '../lib/errors.js';
import type { DiskFile } from '../io/disk.js';
import { viewOf } from './bytes.js';
import { decodeRecord, type LogEntry } from './record.js';

export class Segment {
  file: DiskFile | null = null;
  /** Bytes written to the file by finished writes. */
  writtenBytes = 0;
  needsSync = false;

  constructor(
    readonly path: string,
    readonly firstIndex: number,
    /** Size including bytes queued but not yet written. */
    public sizeBytes: number,
    readonly offsets: number[],
    readonly terms: number[],
  ) {}

  get lastIndex(): number {
    return this.firstIndex + this.offsets.length - 1;
  }

  /** Offset of the record of `index`. */
  startOf(index: number): number {
    const k = index - this.firstIndex;
    assert(k >= 0 && k < this.offsets.length, 'startOf: index in segment');
    return this.offsets[k] as number;
  }

  /** Offset just past the record of `index`. */
  endOf(index: number): number {
    const k = index - this.firstIndex;
    assert(k >= 0 && k < this.offsets.length, 'endOf: index in segment');
    return k + 1 < this.offsets.length ? (this.offsets[k + 1] as number) : this.sizeBytes;
  }

  /**
   * Decodes the records of [fromIndex, lastIndex] from `chunk`, which holds this segment's bytes
   * from byte offset `start`, and appends them to `out`. A damaged record, or one that names
   * another index, is CAIRN_CORRUPT with the file and byte offset.
   */
  decodeChunk(chunk: Uint8Array, start: number, fromIndex: number, lastIndex: number, out: LogEntry[]): void {
    const view = viewOf(chunk);
    for (let index = fromIndex; index <= lastIndex; index++) {
      const offset = this.startOf(index) - start;
      const result = decodeRecord(chunk, offset, view);
      if (!result.ok || result.entry.index !== index) {
        throw new CairnError('CAIRN_CORRUPT', `${this.path}: record of index ${index} at byte offset ${offset + start} is damaged (${result.ok ? 'wrong index' : result.reason})`);
      }
      out.push(result.entry);
    }
  }
}

/** The segment of `segments` (in index order, none empty but the last) holding `index`, by bisection. */
export function segmentHolding(segments: readonly Segment[], index: number): Segment | undefined {
  const last = segments[segments.length - 1];
  const first = segments[0];
  if (first === undefined || last === undefined || index < first.firstIndex || index > last.lastIndex) return undefined;
  let low = 0;
  let high = segments.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((segments[mid] as Segment).firstIndex <= index) low = mid;
    else high = mid - 1;
  }
  return segments[low];
}
