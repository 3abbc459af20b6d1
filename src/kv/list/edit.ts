// LSET LINSERT LREM LTRIM LPOS, as Redis 7.0's t_list.c runs them, with its order of checks
// (LSET looks the key up before parsing the index; the others parse first).

import { NULL, OK, errorReply, integerReply, type Reply } from '../../lib/reply.js';
import { ERR_NOT_INTEGER, ERR_NO_SUCH_KEY, ERR_SYNTAX, INT64_MIN, parseInt64 } from '../args.js';
import { keyOf } from '../bytes.js';
import { WRONGTYPE } from '../collection.js';
import type { ExecContext } from '../command-types.js';
import { changedInPlace } from '../typed.js';
import { EMPTY_ARRAY, ERR_INDEX_RANGE, ZERO, isWord, listOf, parseLong, readList, writeRecord } from './access.js';
import { fromEnd } from './push-pop.js';

const MINUS_ONE = integerReply(-1);
const ERR_RANK_ZERO = errorReply(
  'ERR RANK can\'t be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list');
const ERR_COUNT_NEGATIVE = errorReply('ERR COUNT can\'t be negative');
const ERR_MAXLEN_NEGATIVE = errorReply('ERR MAXLEN can\'t be negative');

export function lset(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const record = writeRecord(ctx, keyOf(argv[1] as Uint8Array));
  if (record === undefined) return ERR_NO_SUCH_KEY;
  if (record === null) return WRONGTYPE;
  const indexArg = parseLong(argv[2] as Uint8Array);
  if (indexArg === undefined) return ERR_NOT_INTEGER;
  const list = listOf(record);
  const index = fromEnd(indexArg, list.size);
  if (index < 0 || index >= list.size) return ERR_INDEX_RANGE;
  list.set(index, keyOf(argv[3] as Uint8Array));
  ctx.db.touch(record);
  ctx.db.notify('l', 'lset', keyOf(argv[1] as Uint8Array));
  return OK;
}

export function linsert(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const side = argv[2] as Uint8Array;
  const after = isWord(side, 'after');
  if (!after && !isWord(side, 'before')) return ERR_SYNTAX;
  const record = writeRecord(ctx, keyOf(argv[1] as Uint8Array));
  if (record === undefined) return ZERO;
  if (record === null) return WRONGTYPE;
  const list = listOf(record);
  let pivot = -1;
  list.find(argv[3] as Uint8Array, false, 0, (index) => {
    pivot = index;
    return false;
  });
  if (pivot === -1) return MINUS_ONE;
  list.insert(after ? pivot + 1 : pivot, keyOf(argv[4] as Uint8Array));
  ctx.db.touch(record);
  ctx.db.notify('l', 'linsert', keyOf(argv[1] as Uint8Array));
  return integerReply(list.size);
}

export function lrem(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const count = parseInt64(argv[2] as Uint8Array);
  if (count === undefined) return ERR_NOT_INTEGER;
  const key = keyOf(argv[1] as Uint8Array);
  const record = writeRecord(ctx, key);
  if (record === undefined) return ZERO;
  if (record === null) return WRONGTYPE;
  // -LONG_MIN overflows to itself in Redis, a limit never reached: every match goes.
  const limit = count === INT64_MIN ? 0 : Number(count < 0n ? -count : count);
  const removed = listOf(record).remove(argv[3] as Uint8Array, limit, count < 0n);
  if (removed > 0) changedInPlace(ctx.db, key, record, 'l', 'lrem');
  return integerReply(removed);
}

export function ltrim(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const startArg = parseLong(argv[2] as Uint8Array);
  const endArg = parseLong(argv[3] as Uint8Array);
  if (startArg === undefined || endArg === undefined) return ERR_NOT_INTEGER;
  const key = keyOf(argv[1] as Uint8Array);
  const record = writeRecord(ctx, key);
  if (record === undefined) return OK;
  if (record === null) return WRONGTYPE;
  const list = listOf(record);
  const size = list.size;
  const start = Math.max(fromEnd(startArg, size), 0);
  const end = Math.min(fromEnd(endArg, size), size - 1);
  if (start > end || start >= size) list.trim(size, 0);
  else list.trim(start, size - end - 1);
  changedInPlace(ctx.db, key, record, 'l', 'ltrim'); // Redis signals a modification (and raises ltrim) even when nothing went
  return OK;
}

interface LposOptions {
  rank: bigint;
  /** -1 when COUNT was not given; 0 = all matches. */
  count: number;
  maxlen: number;
}

/** LPOS's options, or the error reply for the first bad one. */
function lposOptions(argv: readonly Uint8Array[]): LposOptions | Reply {
  const o: LposOptions = { rank: 1n, count: -1, maxlen: 0 };
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j] as Uint8Array;
    const value = argv[j + 1];
    if (value === undefined) return ERR_SYNTAX;
    j++;
    if (isWord(opt, 'rank')) {
      const rank = parseInt64(value);
      if (rank === undefined) return ERR_NOT_INTEGER;
      if (rank === 0n) return ERR_RANK_ZERO;
      o.rank = rank;
    } else if (isWord(opt, 'count') || isWord(opt, 'maxlen')) {
      const parsed = parseInt64(value);
      const isCount = isWord(opt, 'count');
      if (parsed === undefined || parsed < 0n) return isCount ? ERR_COUNT_NEGATIVE : ERR_MAXLEN_NEGATIVE;
      if (isCount) o.count = Number(parsed);
      else o.maxlen = Number(parsed);
    } else {
      return ERR_SYNTAX;
    }
  }
  return o;
}

export function lpos(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const o = lposOptions(argv);
  if (!('rank' in o)) return o;
  const list = readList(ctx, argv[1] as Uint8Array);
  if (list === undefined) return o.count !== -1 ? EMPTY_ARRAY : NULL;
  if (list === null) return WRONGTYPE;
  // Redis negates a negative rank to search from the tail; LONG_MIN stays itself, which every match
  // passes and which keeps COUNT from ever ending the search.
  const rankMin = o.rank === INT64_MIN;
  const rank = rankMin ? 1 : Number(o.rank < 0n ? -o.rank : o.rank);
  const found: number[] = [];
  let matches = 0;
  list.find(argv[2] as Uint8Array, o.rank < 0n, o.maxlen, (index) => {
    matches++;
    if (matches < rank) return true;
    found.push(index);
    if (o.count === -1) return false;
    return o.count === 0 || rankMin || matches - rank + 1 < o.count;
  });
  if (o.count !== -1) return { type: 'array', items: found.map((index) => integerReply(index)) };
  return found.length === 0 ? NULL : integerReply(found[0] as number);
}
