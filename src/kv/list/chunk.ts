// One run of a list's elements, as a quicklist node holds a listpack, in one of two forms:
// - OpenChunk: an array of latin1 strings, cheap to push to and pop from; a list keeps one at each
//   end while it grows there.
// - PackedChunk: the elements' bytes back to back in one buffer with their end offsets beside it
//   (2 bytes of overhead per element for chunks under 64 KiB). Its bytes are never written after it
//   is built (pops only move `first`/`last`, edits build a new chunk), so views into it stay valid.

import { Buffer } from 'node:buffer';
import { assert } from '../../lib/assert.js';
import { keyBytes } from '../bytes.js';

/** A chunk is packed once it holds this many elements or bytes (Redis: list-max-listpack-size -2, 8 KiB). */
export const CHUNK_COUNT_MAX = 512;
export const CHUNK_BYTES_MAX = 8192;

/** Node's Buffer has latin1Slice/latin1Write (what toString/write('latin1') call, minus the argument checks). */
interface Latin1Buffer extends Buffer {
  latin1Slice(start: number, end: number): string;
  latin1Write(text: string, offset: number): number;
}

export interface Chunk {
  readonly count: number;
  /** Total element bytes. */
  readonly bytes: number;
  /** Element i's bytes (a view or a fresh copy: the caller must not write to it). */
  bytesAt(i: number): Uint8Array;
  /** Elements [from, from + count) as views (the caller must not write to them), stored in out[at...]. */
  bytesRangeInto(from: number, count: number, out: Uint8Array[], at: number): void;
  textAt(i: number): string;
  equalsAt(i: number, value: Uint8Array, text: string): boolean;
  /** The live elements as latin1 strings, in order (a new array). */
  strings(): string[];
  memoryBytes(): number;
}

export class OpenChunk implements Chunk {
  bytes: number;

  constructor(readonly items: string[]) {
    this.bytes = 0;
    this.recount();
  }

  /** Recomputes `bytes` after the items were changed in place. */
  recount(): void {
    let bytes = 0;
    for (const item of this.items) bytes += item.length;
    this.bytes = bytes;
  }

  get count(): number {
    return this.items.length;
  }

  /** Whether one more element would take it past a packed chunk's limits. */
  get full(): boolean {
    return this.items.length >= CHUNK_COUNT_MAX || this.bytes >= CHUNK_BYTES_MAX;
  }

  bytesAt(i: number): Uint8Array {
    return keyBytes(this.textAt(i));
  }

  /** Copies the strings into one new buffer and hands out views of it: one allocation, not one per element (LRANGE). */
  bytesRangeInto(from: number, count: number, out: Uint8Array[], at: number): void {
    assert(from >= 0 && count >= 0 && from + count <= this.items.length, 'open chunk range out of bounds');
    const items = this.items;
    let total = 0;
    for (let i = from; i < from + count; i++) total += (items[i] as string).length;
    const data = Buffer.allocUnsafe(total) as Latin1Buffer;
    let offset = 0;
    for (let i = 0; i < count; i++) {
      const start = offset;
      offset += data.latin1Write(items[from + i] as string, offset);
      out[at + i] = data.subarray(start, offset);
    }
    assert(offset === total, 'latin1 strings are one byte per char');
  }

  textAt(i: number): string {
    const item = this.items[i];
    assert(item !== undefined, 'open chunk index out of range');
    return item;
  }

  equalsAt(i: number, _value: Uint8Array, text: string): boolean {
    return this.items[i] === text;
  }

  strings(): string[] {
    return this.items.slice();
  }

  memoryBytes(): number {
    // V8: an 8-byte-aligned one-byte string has a 12-byte header; an array slot is 4 bytes.
    return 48 + this.items.length * 4 + this.items.length * 16 + this.bytes;
  }
}

export class PackedChunk implements Chunk {
  /** Invariant: 0 <= first <= last <= ends.length; elements [first, last) are live. */
  constructor(
    private readonly data: Latin1Buffer,
    private readonly ends: Uint16Array | Uint32Array,
    public first: number,
    public last: number,
  ) {
    assert(first >= 0 && first <= last, 'packed chunk bounds out of order');
    assert(last <= ends.length, 'packed chunk bound beyond its elements');
  }

  get count(): number {
    return this.last - this.first;
  }

  get bytes(): number {
    return this.offset(this.last) - this.offset(this.first);
  }

  /** Where absolute element j starts (for j = ends.length: where the data ends). */
  private offset(j: number): number {
    return j === 0 ? 0 : (this.ends[j - 1] as number);
  }

  private startOf(i: number): number {
    return this.offset(this.first + i);
  }

  private endOf(i: number): number {
    return this.ends[this.first + i] as number;
  }

  bytesAt(i: number): Uint8Array {
    assert(i >= 0 && i < this.count, 'packed chunk index out of range');
    return this.data.subarray(this.startOf(i), this.endOf(i));
  }

  bytesRangeInto(from: number, count: number, out: Uint8Array[], at: number): void {
    assert(from >= 0 && count >= 0 && from + count <= this.count, 'packed chunk range out of bounds');
    const data = this.data;
    let start = this.startOf(from);
    for (let i = 0; i < count; i++) {
      const end = this.endOf(from + i);
      out[at + i] = data.subarray(start, end);
      start = end;
    }
  }

  textAt(i: number): string {
    assert(i >= 0 && i < this.count, 'packed chunk index out of range');
    return this.data.latin1Slice(this.startOf(i), this.endOf(i));
  }

  equalsAt(i: number, value: Uint8Array, _text: string): boolean {
    const start = this.startOf(i);
    const length = this.endOf(i) - start;
    if (length !== value.length) return false;
    const data = this.data;
    for (let k = 0; k < length; k++) if (data[start + k] !== value[k]) return false;
    return true;
  }

  strings(): string[] {
    const out: string[] = new Array<string>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.textAt(i);
    return out;
  }

  /**
   * A new chunk of this one's live elements with [offset, offset + deleteCount) replaced by
   * `items`, built by copying bytes (no string per element); it may exceed the limits.
   */
  spliced(offset: number, deleteCount: number, items: readonly string[]): PackedChunk {
    assert(offset >= 0 && deleteCount >= 0 && offset + deleteCount <= this.count, 'splice beyond the chunk');
    const base = this.offset(this.first);
    const cutStart = this.offset(this.first + offset);
    const cutEnd = this.offset(this.first + offset + deleteCount);
    const liveEnd = this.offset(this.last);
    let added = 0;
    for (const item of items) added += item.length;
    const total = cutStart - base + added + liveEnd - cutEnd;
    const ends = total <= 0xffff ? new Uint16Array(this.count - deleteCount + items.length) : new Uint32Array(this.count - deleteCount + items.length);
    const data = Buffer.alloc(total) as Latin1Buffer;
    this.data.copy(data, 0, base, cutStart);
    let k = 0;
    for (let j = this.first; j < this.first + offset; j++) ends[k++] = (this.ends[j] as number) - base;
    let at = cutStart - base;
    for (const item of items) {
      at += data.latin1Write(item, at);
      ends[k++] = at;
    }
    this.data.copy(data, at, cutEnd, liveEnd);
    const shift = at - cutEnd;
    for (let j = this.first + offset + deleteCount; j < this.last; j++) ends[k++] = (this.ends[j] as number) + shift;
    assert(k === ends.length, 'spliced chunk miscounted');
    return new PackedChunk(data, ends, 0, ends.length);
  }

  /** Another chunk over the same (never written) bytes, with bounds of its own: COPY's clone. */
  share(): PackedChunk {
    return new PackedChunk(this.data, this.ends, this.first, this.last);
  }

  memoryBytes(): number {
    // Two typed arrays with their backing stores, the chunk object, the bytes and the offsets.
    return 256 + this.data.length + this.ends.byteLength;
  }
}

/** Whether a chunk holding `count` elements of `bytes` in all takes one more of `length` bytes (an empty one always does). */
export function roomFor(count: number, bytes: number, length: number): boolean {
  return count === 0 || (count < CHUNK_COUNT_MAX && bytes + length <= CHUNK_BYTES_MAX);
}

/** Packs items[from, to) (latin1 strings or bytes) into one chunk. */
export function pack(items: readonly (string | Uint8Array)[], from = 0, to = items.length): PackedChunk {
  assert(from >= 0 && from < to && to <= items.length, 'pack needs a non-empty range');
  let total = 0;
  for (let i = from; i < to; i++) total += (items[i] as string | Uint8Array).length;
  const data = Buffer.alloc(total) as Latin1Buffer; // never pooled: a chunk must not pin a shared slab
  const ends = total <= 0xffff ? new Uint16Array(to - from) : new Uint32Array(to - from);
  let at = 0;
  for (let i = from; i < to; i++) {
    const item = items[i] as string | Uint8Array;
    if (typeof item === 'string') {
      at += data.latin1Write(item, at);
    } else {
      data.set(item, at);
      at += item.length;
    }
    ends[i - from] = at;
  }
  assert(at === total, 'packed bytes differ from the elements');
  return new PackedChunk(data, ends, 0, to - from);
}

/** Packs items into as many chunks as the limits need (none for no items). */
export function packAll(items: readonly string[]): PackedChunk[] {
  const out: PackedChunk[] = [];
  let from = 0;
  let bytes = 0;
  for (let i = 0; i < items.length; i++) {
    const length = (items[i] as string).length;
    if (!roomFor(i - from, bytes, length)) {
      out.push(pack(items, from, i));
      from = i;
      bytes = 0;
    }
    bytes += length;
  }
  if (from < items.length) out.push(pack(items, from, items.length));
  return out;
}
