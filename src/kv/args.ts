// Argument parsing with Redis's exact rules: integers as string2ll (no sign '+', no leading zeros,
// no spaces, 64-bit signed range) and the error replies Redis sends when parsing fails.

import { errorReply, type Reply } from '../lib/reply.js';

export const INT64_MAX = 9223372036854775807n;
export const INT64_MIN = -9223372036854775808n;
const MAX_INT64_DIGITS = 20;

export const ERR_NOT_INTEGER = errorReply('ERR value is not an integer or out of range');
export const ERR_SYNTAX = errorReply('ERR syntax error');
export const ERR_NOT_FLOAT = errorReply('ERR value is not a valid float');
export const ERR_OVERFLOW = errorReply('ERR increment or decrement would overflow');
export const ERR_NO_SUCH_KEY = errorReply('ERR no such key');
export const ERR_TOO_BIG = errorReply('ERR string exceeds maximum allowed size (proto-max-bulk-len)');

export function arityError(name: string): Reply {
  return errorReply(`ERR wrong number of arguments for '${name}' command`);
}

export function invalidExpireError(name: string): Reply {
  return errorReply(`ERR invalid expire time in '${name}' command`);
}

/** string2ll: the exact decimal form of a signed 64-bit integer, or undefined. */
export function parseInt64(bytes: Uint8Array): bigint | undefined {
  const length = bytes.length;
  if (length === 0 || length > MAX_INT64_DIGITS) return undefined;
  if (length === 1 && bytes[0] === 0x30) return 0n;
  let i = 0;
  const negative = bytes[0] === 0x2d;
  if (negative) {
    i = 1;
    if (length === 1) return undefined;
  }
  const first = bytes[i] as number;
  if (first < 0x31 || first > 0x39) return undefined; // first digit 1-9
  let small = 0;
  for (let j = i; j < length; j++) {
    const c = bytes[j] as number;
    if (c < 0x30 || c > 0x39) return undefined;
    small = small * 10 + (c - 0x30);
  }
  if (length - i <= 15) return BigInt(negative ? -small : small);
  let big = 0n;
  for (let j = i; j < length; j++) big = big * 10n + BigInt((bytes[j] as number) - 0x30);
  if (negative) big = -big;
  return big < INT64_MIN || big > INT64_MAX ? undefined : big;
}

/** A bigint reply value as a number when that is exact (encoders are faster on numbers). */
export function intValue(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}
