// The timeout argument of a blocking command in seconds, checked as Redis 7.0's
// getTimeoutFromObjectOrReply checks it (strtold, × 1000 truncated to a long long, negative and
// out-of-range refused). kv/ never blocks, so only the verdict matters here.

import { errorReply, type Reply } from '../../lib/reply.js';
import { parseLongDouble } from '../long-double.js';

const ERR_TIMEOUT_NOT_FLOAT = errorReply('ERR timeout is not a float or out of range');
const ERR_TIMEOUT_NEGATIVE = errorReply('ERR timeout is negative');
const ERR_TIMEOUT_RANGE = errorReply('ERR timeout is out of range');
const LLONG_MAX = (1n << 63n) - 1n;

/** undefined when the timeout is valid, else Redis's error reply. */
export function timeoutError(bytes: Uint8Array, nowMs: number): Reply | undefined {
  const parsed = parseLongDouble(bytes);
  if (parsed === 'invalid') return ERR_TIMEOUT_NOT_FLOAT;
  // (long long) of ±inf or of anything beyond 2^63 is LLONG_MIN on x86-64: "negative".
  if (parsed === 'infinite') return ERR_TIMEOUT_NEGATIVE;
  const scaled = parsed.mantissa * 1000n;
  let ms = parsed.exponent >= 0 ? scaled << BigInt(parsed.exponent) : scaled >> BigInt(-parsed.exponent);
  if (parsed.negative) ms = -ms;
  if (ms > LLONG_MAX || ms < -LLONG_MAX - 1n || ms < 0n) return ERR_TIMEOUT_NEGATIVE;
  if (ms > 0n && ms > LLONG_MAX - BigInt(nowMs)) return ERR_TIMEOUT_RANGE;
  return undefined;
}
