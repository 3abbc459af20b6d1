// What the list commands share: finding a key's list (WRONGTYPE when it holds another type),
// storing a new one, Redis's integer arguments with the messages its list commands give, LEFT /
// RIGHT, and the replies they build.

import { errorReply, integerReply, type Reply } from '../../lib/reply.js';
import { parseInt64 } from '../args.js';
import { isOption, keyOf } from '../bytes.js';
import type { ExecContext } from '../command-types.js';
import { NO_EXPIRY, type KvRecord } from '../db.js';
import { lookupTyped, lookupTypedForWrite, collectionOf } from '../typed.js';
import { ListValue } from './list-value.js';

export const ZERO = integerReply(0);
export const NULL_ARRAY: Reply = Object.freeze({ type: 'nullArray' });
export const EMPTY_ARRAY: Reply = Object.freeze({ type: 'array', items: [] });
export const ERR_MUST_BE_POSITIVE = errorReply('ERR value is out of range, must be positive');
export const ERR_INDEX_RANGE = errorReply('ERR index out of range');

/** A key's list for a read: undefined when absent, null when it holds another type. */
export function readList(ctx: ExecContext, key: Uint8Array): ListValue | undefined | null {
  const record = lookupTyped(ctx.db, keyOf(key), ctx.nowMs, 'list');
  return record === undefined || record === null ? record : collectionOf<ListValue>(record);
}

/** A key's record for a write (an expired one is removed first): undefined when absent, null when another type. */
export function writeRecord(ctx: ExecContext, key: string): KvRecord | undefined | null {
  return lookupTypedForWrite(ctx.db, key, ctx.nowMs, 'list');
}

export function listOf(record: KvRecord): ListValue {
  return collectionOf<ListValue>(record);
}

/** Stores a new list holding `text` (pushed where the caller says) under `key`. */
export function createList(ctx: ExecContext, key: string, atHead: boolean, text: string): ListValue {
  const list = new ListValue();
  list.push(atHead, text);
  ctx.db.setCollection(key, list, NO_EXPIRY);
  return list;
}

/** getLongFromObject: a 64-bit integer as a number (exact up to 2^53, which any list index is), or undefined. */
export function parseLong(arg: Uint8Array): number | undefined {
  const value = parseInt64(arg);
  return value === undefined ? undefined : Number(value);
}

/** Redis's strcasecmp(arg, word) == 0 for the list commands' words: the argument ends at its first NUL byte. */
export function isWord(arg: Uint8Array, lowercase: string): boolean {
  const nul = arg.indexOf(0);
  return isOption(nul === -1 ? arg : arg.subarray(0, nul), lowercase);
}

/** LEFT → head (true), RIGHT → tail (false), anything else undefined (a syntax error). */
export function parseSide(arg: Uint8Array): boolean | undefined {
  if (isWord(arg, 'left')) return true;
  return isWord(arg, 'right') ? false : undefined;
}

export function bulkArray(values: readonly Uint8Array[]): Reply {
  return { type: 'array', items: values.map((value): Reply => ({ type: 'bulk', value })) };
}

/** Pops up to `count` elements from one end, in the order they come off. */
export function popMany(list: ListValue, atHead: boolean, count: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const n = Math.min(count, list.size);
  for (let i = 0; i < n; i++) out.push(list.pop(atHead));
  return out;
}
