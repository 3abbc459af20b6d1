// Reads a sorted set back from its snapshot bytes (ZSet.encode wrote them): the encoding byte, the
// count, then (member, score) pairs in order. Anything a ZSet could not hold is CAIRN_CORRUPT:
// out-of-order or repeated pairs, NaN, a listpack too big or holding -0.

import type { ByteReader } from '../reader.js';
import { memberOf } from './access.js';
import { before, ScoreOrder } from './order.js';
import { ENCODING_LISTPACK, ENCODING_SKIPLIST, LISTPACK_ENTRIES_MAX, LISTPACK_VALUE_BYTES_MAX, ZSet } from './zset.js';

const PAIR_BYTES_MIN = 4 + 8;

export function decodeZSet(r: ByteReader): ZSet {
  const encoding = r.u8('zset encoding');
  if (encoding !== ENCODING_LISTPACK && encoding !== ENCODING_SKIPLIST) r.corrupt(`unknown zset encoding ${encoding}`);
  const count = r.u32('zset size');
  if (count * PAIR_BYTES_MIN > r.remaining) r.corrupt(`zset of ${count} members in ${r.remaining} bytes`);
  const listpack = encoding === ENCODING_LISTPACK;
  if (listpack && count > LISTPACK_ENTRIES_MAX) r.corrupt(`listpack zset of ${count} members`);
  const members: string[] = new Array<string>(count);
  const scores: number[] = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const member = memberOf(r.view(r.u32('zset member length'), 'zset member'));
    const score = r.f64('zset score');
    if (listpack && (member.length > LISTPACK_VALUE_BYTES_MAX || Object.is(score, -0))) r.corrupt('listpack zset member out of bounds');
    if (i > 0 && !before(scores[i - 1] as number, members[i - 1] as string, score, member)) r.corrupt('zset members out of order');
    members[i] = member;
    scores[i] = score;
  }
  const map = listpack ? null : new Map<string, number>();
  if (map !== null) {
    for (let i = 0; i < count; i++) map.set(members[i] as string, scores[i] as number);
    if (map.size !== count) r.corrupt('zset member repeated');
  } else if (new Set(members).size !== count) r.corrupt('zset member repeated');
  return new ZSet(!listpack, ScoreOrder.fromSorted(members, scores), map);
}
