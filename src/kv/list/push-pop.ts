// LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX, as Redis 7.0's t_list.c runs them
// (arguments checked before the key is looked up, except LINDEX's index, which Redis parses after).

import { NULL, integerReply, type Reply } from '../../lib/reply.js';
import { ERR_NOT_INTEGER, arityError, parseInt64 } from '../args.js';
import { keyOf } from '../bytes.js';
import { WRONGTYPE } from '../collection.js';
import type { ExecContext, Handler } from '../command-types.js';
import { changedInPlace } from '../typed.js';
import {
  EMPTY_ARRAY, ERR_MUST_BE_POSITIVE, NULL_ARRAY, ZERO, bulkArray, createList, listOf, parseLong, popMany, readList, writeRecord,
} from './access.js';

/** LPUSH / RPUSH, and with `onlyIfExists` LPUSHX / RPUSHX. */
export function pushCommand(atHead: boolean, onlyIfExists: boolean): Handler {
  return (ctx: ExecContext, argv: readonly Uint8Array[]): Reply => {
    const key = keyOf(argv[1] as Uint8Array);
    const record = writeRecord(ctx, key);
    if (record === null) return WRONGTYPE;
    if (record === undefined && onlyIfExists) return ZERO;
    const list = record === undefined ? createList(ctx, key, atHead, keyOf(argv[2] as Uint8Array)) : listOf(record);
    for (let i = record === undefined ? 3 : 2; i < argv.length; i++) list.push(atHead, keyOf(argv[i] as Uint8Array));
    if (record !== undefined) ctx.db.touch(record);
    ctx.db.notify('l', atHead ? 'lpush' : 'rpush', key);
    return integerReply(list.size);
  };
}

/** LPOP / RPOP key [count]: a bulk without count, an array with it. */
export function popCommand(atHead: boolean, name: string): Handler {
  return (ctx: ExecContext, argv: readonly Uint8Array[]): Reply => {
    if (argv.length > 3) return arityError(name);
    const countArg = argv[2];
    let count = -1;
    if (countArg !== undefined) {
      const parsed = parseInt64(countArg);
      if (parsed === undefined || parsed < 0n) return ERR_MUST_BE_POSITIVE;
      count = Number(parsed);
    }
    const key = keyOf(argv[1] as Uint8Array);
    const record = writeRecord(ctx, key);
    if (record === undefined) return count === -1 ? NULL : NULL_ARRAY;
    if (record === null) return WRONGTYPE;
    if (count === 0) return EMPTY_ARRAY;
    const list = listOf(record);
    const reply: Reply = count === -1 ? { type: 'bulk', value: list.pop(atHead) } : bulkArray(popMany(list, atHead, count));
    changedInPlace(ctx.db, key, record, 'l', atHead ? 'lpop' : 'rpop');
    return reply;
  };
}

export function llen(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const list = readList(ctx, argv[1] as Uint8Array);
  if (list === null) return WRONGTYPE;
  return list === undefined ? ZERO : integerReply(list.size);
}

/** Redis's negative-index rule: from the end, then clamped at 0 (for starts). */
export function fromEnd(index: number, size: number): number {
  return index < 0 ? size + index : index;
}

export function lrange(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const startArg = parseLong(argv[2] as Uint8Array);
  const endArg = parseLong(argv[3] as Uint8Array);
  if (startArg === undefined || endArg === undefined) return ERR_NOT_INTEGER;
  const list = readList(ctx, argv[1] as Uint8Array);
  if (list === null) return WRONGTYPE;
  if (list === undefined) return EMPTY_ARRAY;
  const start = Math.max(fromEnd(startArg, list.size), 0);
  const end = Math.min(fromEnd(endArg, list.size), list.size - 1);
  if (start > end || start >= list.size) return EMPTY_ARRAY;
  return bulkArray(list.range(start, end));
}

export function lindex(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const list = readList(ctx, argv[1] as Uint8Array);
  if (list === null) return WRONGTYPE;
  if (list === undefined) return NULL;
  const indexArg = parseLong(argv[2] as Uint8Array);
  if (indexArg === undefined) return ERR_NOT_INTEGER;
  const index = fromEnd(indexArg, list.size);
  return index < 0 || index >= list.size ? NULL : { type: 'bulk', value: list.at(index) };
}
