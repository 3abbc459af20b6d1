// The stream value: its entries in chunks cut where Redis cuts its nodes (chunk.ts), the counters
// Redis keeps beside them (last generated ID, first entry, largest deleted ID, entries ever added)
// and its consumer groups. Appends, deletes, trimming and range reads live here; the commands that
// drive them are in src/kv/streams*.ts, the snapshot form in codec.ts.

import { assert } from '../../lib/assert.js';
import type { Collection } from '../collection.js';
import type { ByteWriter } from '../writer.js';
import { StreamChunk, type StreamEntry } from './chunk.js';
import { ConsumerGroup } from './group.js';
import { compareIds, MAX_ID, ZERO_ID, type StreamId } from './id.js';
import { encodeStream } from './codec.js';

/** How XADD / XTRIM trim: by length or by smallest ID, exactly or by whole nodes, with a work limit. */
export interface TrimSpec {
  readonly maxLen?: number;
  readonly minId?: StreamId;
  readonly approx: boolean;
  /** Entries at most to delete; 0 = no limit. */
  readonly limit: number;
}

export class Stream implements Collection {
  readonly type = 'stream';
  countedBytes = 0;
  /** Invariant: ascending by master ID; every chunk's IDs lie below the next chunk's master. */
  chunks: StreamChunk[] = [];
  /** Live entries. */
  length = 0;
  lastId: StreamId = ZERO_ID;
  /** Redis's first_id: the first live entry when the stream last changed at its head; 0-0 when empty. */
  firstId: StreamId = ZERO_ID;
  maxDeletedId: StreamId = ZERO_ID;
  entriesAdded = 0n;
  /** Created on the first XGROUP CREATE, as Redis does. Names are latin1 strings. */
  groups: Map<string, ConsumerGroup> | null = null;

  get size(): number {
    return this.length;
  }

  encoding(): string {
    return 'stream';
  }

  /** Appends an entry; the caller has checked that `id` is above lastId. */
  append(id: StreamId, pairs: readonly string[]): void {
    assert(compareIds(id, this.lastId) > 0, 'stream IDs must grow');
    assert(pairs.length > 0 && pairs.length % 2 === 0, 'a stream entry holds field-value pairs');
    const tail = this.chunks[this.chunks.length - 1];
    if (tail !== undefined && tail.accepts(pairs)) {
      tail.append(id, pairs);
    } else {
      tail?.pack();
      this.chunks.push(StreamChunk.first(id, pairs));
    }
    this.length++;
    this.entriesAdded++;
    this.lastId = id;
    if (this.length === 1) this.firstId = id;
  }

  /**
   * The index of the last chunk whose master ID is <= `id` (Redis's raxSeek "<="), or 0 when none
   * is: a live entry with that ID can only be there, and no live entry before it is >= `id`.
   */
  private chunkFor(id: StreamId): number {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareIds((this.chunks[mid] as StreamChunk).master, id) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return Math.max(0, lo - 1);
  }

  /** Deletes one live entry (XDEL); false if there is none with that ID. */
  delete(id: StreamId): boolean {
    const c = this.chunkFor(id);
    const chunk = this.chunks[c];
    if (chunk === undefined) return false;
    const i = chunk.indexOf(id);
    if (i === -1) return false;
    // The last live entry of a node takes the node with it.
    if (chunk.live === 1) this.chunks.splice(c, 1);
    else chunk.remove(i);
    this.length--;
    return true;
  }

  /** Whether a live entry has this ID. */
  has(id: StreamId): boolean {
    const chunk = this.chunks[this.chunkFor(id)];
    return chunk !== undefined && chunk.indexOf(id) !== -1;
  }

  /** The entry with this ID, if live. */
  get(id: StreamId): StreamEntry | undefined {
    const chunk = this.chunks[this.chunkFor(id)];
    const i = chunk === undefined ? -1 : chunk.indexOf(id);
    return chunk === undefined || i === -1 ? undefined : chunk.entryAt(i);
  }

  /**
   * Up to `count` (0 = all) live entries with start <= ID <= end, ascending or (rev) descending,
   * each passed to `visit` as it is found; returns how many were visited.
   */
  range(start: StreamId, end: StreamId, rev: boolean, count: number, visit: (entry: StreamEntry) => void): number {
    if (compareIds(start, end) > 0) return 0;
    return rev ? this.rangeDown(start, end, count, visit) : this.rangeUp(start, end, count, visit);
  }

  private rangeUp(start: StreamId, end: StreamId, count: number, visit: (entry: StreamEntry) => void): number {
    let visited = 0;
    for (let c = this.chunkFor(start); c < this.chunks.length; c++) {
      const chunk = this.chunks[c] as StreamChunk;
      for (let i = chunk.lowerBound(start); i < chunk.live; i++) {
        const entry = chunk.entryAt(i);
        if (compareIds(entry.id, end) > 0) return visited;
        visit(entry);
        if (++visited === count) return visited;
      }
    }
    return visited;
  }

  private rangeDown(start: StreamId, end: StreamId, count: number, visit: (entry: StreamEntry) => void): number {
    let visited = 0;
    for (let c = this.chunkFor(end); c >= 0 && c < this.chunks.length; c--) {
      const chunk = this.chunks[c] as StreamChunk;
      const above = chunk.lowerBound(end);
      const top = above < chunk.live && compareIds(chunk.idAt(above), end) === 0 ? above : above - 1;
      for (let i = top; i >= 0; i--) {
        const entry = chunk.entryAt(i);
        if (compareIds(entry.id, start) < 0) return visited;
        visit(entry);
        if (++visited === count) return visited;
      }
    }
    return visited;
  }

  /** The first or last live entry's ID (streamGetEdgeID skipping tombstones), undefined when empty. */
  edgeId(first: boolean): StreamId | undefined {
    let found: StreamId | undefined;
    this.range(ZERO_ID, MAX_ID, !first, 1, (entry) => {
      found = entry.id;
    });
    return found;
  }

  /** Trims from the head as Redis's streamTrim does; returns the number of entries deleted. */
  trim(spec: TrimSpec): number {
    let deleted = 0;
    while (this.chunks.length > 0) {
      if (spec.maxLen !== undefined && this.length <= spec.maxLen) break;
      const chunk = this.chunks[0] as StreamChunk;
      const entries = chunk.live;
      if (spec.limit !== 0 && deleted + entries > spec.limit) break;
      const removeNode = spec.maxLen !== undefined
        ? this.length - entries >= spec.maxLen
        : compareIds(chunk.lastAdded, spec.minId as StreamId) < 0;
      if (removeNode) {
        this.chunks.shift();
        this.length -= entries;
        deleted += entries;
        continue;
      }
      if (spec.approx) break;
      deleted += this.trimWithin(chunk, spec);
      break;
    }
    if (this.length === 0) this.firstId = ZERO_ID;
    else if (deleted > 0) this.firstId = this.edgeId(true) as StreamId;
    return deleted;
  }

  /** Exact trimming inside the head node: its entries are marked deleted until the bound holds. */
  private trimWithin(chunk: StreamChunk, spec: TrimSpec): number {
    let deleted = 0;
    while (chunk.live > 0) {
      const stop = spec.maxLen !== undefined
        ? this.length <= spec.maxLen
        : compareIds(chunk.idAt(0), spec.minId as StreamId) >= 0;
      if (stop) break;
      chunk.remove(0);
      this.length--;
      deleted++;
    }
    return deleted;
  }

  /** The group of this name, if any. */
  group(name: string): ConsumerGroup | undefined {
    return this.groups?.get(name);
  }

  /** Groups in name (byte) order. */
  sortedGroups(): [string, ConsumerGroup][] {
    if (this.groups === null) return [];
    return [...this.groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  clone(): Stream {
    const copy = new Stream();
    copy.chunks = this.chunks.map((chunk) => chunk.clone());
    copy.length = this.length;
    copy.lastId = this.lastId;
    copy.firstId = this.firstId;
    copy.maxDeletedId = this.maxDeletedId;
    copy.entriesAdded = this.entriesAdded;
    if (this.groups !== null) {
      copy.groups = new Map();
      for (const [name, group] of this.groups) copy.groups.set(name, group.clone());
    }
    return copy;
  }

  encode(out: ByteWriter): void {
    encodeStream(this, out);
  }

  memoryBytes(): number {
    let bytes = 128;
    for (const chunk of this.chunks) bytes += 96 + 16 * chunk.live + chunk.lpBytes;
    for (const [name, group] of this.groups ?? []) bytes += 128 + name.length + 64 * group.pel.size + 64 * group.consumers.size;
    return bytes;
  }
}
