// BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP as kv/ runs them: exactly as Redis runs them inside
// MULTI/EXEC, never blocking. With an element there they pop it at once; without one they answer
// what Redis answers a blocking command that timed out (the null array for BLPOP/BRPOP/BLMPOP, the
// null bulk for BLMOVE/BRPOPLPUSH). The server does the waiting: it names the keys with
// blockingKeys(argv), waits for one of them to get data (or the timeout, blockingTimeoutMs), and
// then proposes the command again as a write.
//
// Timeouts are parsed as Redis 7.0's getTimeoutFromObjectOrReply does on x86-64: a long double
// (string2ld) times 1000, truncated to a long long; an overflowing or infinite product converts to
// LLONG_MIN, hence "timeout is negative".

import { errorReply, type Reply } from '../../lib/reply.js';
import { ERR_SYNTAX } from '../args.js';
import { copyBytes, keyOf, lowerName } from '../bytes.js';
import { WRONGTYPE } from '../collection.js';
import type { ExecContext } from '../command-types.js';
import { parseLongDouble } from '../long-double.js';
import { changedInPlace } from '../typed.js';
import { NULL_ARRAY, listOf, parseSide, writeRecord } from './access.js';
import { moveElement, mpop, parseMpop } from './move.js';

const ERR_TIMEOUT_NOT_FLOAT = errorReply('ERR timeout is not a float or out of range');
const ERR_TIMEOUT_NEGATIVE = errorReply('ERR timeout is negative');
const LONG_LONG_LIMIT = 1n << 63n;
const MANTISSA_BITS = 64n;

function bitLength(n: bigint): bigint {
  return BigInt(n.toString(2).length);
}

/** A blocking command's timeout in ms (0 = wait forever), or the error reply Redis gives. */
export function parseTimeoutMs(arg: Uint8Array): number | Reply {
  const seconds = parseLongDouble(arg);
  if (seconds === 'invalid') return ERR_TIMEOUT_NOT_FLOAT;
  if (seconds === 'infinite') return ERR_TIMEOUT_NEGATIVE;
  // seconds * 1000 with one rounding to a 64-bit mantissa (half to even), then truncated toward zero.
  let mantissa = seconds.mantissa * 1000n;
  let exponent = BigInt(seconds.exponent);
  const excess = bitLength(mantissa) - MANTISSA_BITS;
  if (excess > 0n) {
    const half = 1n << (excess - 1n);
    const remainder = mantissa & ((1n << excess) - 1n);
    mantissa >>= excess;
    if (remainder > half || (remainder === half && (mantissa & 1n) === 1n)) mantissa++;
    exponent += excess;
  }
  const ms = exponent >= 0n ? mantissa << exponent : mantissa >> -exponent;
  if (ms >= LONG_LONG_LIMIT || (seconds.negative && ms > 0n)) return ERR_TIMEOUT_NEGATIVE;
  return Number(ms);
}

/** BLPOP / BRPOP key... timeout: [key, element] from the first key holding a list. */
export function blockingPop(atHead: boolean) {
  return (ctx: ExecContext, argv: readonly Uint8Array[]): Reply => {
    const timeout = parseTimeoutMs(argv[argv.length - 1] as Uint8Array);
    if (typeof timeout !== 'number') return timeout;
    for (let i = 1; i < argv.length - 1; i++) {
      const keyArg = argv[i] as Uint8Array;
      const key = keyOf(keyArg);
      const record = writeRecord(ctx, key);
      if (record === undefined) continue;
      if (record === null) return WRONGTYPE;
      const value = listOf(record).pop(atHead);
      changedInPlace(ctx.db, key, record, 'l', atHead ? 'lpop' : 'rpop');
      return { type: 'array', items: [{ type: 'bulk', value: copyBytes(keyArg) }, { type: 'bulk', value }] };
    }
    return NULL_ARRAY;
  };
}

export function blmove(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const fromHead = parseSide(argv[3] as Uint8Array);
  if (fromHead === undefined) return ERR_SYNTAX;
  const toHead = parseSide(argv[4] as Uint8Array);
  if (toHead === undefined) return ERR_SYNTAX;
  const timeout = parseTimeoutMs(argv[5] as Uint8Array);
  if (typeof timeout !== 'number') return timeout;
  return moveElement(ctx, argv[1] as Uint8Array, argv[2] as Uint8Array, fromHead, toHead);
}

export function brpoplpush(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const timeout = parseTimeoutMs(argv[3] as Uint8Array);
  if (typeof timeout !== 'number') return timeout;
  return moveElement(ctx, argv[1] as Uint8Array, argv[2] as Uint8Array, false, true);
}

/** BLMPOP timeout numkeys key... LEFT|RIGHT [COUNT n]: Redis checks the timeout after the other arguments. */
export function blmpop(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const args = parseMpop(argv, 2);
  if (!('keys' in args)) return args;
  const timeout = parseTimeoutMs(argv[1] as Uint8Array);
  return typeof timeout === 'number' ? mpop(ctx, args) : timeout;
}

/** Where a blocking list command's timeout is, by lowercase name. */
const TIMEOUT_AT: ReadonlyMap<string, (argc: number) => number> = new Map([
  ['blpop', (argc: number) => argc - 1], ['brpop', (argc: number) => argc - 1],
  ['brpoplpush', () => 3], ['blmove', () => 5], ['blmpop', () => 1],
]);

/**
 * The keys a blocking list command (BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP, any case) waits on, in
 * argv order: the server waits for one of them to get data when kv/ answered the command with its
 * timed-out null reply. Undefined when argv is not one of these commands; an empty array when its
 * arguments are malformed (kv/ answers those with an error, never the null reply, so nothing waits).
 */
export function blockingKeys(argv: readonly Uint8Array[]): Uint8Array[] | undefined {
  const name = argv[0];
  if (name === undefined) return undefined;
  const command = lowerName(name);
  if (!TIMEOUT_AT.has(command)) return undefined;
  if (command === 'blpop' || command === 'brpop') return argv.slice(1, -1);
  if (command === 'blmpop') {
    const args = argv.length >= 5 ? parseMpop(argv, 2) : undefined;
    return args !== undefined && 'keys' in args ? args.keys.slice() : [];
  }
  return argv.length >= 4 ? [argv[1] as Uint8Array] : [];
}

/** A blocking list command's timeout in ms (0 = forever); undefined when argv is not one or the timeout is bad. */
export function blockingTimeoutMs(argv: readonly Uint8Array[]): number | undefined {
  const name = argv[0];
  const at = name === undefined ? undefined : TIMEOUT_AT.get(lowerName(name));
  const arg = at === undefined ? undefined : argv[at(argv.length)];
  if (arg === undefined) return undefined;
  const timeout = parseTimeoutMs(arg);
  return typeof timeout === 'number' ? timeout : undefined;
}

