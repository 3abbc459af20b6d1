// A follower's side of InstallSnapshot: assembles chunks that arrive in order into one buffer.
// Out-of-order or foreign chunks are answered with the offset it expects, so the leader resends.
// Offset 0 always starts a new transfer.

import { assert } from '../lib/assert.js';
import type { SnapshotMessage, SnapshotMeta } from './types.js';

/** The largest snapshot a follower accepts (it allocates the whole buffer up front). */
export const SNAPSHOT_BYTES_MAX = 2 ** 31 - 1;

export class SnapshotReceiver {
  private meta: SnapshotMeta | null = null;
  private buffer: Uint8Array | null = null;
  private offset = 0;

  /**
   * Takes one chunk. Returns the whole data when this chunk completed it, else null; `expected()`
   * then tells the offset to ask for next.
   */
  receive(m: SnapshotMessage): Uint8Array | null {
    // A transfer always starts at offset 0 (a new leader's snapshot of the same index may be
    // encoded differently, so chunks of two transfers never mix): offset 0 starts afresh.
    if (m.offset === 0) {
      assert(Number.isSafeInteger(m.totalBytes), 'snapshot: total size not an integer');
      assert(m.totalBytes >= 0 && m.totalBytes <= SNAPSHOT_BYTES_MAX, 'snapshot: size out of range');
      this.meta = m.meta;
      this.buffer = new Uint8Array(m.totalBytes);
      this.offset = 0;
    }
    if (this.meta === null || this.meta.index !== m.meta.index || this.meta.term !== m.meta.term) return null;
    const buffer = this.buffer!;
    if (m.offset !== this.offset || m.totalBytes !== buffer.length) return null;
    if (m.chunk.length > buffer.length - this.offset) return null;
    buffer.set(m.chunk, this.offset);
    this.offset += m.chunk.length;
    if (this.offset < buffer.length) return null;
    this.reset();
    return buffer;
  }

  /** The snapshot index being received (0 if none) and the next byte offset expected. */
  expected(): { index: number; offset: number } {
    return { index: this.meta?.index ?? 0, offset: this.offset };
  }

  reset(): void {
    this.meta = null;
    this.buffer = null;
    this.offset = 0;
  }
}
