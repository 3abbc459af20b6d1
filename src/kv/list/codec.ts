// A list's snapshot bytes: a u32 element count, then each element as a u32 length and its bytes
// (ListValue.encode writes them). The decoder packs chunks straight from the bytes (no string per
// element) and refuses anything malformed with CAIRN_CORRUPT.

import type { ByteReader } from '../reader.js';
import { pack, roomFor, type PackedChunk } from './chunk.js';
import { ListValue } from './list-value.js';

export function decodeList(r: ByteReader): ListValue {
  const count = r.u32('list length');
  // Each element takes at least its 4-byte length: a bigger count is corrupt.
  if (count > r.remaining / 4) r.corrupt(`list length ${count} beyond its ${r.remaining} bytes`);
  const chunks: PackedChunk[] = [];
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  for (let i = 0; i < count; i++) {
    const element = r.view(r.u32('list element length'), 'list element');
    if (!roomFor(pending.length, pendingBytes, element.length)) {
      chunks.push(pack(pending));
      pending = [];
      pendingBytes = 0;
    }
    pending.push(element);
    pendingBytes += element.length;
  }
  if (pending.length > 0) chunks.push(pack(pending));
  return new ListValue(chunks);
}
