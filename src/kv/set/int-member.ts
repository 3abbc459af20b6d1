// Which set members Redis keeps in an intset: those whose bytes are exactly string2ll's form of a
// signed 64-bit integer (no '+', no leading zeros, no spaces, "-0" excluded). Values are held as a
// number when it is a safe integer and as a bigint otherwise, so each value has one representation
// and `<` orders numbers and bigints together exactly.

import { INT64_MAX, INT64_MIN } from '../args.js';

export type IntMember = number | bigint;

const SAFE_DIGITS_MAX = 15;
const INT64_DIGITS_MAX = 19;

/** The integer a latin1 member stands for, or undefined if an intset cannot hold it. */
export function intOfMember(member: string): IntMember | undefined {
  const length = member.length;
  if (length === 0 || length > INT64_DIGITS_MAX + 1) return undefined;
  const negative = member.charCodeAt(0) === 0x2d;
  const start = negative ? 1 : 0;
  const digits = length - start;
  if (digits === 0 || digits > INT64_DIGITS_MAX) return undefined;
  const first = member.charCodeAt(start);
  if (first === 0x30) return length === 1 ? 0 : undefined; // "0" only: no leading zeros, no "-0"
  if (first < 0x31 || first > 0x39) return undefined;
  let small = 0;
  for (let i = start; i < length; i++) {
    const c = member.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
    small = small * 10 + (c - 0x30);
  }
  if (digits <= SAFE_DIGITS_MAX) return negative ? -small : small;
  const big = BigInt(member);
  if (big < INT64_MIN || big > INT64_MAX) return undefined;
  return normalInt(big);
}

/** One representation per value: a safe integer as a number, anything larger as a bigint. */
export function normalInt(value: bigint): IntMember {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** The index of `value` in an ascending array, or -(insertion point) - 1 when absent. */
export function searchInts(ints: readonly IntMember[], value: IntMember): number {
  let low = 0;
  let high = ints.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const at = ints[mid] as IntMember;
    if (at < value) low = mid + 1;
    else if (at > value) high = mid - 1;
    else return mid;
  }
  return -low - 1;
}
