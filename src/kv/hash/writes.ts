// Hash commands that change fields: HSET / HMSET, HSETNX, HDEL, HINCRBY, HINCRBYFLOAT, with
// Redis 7.0's order of checks (arguments, then the key's type, then the stored value) and its
// encoding conversions (hash-value.ts).

import { OK, errorReply, integerReply, type Reply } from '../../lib/reply.js';
import { ERR_NOT_FLOAT, ERR_NOT_INTEGER, ERR_OVERFLOW, INT64_MAX, INT64_MIN, arityError, intValue, parseInt64 } from '../args.js';
import { asciiBytes, keyOf } from '../bytes.js';
import { WRONGTYPE } from '../collection.js';
import type { ExecContext } from '../command-types.js';
import { addLongDouble, formatLongDouble, parseLongDouble, type LongDouble } from '../long-double.js';
import { changedInPlace, collectionOf, lookupTypedForWrite } from '../typed.js';
import { commitWrite, hashForWrite } from './access.js';
import type { HashValue } from './hash-value.js';

const ZERO = integerReply(0);
const ONE = integerReply(1);
const ERR_HASH_NOT_INTEGER = errorReply('ERR hash value is not an integer');
const ERR_HASH_NOT_FLOAT = errorReply('ERR hash value is not a float');
const ERR_INCREMENT_NAN_OR_INFINITY = errorReply('ERR value is NaN or Infinity');
const ERR_RESULT_NAN_OR_INFINITY = errorReply('ERR increment would produce NaN or Infinity');
const ZERO_LD: LongDouble = { negative: false, mantissa: 0n, exponent: 0 };

/** HSET answers the number of new fields, HMSET (deprecated) OK; otherwise the same command. */
export function hsetAs(name: 'hset' | 'hmset') {
  return (ctx: ExecContext, argv: readonly Uint8Array[]): Reply => {
    if (argv.length % 2 === 1) return arityError(name);
    const write = hashForWrite(ctx, argv[1] as Uint8Array);
    if (write === null) return WRONGTYPE;
    write.hash.fitLengths(argv.slice(2).map((arg) => arg.length));
    let created = 0;
    for (let i = 2; i < argv.length; i += 2) {
      if (write.hash.set(keyOf(argv[i] as Uint8Array), keyOf(argv[i + 1] as Uint8Array))) created++;
    }
    commitWrite(ctx, write, 'hset');
    return name === 'hset' ? integerReply(created) : OK;
  };
}

export function hsetnx(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const write = hashForWrite(ctx, argv[1] as Uint8Array);
  if (write === null) return WRONGTYPE;
  const field = keyOf(argv[2] as Uint8Array);
  if (write.hash.has(field)) return ZERO;
  const value = argv[3] as Uint8Array;
  write.hash.fitLengths([field.length, value.length]);
  write.hash.set(field, keyOf(value));
  commitWrite(ctx, write, 'hset');
  return ONE;
}

export function hdel(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const key = keyOf(argv[1] as Uint8Array);
  const record = lookupTypedForWrite(ctx.db, key, ctx.nowMs, 'hash');
  if (record === null) return WRONGTYPE;
  if (record === undefined) return ZERO;
  const hash = collectionOf<HashValue>(record);
  let deleted = 0;
  for (let i = 2; i < argv.length && hash.size > 0; i++) {
    if (hash.delete(keyOf(argv[i] as Uint8Array))) deleted++;
  }
  if (deleted > 0) changedInPlace(ctx.db, key, record, 'h', 'hdel');
  return integerReply(deleted);
}

export function hincrby(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const increment = parseInt64(argv[3] as Uint8Array);
  if (increment === undefined) return ERR_NOT_INTEGER;
  const write = hashForWrite(ctx, argv[1] as Uint8Array);
  if (write === null) return WRONGTYPE;
  const field = keyOf(argv[2] as Uint8Array);
  const stored = write.hash.get(field);
  const current = stored === undefined ? 0n : parseInt64(asciiBytes(stored));
  if (current === undefined) return ERR_HASH_NOT_INTEGER;
  const next = current + increment;
  if (next > INT64_MAX || next < INT64_MIN) return ERR_OVERFLOW;
  write.hash.set(field, next.toString());
  commitWrite(ctx, write, 'hincrby');
  return integerReply(intValue(next));
}

export function hincrbyfloat(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const increment = parseLongDouble(argv[3] as Uint8Array);
  if (increment === 'invalid') return ERR_NOT_FLOAT;
  if (increment === 'infinite') return ERR_INCREMENT_NAN_OR_INFINITY;
  const write = hashForWrite(ctx, argv[1] as Uint8Array);
  if (write === null) return WRONGTYPE;
  const field = keyOf(argv[2] as Uint8Array);
  const stored = write.hash.get(field);
  const current = stored === undefined ? ZERO_LD : parseLongDouble(asciiBytes(stored));
  if (current === 'invalid') return ERR_HASH_NOT_FLOAT;
  if (current === 'infinite') return ERR_RESULT_NAN_OR_INFINITY;
  const sum = addLongDouble(current, increment);
  if (sum === 'infinite') return ERR_RESULT_NAN_OR_INFINITY;
  const text = formatLongDouble(sum);
  write.hash.set(field, text);
  commitWrite(ctx, write, 'hincrbyfloat');
  return { type: 'bulk', value: asciiBytes(text) };
}
