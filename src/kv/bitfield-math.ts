// BITFIELD's integer arithmetic, as bitops.c does it in C's 64-bit types: reading and writing
// signed and unsigned fields of 1-64 bits at any bit offset (bit 0 = most significant bit of the
// first byte; bits past the end read as 0), and the overflow checks of WRAP, SAT and FAIL.

import { assert } from '../lib/assert.js';

export type OverflowMode = 'wrap' | 'sat' | 'fail';

/** What an overflow check found: 0, 1 (overflow) or -1 (underflow), and the value WRAP or SAT stores. */
export interface OverflowCheck {
  readonly direction: -1 | 0 | 1;
  readonly limit: bigint;
}

const INT64_MAX = (1n << 63n) - 1n;

export function getUnsignedField(bytes: Uint8Array, offset: number, bits: number): bigint {
  assert(bits >= 1 && bits <= 64, 'bitfield width out of range');
  const firstByte = Math.floor(offset / 8);
  const skipBits = offset % 8;
  const byteCount = Math.ceil((skipBits + bits) / 8);
  let acc = 0n;
  for (let i = 0; i < byteCount; i++) acc = (acc << 8n) | BigInt(bytes[firstByte + i] ?? 0);
  return BigInt.asUintN(bits, acc >> BigInt(byteCount * 8 - skipBits - bits));
}

export function getSignedField(bytes: Uint8Array, offset: number, bits: number): bigint {
  return BigInt.asIntN(bits, getUnsignedField(bytes, offset, bits));
}

/** Writes the low `bits` bits of `value` (two's complement) at `offset`; the bytes must reach that far. */
export function setField(bytes: Uint8Array, offset: number, bits: number, value: bigint): void {
  assert(Math.floor((offset + bits - 1) / 8) < bytes.length, 'bitfield write past the value');
  const field = BigInt.asUintN(bits, value);
  for (let j = 0; j < bits; j++) {
    const bit = Number((field >> BigInt(bits - 1 - j)) & 1n);
    const at = offset + j;
    const byte = Math.floor(at / 8);
    const mask = 1 << (7 - (at % 8));
    bytes[byte] = bit === 1 ? (bytes[byte] as number) | mask : (bytes[byte] as number) & ~mask;
  }
}

/** checkUnsignedBitfieldOverflow: `value` is a uint64, `incr` an int64, `bits` at most 63. */
export function checkUnsigned(value: bigint, incr: bigint, bits: number, mode: OverflowMode): OverflowCheck {
  assert(bits >= 1 && bits <= 63, 'unsigned bitfields are 1-63 bits');
  const max = (1n << BigInt(bits)) - 1n;
  const maxIncr = BigInt.asIntN(64, max - value);
  const minIncr = BigInt.asIntN(64, -value);
  const wrapped = BigInt.asUintN(bits, value + incr);
  if (value > max || (incr > 0n && incr > maxIncr)) return { direction: 1, limit: mode === 'sat' ? max : wrapped };
  if (incr < 0n && incr < minIncr) return { direction: -1, limit: mode === 'sat' ? 0n : wrapped };
  return { direction: 0, limit: 0n };
}

/** checkSignedBitfieldOverflow: `value` and `incr` are int64s, `bits` 1-64. */
export function checkSigned(value: bigint, incr: bigint, bits: number, mode: OverflowMode): OverflowCheck {
  assert(bits >= 1 && bits <= 64, 'signed bitfields are 1-64 bits');
  const max = bits === 64 ? INT64_MAX : (1n << BigInt(bits - 1)) - 1n;
  const min = -max - 1n;
  // As in C, these may wrap; they are only looked at where they cannot have.
  const maxIncr = BigInt.asIntN(64, max - value);
  const minIncr = BigInt.asIntN(64, min - value);
  const wrapped = BigInt.asIntN(bits, value + incr);
  if (value > max || (bits !== 64 && incr > maxIncr) || (value >= 0n && incr > 0n && incr > maxIncr)) {
    return { direction: 1, limit: mode === 'sat' ? max : wrapped };
  }
  if (value < min || (bits !== 64 && incr < minIncr) || (value < 0n && incr < 0n && incr < minIncr)) {
    return { direction: -1, limit: mode === 'sat' ? min : wrapped };
  }
  return { direction: 0, limit: 0n };
}
