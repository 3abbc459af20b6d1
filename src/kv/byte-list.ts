// The framing the scripts snapshot section and FUNCTION DUMP share: a magic string, a u32 count,
// then that many u32-length-prefixed byte strings (little-endian).

import { Buffer } from 'node:buffer';

/** The framed bytes in a buffer `trailerBytes` longer, and where the trailer starts. */
export function encodeByteList(magic: string, items: readonly Uint8Array[], trailerBytes = 0): { readonly out: Buffer; readonly at: number } {
  let totalBytes = magic.length + 4 + trailerBytes;
  for (const item of items) totalBytes += 4 + item.length;
  const out = Buffer.allocUnsafe(totalBytes);
  let at = out.write(magic, 0, 'latin1');
  at = out.writeUInt32LE(items.length, at);
  for (const item of items) {
    at = out.writeUInt32LE(item.length, at);
    out.set(item, at);
    at += item.length;
  }
  return { out, at };
}
