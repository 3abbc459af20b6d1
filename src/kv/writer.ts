// A growable little-endian byte writer for snapshot forms of values. The reading side is reader.ts.

import { Buffer } from 'node:buffer';

export class ByteWriter {
  private buf: Buffer;
  private at = 0;

  constructor(initialBytes = 256) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initialBytes));
  }

  get length(): number {
    return this.at;
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + bytes));
    this.buf.copy(grown, 0, 0, this.at);
    this.buf = grown;
  }

  u8(value: number): void {
    this.room(1);
    this.buf[this.at++] = value;
  }

  u32(value: number): void {
    this.room(4);
    this.at = this.buf.writeUInt32LE(value, this.at);
  }

  f64(value: number): void {
    this.room(8);
    this.at = this.buf.writeDoubleLE(value, this.at);
  }

  /** A u32 length and the bytes. */
  bytes(value: Uint8Array): void {
    this.u32(value.length);
    this.room(value.length);
    this.buf.set(value, this.at);
    this.at += value.length;
  }

  /** A latin1 string (one byte per char) as a u32 length and its bytes. */
  latin1(value: string): void {
    this.u32(value.length);
    this.room(value.length);
    this.at += this.buf.write(value, this.at, 'latin1');
  }

  /** The bytes written so far (a view; the writer must not be used afterwards). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }
}
