// What the bitmap commands share: Redis's bit-offset parsing (with BITFIELD's `#n` form), the
// copy-on-write of a string value they change (views of the old bytes handed out earlier must stay
// intact, so bits are never flipped in place), popcount, and BITCOUNT / BITPOS range resolution.

import { assert } from '../lib/assert.js';
import { errorReply } from '../lib/reply.js';
import { parseInt64 } from './args.js';
import type { ExecContext } from './command-types.js';
import { NO_EXPIRY, type KvRecord } from './db.js';
import { STRING_BYTES_MAX } from './ranges.js';
import { lookupStringForWrite } from './typed.js';

export const ERR_BIT_OFFSET = errorReply('ERR bit offset is not an integer or out of range');

/**
 * getBitOffsetFromArgument: a non-negative bit offset below 512 MiB × 8, or undefined. With
 * `hashBits` > 0 an offset written `#n` means n × hashBits (the product wraps as C's int64 does).
 */
export function parseBitOffset(arg: Uint8Array, hashBits = 0): number | undefined {
  const hash = hashBits > 0 && arg[0] === 0x23;
  let offset = parseInt64(hash ? arg.subarray(1) : arg);
  if (offset === undefined) return undefined;
  if (hash) offset = BigInt.asIntN(64, offset * BigInt(hashBits));
  if (offset < 0n || offset >> 3n >= BigInt(STRING_BYTES_MAX)) return undefined;
  return Number(offset);
}

/** A string about to be changed by bit commands: a private copy grown to cover a bit, and where it goes. */
export interface BitTarget {
  readonly key: string;
  readonly record: KvRecord | undefined;
  readonly bytes: Uint8Array;
}

/**
 * lookupStringForBitCommand: the key's bytes copied and zero-padded so bit `maxBit` exists (a new
 * string when the key is absent), or null when the key holds another type (the caller answers
 * WRONGTYPE). Nothing is stored until commitBits.
 */
export function bitTarget(ctx: ExecContext, key: string, maxBit: number): BitTarget | null {
  assert(maxBit >= 0, 'bit offsets are not negative');
  const record = lookupStringForWrite(ctx.db, key, ctx.nowMs);
  if (record === null) return null;
  const neededBytes = Math.floor(maxBit / 8) + 1;
  const old = record?.value;
  if (old !== undefined && old.length >= neededBytes) return { key, record, bytes: old.slice() };
  const bytes = new Uint8Array(neededBytes);
  if (old !== undefined) bytes.set(old);
  return { key, record, bytes };
}

/** Stores a BitTarget's bytes: a new key without expiry, or the old record's value (expiry kept). */
export function commitBits(ctx: ExecContext, target: BitTarget): void {
  if (target.record === undefined) ctx.db.set(target.key, target.bytes, NO_EXPIRY);
  else ctx.db.replaceValue(target.record, target.bytes);
}

const BITS_IN_BYTE = new Uint8Array(256);
for (let i = 1; i < 256; i++) BITS_IN_BYTE[i] = (i & 1) + (BITS_IN_BYTE[i >> 1] as number);

/** Set bits in bytes [from, to): byte by byte to a 4-byte boundary, then 32-bit words (SWAR). */
export function popcount(bytes: Uint8Array, from: number, to: number): number {
  assert(from >= 0 && to <= bytes.length, 'popcount range outside the value');
  let count = 0;
  let i = from;
  for (; i < to && (bytes.byteOffset + i) % 4 !== 0; i++) count += BITS_IN_BYTE[bytes[i] as number] as number;
  const wordCount = Math.floor((to - i) / 4);
  if (wordCount > 0) {
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset + i, wordCount);
    for (let w = 0; w < wordCount; w++) {
      let v = words[w] as number;
      v -= (v >>> 1) & 0x55555555;
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      count += Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
    }
    i += wordCount * 4;
  }
  for (; i < to; i++) count += BITS_IN_BYTE[bytes[i] as number] as number;
  return count;
}

/** The bit at `bit` (0 = most significant bit of the first byte); 0 past the end. */
export function bitAt(bytes: Uint8Array, bit: number): number {
  const byte = bytes[Math.floor(bit / 8)];
  return byte === undefined ? 0 : (byte >> (7 - (bit % 8))) & 1;
}

/** An inclusive range of bits, or null when empty. */
export interface BitRange {
  readonly firstBit: number;
  readonly lastBit: number;
}

/**
 * BITCOUNT / BITPOS start and end (BYTE or BIT units) against a string of `lengthBytes`: negative
 * indexes count from the end, both are clamped into the string, and byte units widen to whole bytes.
 */
export function resolveRange(lengthBytes: number, start: bigint, end: bigint, inBits: boolean): BitRange | null {
  const total = BigInt(inBits ? lengthBytes * 8 : lengthBytes);
  let s = start < 0n ? total + start : start;
  let e = end < 0n ? total + end : end;
  if (s < 0n) s = 0n;
  if (e < 0n) e = 0n;
  if (e >= total) e = total - 1n;
  if (s > e) return null;
  if (inBits) return { firstBit: Number(s), lastBit: Number(e) };
  return { firstBit: Number(s) * 8, lastBit: Number(e) * 8 + 7 };
}
