// A list value: a deque of chunks (chunk.ts), as Redis's quicklist is a linked list of listpacks.
// Pushes and pops at either end are O(1) (an open chunk at each growing end; a packed chunk pops
// by moving a bound); an index is found by walking chunk counts from the nearer end, then O(1)
// inside the chunk. Edits in the middle rebuild one chunk. OBJECT ENCODING is 'quicklist', as
// Redis 7.0 says for every list.

import { Buffer } from 'node:buffer';
import { assert } from '../../lib/assert.js';
import { keyBytes, keyOf } from '../bytes.js';
import type { Collection } from '../collection.js';
import type { ByteWriter } from '../writer.js';
import { CHUNK_BYTES_MAX, CHUNK_COUNT_MAX, OpenChunk, PackedChunk, packAll, type Chunk } from './chunk.js';

export class ListValue implements Collection {
  readonly type = 'list' as const;
  countedBytes = 0;
  /** Invariant: the sum of the chunks' counts; no chunk is empty. */
  size = 0;
  private readonly chunks: Chunk[];

  constructor(chunks: Chunk[] = []) {
    this.chunks = chunks;
    for (const chunk of chunks) {
      assert(chunk.count > 0, 'a list holds no empty chunk');
      this.size += chunk.count;
    }
  }

  /** A list of these elements (latin1 strings), packed. */
  static of(items: readonly string[]): ListValue {
    return new ListValue(packAll(items));
  }

  encoding(): string {
    return 'quicklist';
  }

  clone(): ListValue {
    return new ListValue(this.chunks.map((c) => (c instanceof OpenChunk ? new OpenChunk(c.strings()) : (c as PackedChunk).share())));
  }

  encode(out: ByteWriter): void {
    out.u32(this.size);
    for (const chunk of this.chunks) {
      if (chunk instanceof OpenChunk) for (const item of chunk.items) out.latin1(item);
      else for (let i = 0; i < chunk.count; i++) out.bytes(chunk.bytesAt(i));
    }
  }

  memoryBytes(): number {
    let total = 64 + 8 * this.chunks.length;
    for (const chunk of this.chunks) total += chunk.memoryBytes();
    return total;
  }

  push(atHead: boolean, text: string): void {
    const chunks = this.chunks;
    const edgeIndex = atHead ? 0 : chunks.length - 1;
    const edge = chunks[edgeIndex];
    if (edge instanceof OpenChunk && !edge.full) {
      if (atHead) edge.items.unshift(text);
      else edge.items.push(text);
      edge.bytes += text.length;
    } else {
      // A full open chunk is packed where it stands; the new element starts a fresh open one.
      if (edge instanceof OpenChunk) chunks.splice(edgeIndex, 1, ...packAll(edge.items));
      if (atHead) chunks.unshift(new OpenChunk([text]));
      else chunks.push(new OpenChunk([text]));
    }
    this.size++;
  }

  /** Removes and returns the element at one end. The list must not be empty. */
  pop(atHead: boolean): Uint8Array {
    assert(this.size > 0, 'pop from an empty list');
    const chunks = this.chunks;
    const chunk = chunks[atHead ? 0 : chunks.length - 1] as Chunk;
    let value: Uint8Array;
    if (chunk instanceof OpenChunk) {
      const text = (atHead ? chunk.items.shift() : chunk.items.pop()) as string;
      chunk.bytes -= text.length;
      value = keyBytes(text);
    } else {
      const packed = chunk as PackedChunk;
      value = packed.bytesAt(atHead ? 0 : packed.count - 1);
      if (atHead) packed.first++;
      else packed.last--;
    }
    if (chunk.count === 0) {
      if (atHead) chunks.shift();
      else chunks.pop();
    }
    this.size--;
    return value;
  }

  /** Element `index` (0 <= index < size). */
  at(index: number): Uint8Array {
    const [ci, offset] = this.locate(index);
    return (this.chunks[ci] as Chunk).bytesAt(offset);
  }

  /** Elements start..end inclusive (0 <= start <= end < size), in order. */
  range(start: number, end: number): Uint8Array[] {
    assert(start >= 0 && start <= end && end < this.size, 'list range out of bounds');
    const out = new Array<Uint8Array>(end - start + 1);
    let [ci, offset] = this.locate(start);
    // A chunk's share of the range at a time: an open chunk's strings go into one buffer.
    for (let k = 0; k < out.length; ci++, offset = 0) {
      const chunk = this.chunks[ci] as Chunk;
      const count = Math.min(chunk.count - offset, out.length - k);
      chunk.bytesRangeInto(offset, count, out, k);
      k += count;
    }
    return out;
  }

  /** Every element head to tail as latin1 strings (SORT reads a list through this). */
  members(): string[] {
    if (this.size === 0) return [];
    return this.range(0, this.size - 1).map((bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1'));
  }

  /** Replaces element `index` (0 <= index < size). */
  set(index: number, text: string): void {
    const [ci, offset] = this.locate(index);
    this.splice(ci, offset, 1, text);
  }

  /** Inserts before position `index` (0 <= index <= size; size appends). */
  insert(index: number, text: string): void {
    assert(index >= 0 && index <= this.size, 'list insert position out of bounds');
    if (index === 0 || index === this.size) {
      this.push(index === 0, text);
      return;
    }
    const [ci, offset] = this.locate(index);
    this.splice(ci, offset, 0, text);
  }

  /** Drops `headCount` elements from the head and `tailCount` from the tail (together at most size). */
  trim(headCount: number, tailCount: number): void {
    assert(headCount >= 0 && tailCount >= 0 && headCount + tailCount <= this.size, 'list trim beyond its size');
    this.dropEnd(true, headCount);
    this.dropEnd(false, tailCount);
  }

  /**
   * Visits the indexes of elements equal to `value`, from the head or from the tail, looking at no
   * more than `scanMax` elements (0: all); stops when `visit` returns false.
   */
  find(value: Uint8Array, fromTail: boolean, scanMax: number, visit: (index: number) => boolean): void {
    const text = keyOf(value);
    const chunks = this.chunks;
    let scanned = 0;
    let base = fromTail ? this.size : 0;
    for (let n = 0; n < chunks.length; n++) {
      const chunk = chunks[fromTail ? chunks.length - 1 - n : n] as Chunk;
      if (fromTail) base -= chunk.count;
      for (let k = 0; k < chunk.count; k++) {
        if (scanMax !== 0 && scanned === scanMax) return;
        scanned++;
        const offset = fromTail ? chunk.count - 1 - k : k;
        if (chunk.equalsAt(offset, value, text) && !visit(base + offset)) return;
      }
      if (!fromTail) base += chunk.count;
    }
  }

  /** Removes up to `limit` elements equal to `value` (0: all), from the head or the tail; returns how many. */
  remove(value: Uint8Array, limit: number, fromTail: boolean): number {
    const text = keyOf(value);
    const chunks = this.chunks;
    // First pick the matches, chunk by chunk; then rebuild those chunks from the last one back, so
    // a rebuild (which may change the number of chunks) never moves a chunk still to rebuild.
    const picks = new Map<number, Set<number>>();
    let removed = 0;
    for (let n = 0; n < chunks.length && (limit === 0 || removed < limit); n++) {
      const ci = fromTail ? chunks.length - 1 - n : n;
      const chunk = chunks[ci] as Chunk;
      for (let k = 0; k < chunk.count && (limit === 0 || removed < limit); k++) {
        const offset = fromTail ? chunk.count - 1 - k : k;
        if (!chunk.equalsAt(offset, value, text)) continue;
        const offsets = picks.get(ci) ?? new Set<number>();
        picks.set(ci, offsets.add(offset));
        removed++;
      }
    }
    const edited = [...picks.keys()].sort((a, b) => b - a);
    for (const ci of edited) {
      const offsets = picks.get(ci) as Set<number>;
      this.replace(ci, (chunks[ci] as Chunk).strings().filter((_, i) => !offsets.has(i)));
    }
    if (removed > 0) this.mergeSmall(0, chunks.length - 1);
    return removed;
  }

  /** [chunk index, offset in it] of element `index`, walking from the nearer end. */
  private locate(index: number): [number, number] {
    assert(index >= 0 && index < this.size, 'list index out of bounds');
    const chunks = this.chunks;
    if (index < this.size / 2) {
      let rest = index;
      for (let ci = 0; ; ci++) {
        const count = (chunks[ci] as Chunk).count;
        if (rest < count) return [ci, rest];
        rest -= count;
      }
    }
    let rest = this.size - index; // 1 = the last element
    for (let ci = chunks.length - 1; ; ci--) {
      const count = (chunks[ci] as Chunk).count;
      if (rest <= count) return [ci, count - rest];
      rest -= count;
    }
  }

  /**
   * Replaces `deleteCount` (0 or 1) elements at `offset` of chunk `ci` with `text`: an open chunk in
   * place, a packed one by a byte copy, split in two when that takes it past the limits.
   */
  private splice(ci: number, offset: number, deleteCount: number, text: string): void {
    const chunk = this.chunks[ci] as Chunk;
    this.size += 1 - deleteCount;
    if (chunk instanceof OpenChunk) {
      chunk.items.splice(offset, deleteCount, text);
      chunk.recount();
      // Inserts never seal an open chunk as pushes do: pack it once it has grown well past a chunk.
      if (chunk.count > 2 * CHUNK_COUNT_MAX || chunk.bytes > 2 * CHUNK_BYTES_MAX) this.chunks.splice(ci, 1, ...packAll(chunk.items));
      return;
    }
    const next = (chunk as PackedChunk).spliced(offset, deleteCount, [text]);
    const over = next.count > CHUNK_COUNT_MAX || next.bytes > CHUNK_BYTES_MAX;
    const half = next.count >> 1;
    const parts = over && half > 0 ? [next.spliced(half, next.count - half, []), next.spliced(0, half, [])] : [next];
    this.chunks.splice(ci, 1, ...parts);
    this.mergeSmall(ci - 1, ci + parts.length);
  }

  /** Puts packed chunks of `items` in place of chunk `ci`; returns how many (0 when empty). */
  private replace(ci: number, items: readonly string[]): number {
    const before = (this.chunks[ci] as Chunk).count;
    const made = packAll(items);
    this.chunks.splice(ci, 1, ...made);
    this.size += items.length - before;
    return made.length;
  }

  /** Merges neighbouring packed chunks within [from, to] while two fit in one. */
  private mergeSmall(from: number, to: number): void {
    const chunks = this.chunks;
    for (let ci = Math.max(from, 0) + 1; ci <= Math.min(to, chunks.length - 1); ci++) {
      const a = chunks[ci - 1] as Chunk;
      const b = chunks[ci] as Chunk;
      if (!(a instanceof PackedChunk) || !(b instanceof PackedChunk)) continue;
      if (a.count + b.count > CHUNK_COUNT_MAX || a.bytes + b.bytes > CHUNK_BYTES_MAX) continue;
      chunks.splice(ci - 1, 2, ...packAll([...a.strings(), ...b.strings()]));
      ci--;
      to--;
    }
  }

  private dropEnd(atHead: boolean, count: number): void {
    const chunks = this.chunks;
    let rest = count;
    let whole = 0;
    while (rest > 0 && (chunks[atHead ? whole : chunks.length - 1 - whole] as Chunk).count <= rest) {
      rest -= (chunks[atHead ? whole : chunks.length - 1 - whole] as Chunk).count;
      whole++;
    }
    chunks.splice(atHead ? 0 : chunks.length - whole, whole);
    if (rest > 0) {
      const chunk = chunks[atHead ? 0 : chunks.length - 1] as Chunk;
      if (chunk instanceof OpenChunk) {
        const gone = atHead ? chunk.items.splice(0, rest) : chunk.items.splice(chunk.items.length - rest, rest);
        for (const item of gone) chunk.bytes -= item.length;
      } else if (atHead) (chunk as PackedChunk).first += rest;
      else (chunk as PackedChunk).last -= rest;
    }
    this.size -= count;
  }
}
