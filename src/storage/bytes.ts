// Little-endian integer helpers shared by every storage file format. Indexes and terms are stored
// as u64 but must stay below 2^53 so they fit a JavaScript number exactly.

import { assert } from '../lib/assert.js';

const TWO_POW_32 = 0x1_0000_0000;

export function writeU64(view: DataView, offset: number, value: number): void {
  assert(Number.isSafeInteger(value), 'u64 value must be a safe integer');
  assert(value >= 0, 'u64 value must not be negative');
  view.setUint32(offset, value % TWO_POW_32, true);
  view.setUint32(offset + 4, Math.floor(value / TWO_POW_32), true);
}

/** Reads a u64; returns -1 when the value does not fit a safe integer (the caller treats it as damage). */
export function readU64(view: DataView, offset: number): number {
  const low = view.getUint32(offset, true);
  const high = view.getUint32(offset + 4, true);
  if (high > 0x1f_ffff) return -1;
  return high * TWO_POW_32 + low;
}

export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    assert(code < 128, 'ascii text expected');
    out[i] = code;
  }
  return out;
}

export function startsWith(bytes: Uint8Array, prefix: Uint8Array, offset = 0): boolean {
  if (bytes.length < offset + prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[offset + i] !== prefix[i]) return false;
  return true;
}
