// Splits a byte stream into frame bodies. Chunks are kept in a list and each byte is copied at
// most once (a frame inside one chunk is handed out as a view), so a 64 MiB frame arriving in
// 64 KiB reads costs linear, not quadratic, time. A length outside 2..maxFrameBytes throws
// CAIRN_CORRUPT before any of the frame is buffered: at most maxFrameBytes + 4 bytes are held.

import { assert } from '../../lib/assert.js';
import { corrupt, FRAME_HEADER_BYTES, FRAME_LENGTH_BYTES } from './wire.js';

export class FrameSplitter {
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;
  /** Body length of the frame being assembled, or -1 while its length prefix is incomplete. */
  private bodyBytes = -1;

  constructor(private maxFrameBytes: number) {
    this.setMaxFrameBytes(maxFrameBytes);
  }

  /** Changes the cap for frames whose length has not been read yet (a handshake raises it). */
  setMaxFrameBytes(maxFrameBytes: number): void {
    assert(Number.isInteger(maxFrameBytes), 'maxFrameBytes must be an integer');
    assert(maxFrameBytes >= FRAME_HEADER_BYTES, 'maxFrameBytes too small');
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Bytes held for a frame that is not complete yet. */
  get pendingBytes(): number {
    return this.bufferedBytes;
  }

  /**
   * Adds received bytes and returns the bodies of the frames they complete, in order.
   * Throws CAIRN_CORRUPT for a frame length out of range; the stream is then unusable.
   */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.bufferedBytes += chunk.length;
    const bodies: Buffer[] = [];
    // Each pass consumes at least FRAME_LENGTH_BYTES + FRAME_HEADER_BYTES bytes, so this ends.
    for (;;) {
      if (this.bodyBytes < 0) {
        if (this.bufferedBytes < FRAME_LENGTH_BYTES) break;
        const length = this.take(FRAME_LENGTH_BYTES).readUInt32BE(0);
        if (length < FRAME_HEADER_BYTES) throw corrupt(`frame length ${length} is shorter than a header`);
        if (length > this.maxFrameBytes) throw corrupt(`frame length ${length} exceeds the cap of ${this.maxFrameBytes} bytes`);
        this.bodyBytes = length;
      }
      if (this.bufferedBytes < this.bodyBytes) break;
      bodies.push(this.take(this.bodyBytes));
      this.bodyBytes = -1;
    }
    assert(this.bufferedBytes >= 0, 'buffered byte count went negative');
    return bodies;
  }

  /** Removes exactly `bytes` from the front: a view when one chunk holds them, else one copy. */
  private take(bytes: number): Buffer {
    assert(bytes <= this.bufferedBytes, 'take past the buffered bytes');
    this.bufferedBytes -= bytes;
    const first = this.chunks[0] as Buffer;
    if (first.length >= bytes) {
      if (first.length === bytes) this.chunks.shift();
      else this.chunks[0] = first.subarray(bytes);
      return first.subarray(0, bytes);
    }
    const out = Buffer.allocUnsafe(bytes);
    let filled = 0;
    while (filled < bytes) {
      const chunk = this.chunks[0] as Buffer;
      const used = Math.min(chunk.length, bytes - filled);
      chunk.copy(out, filled, 0, used);
      filled += used;
      if (used === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(used);
    }
    return out;
  }
}
