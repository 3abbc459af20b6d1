// LMOVE RPOPLPUSH LMPOP, as Redis 7.0's t_list.c runs them; the blocking forms (blocking.ts) end
// in the same functions once their timeout is parsed.

import { NULL, errorReply, type Reply } from '../../lib/reply.js';
import { ERR_SYNTAX, parseInt64 } from '../args.js';
import { copyBytes, keyOf } from '../bytes.js';
import { WRONGTYPE } from '../collection.js';
import type { ExecContext } from '../command-types.js';
import { changedInPlace } from '../typed.js';
import { NULL_ARRAY, bulkArray, createList, isWord, listOf, parseSide, popMany, writeRecord } from './access.js';

const ERR_NUMKEYS = errorReply('ERR numkeys should be greater than 0');
const ERR_COUNT = errorReply('ERR count should be greater than 0');

/** Pops from `source`'s end and pushes onto `destination`'s (the same key works): the element, NULL or WRONGTYPE. */
export function moveElement(ctx: ExecContext, source: Uint8Array, destination: Uint8Array, fromHead: boolean, toHead: boolean): Reply {
  const sourceKey = keyOf(source);
  const from = writeRecord(ctx, sourceKey);
  if (from === undefined) return NULL;
  if (from === null) return WRONGTYPE;
  const destinationKey = keyOf(destination);
  const to = writeRecord(ctx, destinationKey);
  if (to === null) return WRONGTYPE;
  const value = listOf(from).pop(fromHead);
  if (to === undefined) {
    createList(ctx, destinationKey, toHead, keyOf(value));
  } else {
    listOf(to).push(toHead, keyOf(value));
    ctx.db.touch(to);
  }
  ctx.db.notify('l', toHead ? 'lpush' : 'rpush', destinationKey);
  changedInPlace(ctx.db, sourceKey, from, 'l', fromHead ? 'lpop' : 'rpop');
  return { type: 'bulk', value };
}

export function lmove(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const fromHead = parseSide(argv[3] as Uint8Array);
  const toHead = parseSide(argv[4] as Uint8Array);
  if (fromHead === undefined || toHead === undefined) return ERR_SYNTAX;
  return moveElement(ctx, argv[1] as Uint8Array, argv[2] as Uint8Array, fromHead, toHead);
}

export function rpoplpush(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  return moveElement(ctx, argv[1] as Uint8Array, argv[2] as Uint8Array, false, true);
}

export interface MpopArgs {
  readonly keys: readonly Uint8Array[];
  readonly atHead: boolean;
  readonly count: number;
}

/** [B]LMPOP's `numkeys key... LEFT|RIGHT [COUNT n]` from argv[numkeysAt], or the error reply. */
export function parseMpop(argv: readonly Uint8Array[], numkeysAt: number): MpopArgs | Reply {
  const numkeys = parseInt64(argv[numkeysAt] as Uint8Array);
  if (numkeys === undefined || numkeys < 1n) return ERR_NUMKEYS;
  const whereAt = numkeysAt + 1 + Number(numkeys);
  if (whereAt >= argv.length) return ERR_SYNTAX;
  const atHead = parseSide(argv[whereAt] as Uint8Array);
  if (atHead === undefined) return ERR_SYNTAX;
  let count = -1;
  for (let j = whereAt + 1; j < argv.length; j++) {
    const value = argv[j + 1];
    if (count !== -1 || !isWord(argv[j] as Uint8Array, 'count') || value === undefined) return ERR_SYNTAX;
    const parsed = parseInt64(value);
    if (parsed === undefined || parsed < 1n) return ERR_COUNT;
    count = Number(parsed);
    j++;
  }
  return { keys: argv.slice(numkeysAt + 1, whereAt), atHead, count: count === -1 ? 1 : count };
}

/** Pops from the first of the keys holding a list: [key, [elements]], or the null array when none does. */
export function mpop(ctx: ExecContext, args: MpopArgs): Reply {
  for (const keyArg of args.keys) {
    const key = keyOf(keyArg);
    const record = writeRecord(ctx, key);
    if (record === undefined) continue;
    if (record === null) return WRONGTYPE;
    const values = popMany(listOf(record), args.atHead, args.count);
    changedInPlace(ctx.db, key, record, 'l', args.atHead ? 'lpop' : 'rpop');
    return { type: 'array', items: [{ type: 'bulk', value: copyBytes(keyArg) }, bulkArray(values)] };
  }
  return NULL_ARRAY;
}

export function lmpop(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const args = parseMpop(argv, 1);
  return 'keys' in args ? mpop(ctx, args) : args;
}
