// Turning an expiry argument into an absolute time in ms, with Redis's overflow rules. Relative
// forms (EX, PX, EXPIRE, ...) are added to the entry's time, so replaying the log is exact.

import { INT64_MAX, parseInt64 } from './args.js';

export type ExpireParse =
  | { readonly ok: true; readonly expireAtMs: number }
  | { readonly ok: false; readonly reason: 'not-integer' | 'invalid' };

/**
 * SET/GETEX/SETEX style: the value must be positive. `unitMs` is 1000 for seconds, 1 for ms;
 * `relative` adds nowMs. Expiries beyond 2^53 ms are kept as (rounded) doubles.
 */
export function parsePositiveExpire(arg: Uint8Array, unitMs: 1 | 1000, relative: boolean, nowMs: number): ExpireParse {
  const value = parseInt64(arg);
  if (value === undefined) return { ok: false, reason: 'not-integer' };
  if (value <= 0n || value > INT64_MAX / BigInt(unitMs)) return { ok: false, reason: 'invalid' };
  let ms = value * BigInt(unitMs);
  if (relative) ms += BigInt(nowMs);
  if (ms > INT64_MAX) return { ok: false, reason: 'invalid' };
  return { ok: true, expireAtMs: Number(ms) };
}

/**
 * EXPIRE family: any 64-bit value; a time at or before now deletes the key. Overflow of the unit
 * multiplication or of the addition is an error, as in Redis's expireGenericCommand.
 */
export function parseAnyExpire(arg: Uint8Array, unitMs: 1 | 1000, relative: boolean, nowMs: number): ExpireParse {
  const value = parseInt64(arg);
  if (value === undefined) return { ok: false, reason: 'not-integer' };
  let ms = value * BigInt(unitMs);
  if (ms > INT64_MAX || ms < -INT64_MAX - 1n) return { ok: false, reason: 'invalid' };
  if (relative) ms += BigInt(nowMs);
  if (ms > INT64_MAX || ms < -INT64_MAX - 1n) return { ok: false, reason: 'invalid' };
  return { ok: true, expireAtMs: Number(ms) };
}
