// Counter commands: INCR, DECR, INCRBY, DECRBY (64-bit signed, with Redis's overflow errors) and
// INCRBYFLOAT (80-bit long double arithmetic and formatting, see long-double.ts).

import { WRONGTYPE } from './collection.js';
import { lookupStringForWrite } from './typed.js';
import { errorReply, integerReply, type Reply } from '../lib/reply.js';
import { ERR_NOT_FLOAT, ERR_NOT_INTEGER, ERR_OVERFLOW, INT64_MAX, INT64_MIN, intValue, parseInt64 } from './args.js';
import { asciiBytes, keyOf } from './bytes.js';
import type { CommandSpec, ExecContext } from './command-types.js';
import { NO_EXPIRY, StringForm } from './db.js';
import { addLongDouble, formatLongDouble, parseLongDouble, type LongDouble } from './long-double.js';

const ERR_DECREMENT_OVERFLOW = errorReply('ERR decrement would overflow');
const ERR_NAN_OR_INFINITY = errorReply('ERR increment would produce NaN or Infinity');
const ZERO_LD: LongDouble = { negative: false, mantissa: 0n, exponent: 0 };

/** Adds `delta` to the integer at argv[1]; the key keeps its expiry. */
function incrementBy(ctx: ExecContext, keyArg: Uint8Array, delta: bigint): Reply {
  const key = keyOf(keyArg);
  const record = lookupStringForWrite(ctx.db, key, ctx.nowMs);
  if (record === null) return WRONGTYPE;
  const current = record === undefined ? 0n : parseInt64(record.value);
  if (current === undefined) return ERR_NOT_INTEGER;
  const next = current + delta;
  if (next > INT64_MAX || next < INT64_MIN) return ERR_OVERFLOW;
  const bytes = asciiBytes(next.toString());
  if (record === undefined) ctx.db.set(key, bytes, NO_EXPIRY);
  else ctx.db.replaceValue(record, bytes);
  ctx.db.notify('$', 'incrby', key);
  return integerReply(intValue(next));
}

function incr(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  return incrementBy(ctx, argv[1] as Uint8Array, 1n);
}

function decr(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  return incrementBy(ctx, argv[1] as Uint8Array, -1n);
}

function incrby(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const delta = parseInt64(argv[2] as Uint8Array);
  if (delta === undefined) return ERR_NOT_INTEGER;
  return incrementBy(ctx, argv[1] as Uint8Array, delta);
}

function decrby(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const delta = parseInt64(argv[2] as Uint8Array);
  if (delta === undefined) return ERR_NOT_INTEGER;
  if (delta === INT64_MIN) return ERR_DECREMENT_OVERFLOW;
  return incrementBy(ctx, argv[1] as Uint8Array, -delta);
}

function incrbyfloat(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const key = keyOf(argv[1] as Uint8Array);
  const record = lookupStringForWrite(ctx.db, key, ctx.nowMs);
  if (record === null) return WRONGTYPE;
  const current = record === undefined ? ZERO_LD : parseLongDouble(record.value);
  if (current === 'invalid') return ERR_NOT_FLOAT;
  const increment = parseLongDouble(argv[2] as Uint8Array);
  if (increment === 'invalid') return ERR_NOT_FLOAT;
  if (current === 'infinite' || increment === 'infinite') return ERR_NAN_OR_INFINITY;
  const sum = addLongDouble(current, increment);
  if (sum === 'infinite') return ERR_NAN_OR_INFINITY;
  const bytes = asciiBytes(formatLongDouble(sum));
  if (record === undefined) ctx.db.set(key, bytes, NO_EXPIRY, null, 0, StringForm.plain);
  else ctx.db.replaceValue(record, bytes, 0, StringForm.plain);
  ctx.db.notify('$', 'incrbyfloat', key);
  return { type: 'bulk', value: bytes };
}

const KEY1 = { firstKey: 1, lastKey: 1, keyStep: 1 } as const;

export const COUNTER_COMMANDS: readonly CommandSpec[] = [
  { name: 'incr', arity: 2, flags: ['write', 'denyoom', 'fast'], ...KEY1, group: 'string', since: '1.0.0',
    summary: 'Increments the integer value of a key by one. Uses 0 as initial value if the key doesn\'t exist.', complexity: 'O(1)', handler: incr },
  { name: 'decr', arity: 2, flags: ['write', 'denyoom', 'fast'], ...KEY1, group: 'string', since: '1.0.0',
    summary: 'Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn\'t exist.', complexity: 'O(1)', handler: decr },
  { name: 'incrby', arity: 3, flags: ['write', 'denyoom', 'fast'], ...KEY1, group: 'string', since: '1.0.0',
    summary: 'Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn\'t exist.', complexity: 'O(1)', handler: incrby },
  { name: 'decrby', arity: 3, flags: ['write', 'denyoom', 'fast'], ...KEY1, group: 'string', since: '1.0.0',
    summary: 'Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn\'t exist.', complexity: 'O(1)', handler: decrby },
  { name: 'incrbyfloat', arity: 3, flags: ['write', 'denyoom', 'fast'], ...KEY1, group: 'string', since: '2.6.0',
    summary: 'Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn\'t exist.', complexity: 'O(1)', handler: incrbyfloat },
];
