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
import { viewOf } from './bytes.js';
import { analyzeLog, type LogDamage } from './log-recovery.js';
import { decodeRecord, encodeRecords, RECORD_KIND_MAX, RECORD_PAYLOAD_BYTES_MAX, recordBytes, type LogEntry } from './record.js';
import { removeTempFiles, writeFileAtomically } from './atomic-file.js';
import { encodeSegmentHeader, parseSegmentName, SEGMENT_FLAG_RESET, SEGMENT_HEADER_BYTES, segmentName } from './segment-file.js';
import { SerialQueue } from './serial.js';

export type { LogEntry } from './record.js';

export interface LogOptions {
  /** A segment rolls once it reaches this size (default 16 MiB). */
  readonly segmentBytesMax?: number;
  /** Sees every recovered entry in index order while the log is opened (saves a second read). */
  readonly onRecoveredEntry?: (entry: LogEntry) => void;
}

export interface LogRecovery {
  /** Tail damage that was cut off, or null when the log was clean. */
  readonly truncatedTail: (LogDamage & { readonly droppedRecords: number }) | null;
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

class Segment {
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

  /** Offset just past the record of `index`. */
  endOf(index: number): number {
    const k = index - this.firstIndex;
    assert(k >= 0 && k < this.offsets.length, 'endOf: index in segment');
    return k + 1 < this.offsets.length ? (this.offsets[k + 1] as number) : this.sizeBytes;
  }
}

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
    await disk.mkdirp(dir);
    await removeTempFiles(disk, dir); // a reset segment that was never renamed in
    const analysis = await analyzeLog(disk, dir, options.onRecoveredEntry);
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
    const segment = this.segmentOf(index);
    return segment === undefined ? undefined : segment.terms[index - segment.firstIndex];
  }

  stats(): LogStats {
    let sizeBytes = 0;
    for (const segment of this.segments) sizeBytes += segment.sizeBytes;
    return { firstIndex: this.firstIndex, lastIndex: this.lastIndex, segmentCount: this.segments.length, sizeBytes, syncCount: this.syncCount };
  }

  /** Writes entries after the last one (or over a suffix, which is truncated first). Not durable. */
  append(entries: readonly LogEntry[]): Promise<void> {
    const refusal = this.refusal() ?? this.appendRefusal(entries);
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
    this.checkRange(fromIndex, toIndexExclusive);
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
      this.checkRange(fromIndex, toIndexExclusive);
      return this.readNow(fromIndex, toIndexExclusive, maxBytes);
    });
  }

  /** Drops entries >= fromIndex. Durable when the promise resolves. */
  truncateSuffix(fromIndex: number): Promise<void> {
    const refusal = this.refusal() ?? this.truncateRefusal(fromIndex);
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
      const segment = this.segmentOf(index);
      if (segment === undefined) throw new CairnError('CAIRN_INVALID_ARGUMENT', `log ${this.dir}: index ${index} is no longer held`);
      if (entries.length > 0 && bytes + (segment.endOf(index) - (segment.offsets[index - segment.firstIndex] as number)) > maxBytes) break;
      const stop = Math.min(toIndexExclusive - 1, segment.lastIndex);
      const start = segment.offsets[index - segment.firstIndex] as number;
      let last = index;
      let end = segment.endOf(index);
      while (last < stop && bytes + (segment.endOf(last + 1) - start) <= maxBytes) {
        last++;
        end = segment.endOf(last);
      }
      if (end > segment.writtenBytes) await this.lastWrite;
      const chunk = await this.fileOf(segment).read(start, end - start);
      this.decodeChunk(segment, chunk, start, index, last, entries);
      bytes += end - start;
      index = last + 1;
    }
    return entries;
  }

  private decodeChunk(segment: Segment, chunk: Uint8Array, start: number, fromIndex: number, lastIndex: number, out: LogEntry[]): void {
    const view = viewOf(chunk);
    for (let index = fromIndex; index <= lastIndex; index++) {
      const offset = (segment.offsets[index - segment.firstIndex] as number) - start;
      const result = decodeRecord(chunk, offset, view);
      if (!result.ok || result.entry.index !== index) {
        throw new CairnError('CAIRN_CORRUPT', `${segment.path}: record of index ${index} at byte offset ${offset + start} is damaged (${result.ok ? 'wrong index' : result.reason})`);
      }
      out.push(result.entry);
    }
  }

  private segmentOf(index: number): Segment | undefined {
    if (index < this.firstIndex || index > this.lastIndex) return undefined;
    let low = 0;
    let high = this.segments.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.segments[mid] as Segment).firstIndex <= index) low = mid;
      else high = mid - 1;
    }
    return this.segments[low];
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

  private appendRefusal(entries: readonly LogEntry[]): CairnError | null {
    const first = entries[0];
    if (first === undefined) return null;
    if (first.index < this.firstIndex || first.index > this.lastIndex + 1) {
      return new CairnError('CAIRN_INVALID_ARGUMENT', `log ${this.dir}: cannot append index ${first.index}; the log holds [${this.firstIndex}, ${this.lastIndex}]`);
    }
    let term = first.index > this.firstIndex ? (this.term(first.index - 1) ?? 0) : 0;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as LogEntry;
      if (entry.index !== first.index + i) return new CairnError('CAIRN_INVALID_ARGUMENT', 'appended entries must have consecutive indexes');
      if (entry.term < term) return new CairnError('CAIRN_INVALID_ARGUMENT', `entry ${entry.index} has term ${entry.term}, lower than ${term} before it`);
      if (!Number.isSafeInteger(entry.term)) return new CairnError('CAIRN_INVALID_ARGUMENT', `entry ${entry.index} has term ${entry.term}, not a safe integer`);
      if (!Number.isInteger(entry.kind) || entry.kind < 0 || entry.kind > RECORD_KIND_MAX) return new CairnError('CAIRN_INVALID_ARGUMENT', `entry ${entry.index} has kind ${entry.kind}, outside 0..${RECORD_KIND_MAX}`);
      if (entry.data.length > RECORD_PAYLOAD_BYTES_MAX) return new CairnError('CAIRN_INVALID_ARGUMENT', `entry ${entry.index} holds ${entry.data.length} bytes, over the ${RECORD_PAYLOAD_BYTES_MAX}-byte record limit`);
      term = entry.term;
    }
    return null;
  }

  private truncateRefusal(fromIndex: number): CairnError | null {
    if (Number.isSafeInteger(fromIndex) && fromIndex >= this.firstIndex) return null;
    return new CairnError('CAIRN_INVALID_ARGUMENT', `log ${this.dir}: cannot truncate from ${fromIndex}; the log starts at ${this.firstIndex}`);
  }

  private checkRange(fromIndex: number, toIndexExclusive: number): void {
    if (!(Number.isSafeInteger(fromIndex) && Number.isSafeInteger(toIndexExclusive)) || fromIndex < this.firstIndex || fromIndex > toIndexExclusive || toIndexExclusive > this.lastIndex + 1) {
      throw new CairnError('CAIRN_INVALID_ARGUMENT', `log ${this.dir}: range [${fromIndex}, ${toIndexExclusive}) is outside [${this.firstIndex}, ${this.lastIndex + 1})`);
    }
  }
}

/** Removes the segments a reset segment made obsolete (a crash interrupted a compaction past the end). */
async function removeObsoleteSegments(disk: Disk, dir: string, paths: readonly string[]): Promise<void> {
  if (paths.length === 0) return;
  for (const path of paths) await disk.remove(path);
  await disk.syncDir(dir);
}
