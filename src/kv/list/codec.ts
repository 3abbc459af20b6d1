// A list's snapshot bytes: a u32 element count, then each element as a u32 length and its bytes
// (ListValue.encode writes them). The decoder refuses anything else with CAIRN_CORRUPT.

import type { ByteReader } from '../reader.js';
import { ListValue } from './list-value.js';

export function decodeList(r: ByteReader): ListValue {
  const count = r.u32('list length');
  // Each element takes at least its 4-byte length: a bigger count is corrupt (and no huge array is made).
  if (count > r.remaining / 4) r.corrupt(`list length ${count} beyond its ${r.remaining} bytes`);
  const items = new Array<string>(count);
  for (let i = 0; i < count; i++) items[i] = r.latin1(r.u32('list element length'), 'list element');
  return ListValue.of(items);
}
