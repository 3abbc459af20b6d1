// One node of a stream, as Redis's radix tree holds one listpack: the live entries in ID order,
// compact (IDs two per entry in a BigUint64Array; fields and values as latin1 strings in one flat
// array while the node is the stream's tail, packed into a single string once it is not), plus
// what Redis's node keeps of deleted entries: their number, their bytes, the last ID appended
// (deleted or not) and the master fields, which decide where the next node starts.

import { assert } from '../../lib/assert.js';
import { compareIds, type StreamId } from './id.js';
import { NODE_BYTES_MAX, NODE_ENTRIES_MAX, deltaOf, entryBytes, masterEntryBytes, rawPairsBytes } from './listpack-size.js';

/** A node's strings are packed into one only below this size (V8 caps a string near 2^29 chars). */
const PACKED_CHARS_MAX = 1 << 28;

/** An entry as read out of a chunk. */
export interface StreamEntry {
  readonly id: StreamId;
  /** field, value, field, value... */
  readonly pairs: readonly string[];
}

export class StreamChunk {
  /** The node's key in Redis: the ID of the first entry ever added to it. */
  readonly master: StreamId;
  /** The first entry's fields: later entries with the same fields cost fewer bytes. */
  readonly masterFields: readonly string[];
  /** The last ID added to this node, live or deleted (what MINID trimming compares). */
  lastAdded: StreamId;
  /** Entries marked deleted (XDEL, exact trimming) that Redis still keeps in the node. */
  deleted = 0;
  /** The node's listpack size in Redis. */
  lpBytes: number;
  /** Live IDs: ms at 2i, seq at 2i+1. Invariant: ascending. */
  private ids: BigUint64Array;
  /** Where each live entry's pairs start among the strings; one more slot holds the string count. */
  private starts: number[] = [0];
  /** The strings while unpacked (empty once packed). */
  private data: string[] = [];
  /** Once packed: every string in one, string j spanning [bounds[j], bounds[j + 1]). */
  private packed: string | null = null;
  private bounds: Uint32Array | null = null;

  constructor(master: StreamId, masterFields: readonly string[], lpBytes: number, lastAdded: StreamId, capacity = 2) {
    this.master = master;
    this.masterFields = masterFields;
    this.lpBytes = lpBytes;
    this.lastAdded = lastAdded;
    this.ids = new BigUint64Array(2 * Math.max(1, capacity));
  }

  /** A new node holding one entry, sized as Redis would make it. */
  static first(id: StreamId, pairs: readonly string[]): StreamChunk {
    const fields = pairs.filter((_, i) => i % 2 === 0);
    const chunk = new StreamChunk(id, fields, masterEntryBytes(fields), id);
    chunk.lpBytes += entryBytes(0n, 0n, pairs, true);
    chunk.push(id, pairs, fields);
    return chunk;
  }

  get live(): number {
    return this.starts.length - 1;
  }

  /** Whether Redis would append an entry of these pairs to this node rather than start a new one. */
  accepts(pairs: readonly string[]): boolean {
    if (this.lpBytes + rawPairsBytes(pairs) >= NODE_BYTES_MAX) return false;
    return this.live + this.deleted < NODE_ENTRIES_MAX;
  }

  /**
   * Appends an entry with an ID above every live one. (It may lie below a deleted one: XSETID can
   * move the last ID back over deleted entries, and Redis then appends out of order too.)
   */
  append(id: StreamId, pairs: readonly string[]): void {
    const sameFields = pairs.length === 2 * this.masterFields.length && this.masterFields.every((f, i) => pairs[2 * i] === f);
    this.lpBytes += entryBytes(deltaOf(id.ms, this.master.ms), deltaOf(id.seq, this.master.seq), pairs, sameFields);
    this.lastAdded = id;
    // Entries with the master's fields hold the master's field strings (one copy per node, as Redis).
    this.push(id, pairs, sameFields ? this.masterFields : null);
  }

  /** Adds a live entry at the end (appends, snapshot loading); `fields` replace the pairs' fields when given (the same strings). */
  push(id: StreamId, pairs: readonly string[], fields: readonly string[] | null = null): void {
    assert(fields === null || fields.length * 2 === pairs.length, 'one field string per pair');
    if (this.packed !== null) this.unpack();
    const n = this.live;
    assert(n === 0 || compareIds(this.idAt(n - 1), id) < 0, 'stream chunk entries must ascend');
    if (2 * n + 2 > this.ids.length) {
      // A node holds at most NODE_ENTRIES_MAX entries: no room past that.
      const grown = new BigUint64Array(Math.max(2 * n + 2, Math.min(2 * this.ids.length, 2 * NODE_ENTRIES_MAX)));
      grown.set(this.ids);
      this.ids = grown;
    }
    this.ids[2 * n] = id.ms;
    this.ids[2 * n + 1] = id.seq;
    const data = this.data;
    if (fields === null) for (const text of pairs) data.push(text);
    else for (let i = 0; i < pairs.length; i += 2) data.push(fields[i >> 1] as string, pairs[i + 1] as string);
    this.starts.push(data.length);
  }

  idAt(i: number): StreamId {
    assert(i >= 0 && i < this.live, 'stream chunk index out of range');
    return { ms: this.ids[2 * i] as bigint, seq: this.ids[2 * i + 1] as bigint };
  }

  pairsAt(i: number): string[] {
    const from = this.starts[i] as number;
    const to = this.starts[i + 1] as number;
    const packed = this.packed;
    if (packed === null) return this.data.slice(from, to);
    const bounds = this.bounds as Uint32Array;
    const pairs: string[] = [];
    for (let j = from; j < to; j++) pairs.push(packed.slice(bounds[j], bounds[j + 1]));
    return pairs;
  }

  /**
   * Packs the strings into one (a node that is no longer the tail rarely changes): a string's
   * header and its array slot (some 30 bytes) become 4 bytes of boundary.
   */
  pack(): void {
    if (this.packed !== null) return;
    const count = this.data.length;
    const bounds = new Uint32Array(count + 1);
    let at = 0;
    for (let j = 0; j < count; j++) {
      bounds[j] = at;
      at += (this.data[j] as string).length;
    }
    if (at > PACKED_CHARS_MAX) return;
    bounds[count] = at;
    this.packed = this.data.join('');
    this.bounds = bounds;
    this.data = [];
    if (this.ids.length > 2 * this.live) this.ids = this.ids.slice(0, Math.max(2, 2 * this.live));
  }

  private unpack(): void {
    const packed = this.packed as string;
    const bounds = this.bounds as Uint32Array;
    const data: string[] = [];
    for (let j = 0; j + 1 < bounds.length; j++) data.push(packed.slice(bounds[j], bounds[j + 1]));
    this.data = data;
    this.packed = null;
    this.bounds = null;
  }

  entryAt(i: number): StreamEntry {
    return { id: this.idAt(i), pairs: this.pairsAt(i) };
  }

  /** The index of the first live entry with an ID >= `id` (live when none is). */
  lowerBound(id: StreamId): number {
    let lo = 0;
    let hi = this.live;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareIds(this.idAt(mid), id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The index of the live entry with exactly this ID, or -1. */
  indexOf(id: StreamId): number {
    const i = this.lowerBound(id);
    return i < this.live && compareIds(this.idAt(i), id) === 0 ? i : -1;
  }

  /** Marks a live entry deleted: it leaves the chunk, its bytes stay counted, as in Redis. */
  remove(i: number): void {
    const n = this.live;
    assert(i >= 0 && i < n, 'stream chunk remove out of range');
    const wasPacked = this.packed !== null;
    if (wasPacked) this.unpack();
    const from = this.starts[i] as number;
    const removed = (this.starts[i + 1] as number) - from;
    this.data.splice(from, removed);
    this.starts.splice(i + 1, 1);
    for (let j = i + 1; j < this.starts.length; j++) this.starts[j] = (this.starts[j] as number) - removed;
    this.ids.copyWithin(2 * i, 2 * i + 2, 2 * n);
    this.deleted++;
    if (wasPacked) this.pack();
  }

  /** A copy sharing nothing mutable. */
  clone(): StreamChunk {
    const copy = new StreamChunk(this.master, this.masterFields, this.lpBytes, this.lastAdded, this.live);
    copy.deleted = this.deleted;
    for (let i = 0; i < this.live; i++) copy.push(this.idAt(i), this.pairsAt(i));
    if (this.packed !== null) copy.pack();
    return copy;
  }
}
