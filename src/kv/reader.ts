// A cursor over untrusted bytes (snapshots, log entries): every read is bounds-checked and a
// malformation throws CairnError CAIRN_CORRUPT naming what was being read and where.

import { Buffer } from 'node:buffer';
import { CairnError } from '../lib/errors.js';
import { keyOf, StoreOwnedBytes } from './bytes.js';

/** Node's Buffer has latin1Slice (what toString('latin1', start, end) calls, minus the argument checks). */
export interface NodeBuffer extends Buffer {
  latin1Slice(start: number, end: number): string;
}

export class ByteReader {
  at = 0;
  readonly buf: NodeBuffer;

  constructor(bytes: Uint8Array, private readonly context: string) {
    // Log entries arrive as Buffers (views into a segment file): no second view per entry.
    this.buf = (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)) as NodeBuffer;
  }

  get remaining(): number {
    return this.buf.length - this.at;
  }

  corrupt(message: string): never {
    throw new CairnError('CAIRN_CORRUPT', `${this.context}: ${message} at offset ${this.at}`);
  }

  need(bytes: number, what: string): void {
    if (bytes < 0 || bytes > this.buf.length - this.at) this.corrupt(`truncated ${what}`);
  }

  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.at++] as number;
  }

  u32(what: string): number {
    this.need(4, what);
    const value = this.buf.readUInt32LE(this.at);
    this.at += 4;
    return value;
  }

  /** A double that must be a safe integer no less than `min`. */
  int(what: string, min: number): number {
    this.need(8, what);
    const value = this.buf.readDoubleLE(this.at);
    if (!Number.isSafeInteger(value) || value < min) this.corrupt(`bad ${what} ${value}`);
    this.at += 8;
    return value;
  }

  /** Any double (scores, floats); NaN is refused as corrupt. */
  f64(what: string): number {
    this.need(8, what);
    const value = this.buf.readDoubleLE(this.at);
    if (Number.isNaN(value)) this.corrupt(`bad ${what}`);
    this.at += 8;
    return value;
  }

  latin1(bytes: number, what: string): string {
    this.need(bytes, what);
    const text = keyOf(new Uint8Array(this.buf.buffer, this.buf.byteOffset + this.at, bytes));
    this.at += bytes;
    return text;
  }

  /** A view (no copy) of the next `bytes` bytes, which the caller asserts are the store's own. */
  ownedView(bytes: number, what: string): StoreOwnedBytes {
    this.need(bytes, what);
    const out = new StoreOwnedBytes(this.buf.buffer as ArrayBuffer, this.buf.byteOffset + this.at, bytes);
    this.at += bytes;
    return out;
  }

  /** A view (no copy) of the next `bytes` bytes. */
  view(bytes: number, what: string): Uint8Array {
    this.need(bytes, what);
    const out = new Uint8Array(this.buf.buffer, this.buf.byteOffset + this.at, bytes);
    this.at += bytes;
    return out;
  }
}
