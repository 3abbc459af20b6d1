// A growable byte buffer for simulated file contents: amortized O(1) appends, O(1) truncation.

import { assert } from '../lib/assert.js';

export class GrowableBytes {
  private bytes: Uint8Array;
  private length = 0;

  constructor(initialCapacityBytes = 64) {
    assert(initialCapacityBytes > 0, 'initial capacity must be positive');
    this.bytes = new Uint8Array(initialCapacityBytes);
  }

  get sizeBytes(): number {
    return this.length;
  }

  append(data: Uint8Array): void {
    const needed = this.length + data.length;
    if (needed > this.bytes.length) {
      const grown = new Uint8Array(Math.max(needed, this.bytes.length * 2));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(data, this.length);
    this.length = needed;
  }

  truncate(sizeBytes: number): void {
    assert(sizeBytes >= 0, 'truncate: size must not be negative');
    assert(sizeBytes <= this.length, 'truncate: size must not exceed the current size');
    this.length = sizeBytes;
  }

  /** A copy of bytes [position, position + length), shorter at the end. */
  read(position: number, length: number): Uint8Array {
    const start = Math.min(position, this.length);
    const end = Math.min(position + length, this.length);
    return this.bytes.slice(start, end);
  }

  copy(): GrowableBytes {
    const out = new GrowableBytes(Math.max(64, this.length));
    out.append(this.bytes.subarray(0, this.length));
    return out;
  }
}
