// The segmented log: the Raft log and the store's append-only log, one format written once.
//
// Public API (everything else in storage/ is a helper of this or of snapshot/hard-state):
//   SegmentedLog.open(disk, dir, options?) -> { log, recovery }   recover, cut a torn tail, or throw
//   log.firstIndex / log.lastIndex        indexes held (lastIndex = firstIndex - 1 when empty)
//   log.term(index)                       term of a held entry, undefined outside [firstIndex, lastIndex]
//   log.append(entries)                   write (not durable); an entry at index <= lastIndex first
//                                         truncates the suffix from that index, as Raft requires
//   await log.sync()                      every append made before the call is durable (group commit:
//                                         callers that arrive while a sync runs share the next one)
//   log.appendAndSync(entries)            both
//   log.read(fromIndex, toIndexExclusive, maxBytes?)  entries by index, from the in-memory offset index
//   log.truncateSuffix(fromIndex)         drop entries >= fromIndex (durable when it resolves)
//   log.compactPrefix(snapshotIndex)      drop whole segments covered by a snapshot (durable when it
//                                         resolves); a snapshot past the end resets the log to start
//                                         at snapshotIndex + 1. The caller makes the snapshot durable
//                                         first: a crash mid-way may leave either log (docs/STORAGE.md)
//   log.stats(), log.close()
// An entry is { index, term, kind (0..255, the record type), data }.
//
// Concurrency: the in-memory view (indexes, terms, offsets) changes synchronously when a call is
// made; the file operations run one at a time in call order on a SerialQueue. Appends that arrive
// while earlier work is queued are merged into one write. After any I/O failure the log refuses
// everything with that CAIRN_IO error; reopen to recover (acknowledged writes are intact).
// Refusals (closed, failed, invalid arguments) come back as rejected promises, never as throws.

import { assert } from '../lib/assert.js';
import { CairnError } from '../lib/errors.js';
import type { Disk, DiskFile } from '../io/disk.js';
import type { LogDamage } from './log-recovery.js';
import { recoverSegments, type LogRecovery } from './log-open.js';
import { encodeRecords, recordBytes, type LogEntry } from './record.js';
import { appendRefusal, rangeRefusal, truncateRefusal } from './log-checks.js';
import { Segment, segmentHolding } from './log-segment.js';
import { writeFileAtomically } from './atomic-file.js';
import { encodeSegmentHeader, SEGMENT_FLAG_RESET, SEGMENT_HEADER_BYTES, segmentName } from './segment-file.js';
import { SerialQueue } from './serial.js';

export type { LogEntry } from './record.js';
export type { LogRecovery } from './log-open.js';

export interface LogOptions {
  /** A segment rolls once it reaches this size (default 16 MiB). */
  readonly segmentBytesMax?: number;
  /** Sees every recovered entry in index order while the log is opened (saves a second read). */
  readonly onRecoveredEntry?: (entry: LogEntry) => void;
}

export interface LogStats {
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly segmentCount: number;
  readonly sizeBytes: number;
  readonly syncCount: number;
}

const SEGMENT_BYTES_MAX_DEFAULT = 16 * 1024 * 1024;
const READ_RETRIES_MAX = 1;

interface WriteBatch {
  readonly segment: Segment;
  readonly chunks: Uint8Array[];
  done: Promise<void>;
}

export class SegmentedLog {
  private readonly queue: SerialQueue;
  private segments: Segment[];
  private openBatch: WriteBatch | null = null;
  private queuedSync: Promise<void> | null = null;
  private lastWrite: Promise<void> = Promise.resolve();
  private needsDirSync = false;
  /** Bumped whenever bytes already written may change (truncation, compaction) so readers can retry. */
  private epoch = 0;
  private syncCount = 0;
  private closed = false;

  private constructor(
    private readonly disk: Disk,
    readonly dir: string,
    private readonly segmentBytesMax: number,
    segments: Segment[],
  ) {
    assert(segments.length > 0, 'a log always has an active segment');
    this.segments = segments;
    this.queue = new SerialQueue(`log ${dir}`);
  }

  static async open(disk: Disk, dir: string, options: LogOptions = {}): Promise<{ log: SegmentedLog; recovery: LogRecovery }> {
    const segmentBytesMax = options.segmentBytesMax ?? SEGMENT_BYTES_MAX_DEFAULT;
    assert(Number.isInteger(segmentBytesMax) && segmentBytesMax > SEGMENT_HEADER_BYTES, 'segmentBytesMax must exceed the header');
    const { segments, damage, truncatedTail } = await recoverSegments(disk, dir, options.onRecoveredEntry);
    const log = new SegmentedLog(disk, dir, segmentBytesMax, segments);
    await log.openFiles(damage);
    return { log, recovery: { truncatedTail } };
  }

  private async openFiles(damage: LogDamage | null): Promise<void> {
    for (const segment of this.segments) {
      segment.file = await this.disk.openFile(segment.path);
      if (segment.sizeBytes === 0) {
        await segment.file.append(encodeSegmentHeader(segment.firstIndex));
        segment.sizeBytes = SEGMENT_HEADER_BYTES;
        await segment.file.sync();
        this.needsDirSync = true;
      } else if (damage !== null && damage.path === segment.path && segment.file.sizeBytes() > segment.sizeBytes) {
        await segment.file.truncate(segment.sizeBytes);
        await segment.file.sync();
      }
      segment.writtenBytes = segment.sizeBytes;
      assert(segment.file.sizeBytes() === segment.sizeBytes, `${segment.path}: file size matches the valid prefix`);
    }
    if (this.needsDirSync || damage?.dropWholeFile === true) await this.disk.syncDir(this.dir);
    this.needsDirSync = false;
  }

  get firstIndex(): number {
    return (this.segments[0] as Segment).firstIndex;
  }

  get lastIndex(): number {
    return this.active.lastIndex;
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1] as Segment;
  }

  term(index: number): number | undefined {
    const segment = segmentHolding(this.segments, index);
    return segment === undefined ? undefined : segment.terms[index - segment.firstIndex];
  }

  stats(): LogStats {
    let sizeBytes = 0;
    for (const segment of this.segments) sizeBytes += segment.sizeBytes;
    return { firstIndex: this.firstIndex, lastIndex: this.lastIndex, segmentCount: this.segments.length, sizeBytes, syncCount: this.syncCount };
  }

  /** Writes entries after the last one (or over a suffix, which is truncated first). Not durable. */
  append(entries: readonly LogEntry[]): Promise<void> {
    const refusal = this.refusal() ?? appendRefusal(this, entries);
    if (refusal !== null) return Promise.reject(refusal);
    if (entries.length === 0) return Promise.resolve();
    const first = entries[0] as LogEntry;
    const truncated = first.index <= this.lastIndex ? this.truncateSuffix(first.index) : undefined;
    let done = this.lastWrite;
    let start = 0;
    while (start < entries.length) {
      if (this.active.sizeBytes >= this.segmentBytesMax && this.active.offsets.length > 0) this.roll((entries[start] as LogEntry).index);
      const segment = this.active;
      let end = start;
      let bytes = 0;
      while (end < entries.length && (end === start || segment.sizeBytes + bytes < this.segmentBytesMax)) {
        const entry = entries[end] as LogEntry;
        segment.offsets.push(segment.sizeBytes + bytes);
        segment.terms.push(entry.term);
        bytes += recordBytes(entry);
        end++;
      }
      segment.sizeBytes += bytes;
      done = this.queueWrite(segment, encodeRecords(entries.slice(start, end)));
      start = end;
    }
    return truncated === undefined ? done : Promise.all([truncated, done]).then(() => undefined);
  }

  /** Resolves once every entry appended before this call is durable. Concurrent callers share syncs. */
  sync(): Promise<void> {
    const refusal = this.refusal();
    if (refusal !== null) return Promise.reject(refusal);
    if (this.queuedSync !== null) return this.queuedSync;
    const sync = this.queue.run(async () => {
      if (this.queuedSync === sync) this.queuedSync = null;
      await this.syncDirty();
    });
    this.queuedSync = sync;
    return sync;
  }

  async appendAndSync(entries: readonly LogEntry[]): Promise<void> {
    const written = this.append(entries);
    const synced = this.sync();
    await Promise.all([written, synced]);
  }

  /** Entries [fromIndex, toIndexExclusive), cut short after `maxBytes` of records (at least one entry). */
  async read(fromIndex: number, toIndexExclusive: number, maxBytes = Number.POSITIVE_INFINITY): Promise<LogEntry[]> {
    const refusal = this.refusal();
    if (refusal !== null) throw refusal;
    const outside = rangeRefusal(this, fromIndex, toIndexExclusive);
    if (outside !== null) throw outside;
    for (let attempt = 0; attempt <= READ_RETRIES_MAX; attempt++) {
      const epoch = this.epoch;
      try {
        const entries = await this.readNow(fromIndex, toIndexExclusive, maxBytes);
        if (epoch === this.epoch) return entries;
      } catch (error) {
        if (epoch === this.epoch) throw error;
      }
    }
    // The log changed under two reads in a row: read inside the queue, where nothing moves.
    return this.queue.run(async () => {
      const moved = rangeRefusal(this, fromIndex, toIndexExclusive);
      if (moved !== null) throw moved;
      return this.readNow(fromIndex, toIndexExclusive, maxBytes);
    });
  }

  /** Drops entries >= fromIndex. Durable when the promise resolves. */
  truncateSuffix(fromIndex: number): Promise<void> {
    const refusal = this.refusal() ?? truncateRefusal(this, fromIndex);
    if (refusal !== null) return Promise.reject(refusal);
    if (fromIndex > this.lastIndex) return Promise.resolve();
    this.epoch++;
    const removed: Segment[] = [];
    while (this.segments.length > 1 && this.active.firstIndex >= fromIndex) removed.push(this.segments.pop() as Segment);
    const segment = this.active;
    const keep = fromIndex - segment.firstIndex;
    const sizeBytes = keep < segment.offsets.length ? (segment.offsets[keep] as number) : segment.sizeBytes;
    segment.offsets.length = Math.min(keep, segment.offsets.length);
    segment.terms.length = segment.offsets.length;
    segment.sizeBytes = sizeBytes;
    return this.queueExclusive(async () => {
      for (const old of removed) await this.removeSegmentFile(old);
      if (removed.length > 0) await this.disk.syncDir(this.dir);
      const file = this.fileOf(segment);
      if (file.sizeBytes() > sizeBytes) {
        await file.truncate(sizeBytes);
        await file.sync();
      }
      segment.writtenBytes = sizeBytes;
    });
  }

  /** Drops every segment whose entries are all <= snapshotIndex. Durable when the promise resolves. */
  compactPrefix(snapshotIndex: number): Promise<void> {
    const refusal = this.refusal();
    if (refusal !== null) return Promise.reject(refusal);
    assert(Number.isSafeInteger(snapshotIndex) && snapshotIndex >= 0, 'snapshot index must be a non-negative integer');
    if (snapshotIndex >= this.lastIndex && snapshotIndex >= this.firstIndex) return this.resetAfter(snapshotIndex);
    const removed: Segment[] = [];
    while (this.segments.length > 1 && (this.segments[0] as Segment).lastIndex <= snapshotIndex) removed.push(this.segments.shift() as Segment);
    if (removed.length === 0) return Promise.resolve();
    this.epoch++;
    return this.queueExclusive(async () => {
      await this.syncDirty();
      for (const old of removed) await this.removeSegmentFile(old);
      await this.disk.syncDir(this.dir);
    });
  }

  /**
   * Replaces every segment with an empty one starting at snapshotIndex + 1. Crash-safe in this order:
   * the new segment is written under a temp name, synced and renamed in (a crash before leaves the old
   * log); its header carries the reset flag, so open() treats every older segment as obsolete from
   * the moment its name is durable; only then do the old segments go.
   */
  private resetAfter(snapshotIndex: number): Promise<void> {
    const removed = this.segments;
    const segment = new Segment(`${this.dir}/${segmentName(snapshotIndex + 1)}`, snapshotIndex + 1, SEGMENT_HEADER_BYTES, [], []);
    assert(removed.every((old) => old.path !== segment.path), 'old segments all start at or before the snapshot');
    this.segments = [segment];
    this.epoch++;
    return this.queueExclusive(async () => {
      await writeFileAtomically(this.disk, this.dir, segmentName(segment.firstIndex), encodeSegmentHeader(segment.firstIndex, SEGMENT_FLAG_RESET));
      for (const old of removed) await this.removeSegmentFile(old);
      await this.disk.syncDir(this.dir);
      segment.file = await this.disk.openFile(segment.path);
      assert(segment.file.sizeBytes() === SEGMENT_HEADER_BYTES, 'the reset segment holds only its header');
      segment.writtenBytes = SEGMENT_HEADER_BYTES;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.drain();
    for (const segment of this.segments) await segment.file?.close();
  }

  private roll(firstIndex: number): void {
    const old = this.active;
    assert(firstIndex === old.lastIndex + 1, 'a rolled segment continues the old one');
    const segment = new Segment(`${this.dir}/${segmentName(firstIndex)}`, firstIndex, SEGMENT_HEADER_BYTES, [], []);
    this.segments.push(segment);
    void this.queueExclusive(async () => {
      // The old segment is made durable before the new one exists, so damage can only ever be in the last file.
      if (old.needsSync) await this.fileOf(old).sync();
      old.needsSync = false;
      const file = await this.disk.openFile(segment.path);
      segment.file = file;
      await file.truncate(0);
      await file.append(encodeSegmentHeader(firstIndex));
      segment.writtenBytes = SEGMENT_HEADER_BYTES;
      segment.needsSync = true;
      this.needsDirSync = true;
    }); // a failure is kept by the queue and reported by the next operation
  }

  private queueWrite(segment: Segment, bytes: Uint8Array): Promise<void> {
    const open = this.openBatch;
    if (open !== null && open.segment === segment) {
      open.chunks.push(bytes);
      return open.done;
    }
    const batch: WriteBatch = { segment, chunks: [bytes], done: Promise.resolve() };
    batch.done = this.queue.run(async () => {
      if (this.openBatch === batch) this.openBatch = null;
      const data = batch.chunks.length === 1 ? (batch.chunks[0] as Uint8Array) : Buffer.concat(batch.chunks);
      await this.fileOf(segment).append(data);
      segment.writtenBytes += data.length;
      segment.needsSync = true;
    });
    this.openBatch = batch;
    this.queuedSync = null; // a sync queued before this write cannot cover it
    this.lastWrite = batch.done;
    return batch.done;
  }

  /** Queues an operation that later appends must not be merged ahead of. */
  private queueExclusive(op: () => Promise<void>): Promise<void> {
    this.openBatch = null;
    this.queuedSync = null;
    const done = this.queue.run(op);
    this.lastWrite = done;
    return done;
  }

  private async syncDirty(): Promise<void> {
    for (const segment of this.segments) {
      if (!segment.needsSync) continue;
      segment.needsSync = false;
      await this.fileOf(segment).sync();
    }
    if (this.needsDirSync) {
      this.needsDirSync = false;
      await this.disk.syncDir(this.dir);
    }
    this.syncCount++;
  }

  private async removeSegmentFile(segment: Segment): Promise<void> {
    await segment.file?.close();
    segment.file = null;
    await this.disk.remove(segment.path);
  }

  private async readNow(fromIndex: number, toIndexExclusive: number, maxBytes: number): Promise<LogEntry[]> {
    const entries: LogEntry[] = [];
    let bytes = 0;
    let index = fromIndex;
    while (index < toIndexExclusive) {
      const segment = segmentHolding(this.segments, index);
      if (segment === undefined) throw new CairnError('CAIRN_INVALID_ARGUMENT', `log ${this.dir}: index ${index} is no longer held`);
      if (entries.length > 0 && bytes + (segment.endOf(index) - segment.startOf(index)) > maxBytes) break;
      const stop = Math.min(toIndexExclusive - 1, segment.lastIndex);
      const start = segment.startOf(index);
      let last = index;
      let end = segment.endOf(index);
      while (last < stop && bytes + (segment.endOf(last + 1) - start) <= maxBytes) {
        last++;
        end = segment.endOf(last);
      }
      if (end > segment.writtenBytes) await this.lastWrite;
      const chunk = await this.fileOf(segment).read(start, end - start);
      segment.decodeChunk(chunk, start, index, last, entries);
      bytes += end - start;
      index = last + 1;
    }
    return entries;
  }

  private fileOf(segment: Segment): DiskFile {
    assert(segment.file !== null, `${segment.path}: file is open`);
    return segment.file;
  }

  /** Why no operation may run now (closed, or failed by an earlier I/O error), or null. */
  private refusal(): CairnError | null {
    if (this.closed) return new CairnError('CAIRN_CLOSED', `log ${this.dir} is closed`);
    return this.queue.failed;
  }


}
