// The bytes of a Redis HyperLogLog string: the 16-byte header ("HYLL", encoding, 3 unused bytes,
// the cached cardinality as a little-endian uint64 whose top bit marks it stale), then either the
// dense registers (16384 × 6 bits, least significant bits first) or the sparse opcodes.

import { assert } from '../../lib/assert.js';
import { HLL_REGISTERS } from './murmur.js';

export const HEADER_BYTES = 16;
export const ENCODING_DENSE = 0;
export const ENCODING_SPARSE = 1;
export const ENCODING_AT = 4;
const CARD_AT = 8;
const REGISTER_BITS = 6;
const REGISTER_MAX = (1 << REGISTER_BITS) - 1;
export const DENSE_BYTES = HEADER_BYTES + (HLL_REGISTERS * REGISTER_BITS) / 8;
/** hll-sparse-max-bytes: a sparse HLL that would grow past this turns dense. */
export const SPARSE_BYTES_MAX = 3000;
const MAGIC = [0x48, 0x59, 0x4c, 0x4c]; // "HYLL"

/** isHLLObjectOrReply's test: long enough, the magic, a known encoding, a dense one exactly sized. */
export function isHll(value: Uint8Array): boolean {
  if (value.length < HEADER_BYTES) return false;
  if (MAGIC.some((byte, i) => value[i] !== byte)) return false;
  const encoding = value[ENCODING_AT] as number;
  if (encoding > ENCODING_SPARSE) return false;
  return encoding === ENCODING_SPARSE || value.length === DENSE_BYTES;
}

export function encodingOf(value: Uint8Array): number {
  return value[ENCODING_AT] as number;
}

/** The cached cardinality (as Redis replies it, a signed 64-bit integer), or undefined when stale. */
export function cachedCardinality(value: Uint8Array): bigint | undefined {
  if (((value[CARD_AT + 7] as number) & 0x80) !== 0) return undefined;
  let card = 0n;
  for (let i = 7; i >= 0; i--) card = (card << 8n) | BigInt(value[CARD_AT + i] as number);
  return card;
}

export function setCachedCardinality(bytes: Uint8Array, card: bigint): void {
  assert(card >= 0n && card < 1n << 64n, 'a cardinality is a uint64');
  for (let i = 0; i < 8; i++) bytes[CARD_AT + i] = Number((card >> BigInt(8 * i)) & 0xffn);
}

export function invalidateCache(bytes: Uint8Array): void {
  bytes[CARD_AT + 7] = (bytes[CARD_AT + 7] as number) | 0x80;
}

/** An empty HLL as PFADD creates it: sparse, one XZERO opcode covering every register. */
export function newSparseHll(): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES + 2);
  bytes.set(MAGIC);
  bytes[ENCODING_AT] = ENCODING_SPARSE;
  bytes[HEADER_BYTES] = 0x40 | ((HLL_REGISTERS - 1) >> 8);
  bytes[HEADER_BYTES + 1] = (HLL_REGISTERS - 1) & 0xff;
  return bytes;
}

/** A dense register (HLL_DENSE_GET_REGISTER): it may straddle two bytes. */
export function denseRegister(bytes: Uint8Array, index: number): number {
  const at = HEADER_BYTES + ((index * REGISTER_BITS) >> 3);
  const shift = (index * REGISTER_BITS) & 7;
  const low = (bytes[at] as number) >> shift;
  const high = shift > 8 - REGISTER_BITS ? (bytes[at + 1] as number) << (8 - shift) : 0;
  return (low | high) & REGISTER_MAX;
}

/** hllDenseSet: raises a register to `count` if lower; 1 when it changed, else 0. */
export function raiseDenseRegister(bytes: Uint8Array, index: number, count: number): 0 | 1 {
  assert(count <= REGISTER_MAX, 'register value wider than 6 bits');
  if (count <= denseRegister(bytes, index)) return 0;
  const at = HEADER_BYTES + ((index * REGISTER_BITS) >> 3);
  const shift = (index * REGISTER_BITS) & 7;
  bytes[at] = ((bytes[at] as number) & ~(REGISTER_MAX << shift) & 0xff) | ((count << shift) & 0xff);
  if (shift > 8 - REGISTER_BITS) {
    const highShift = 8 - shift;
    bytes[at + 1] = ((bytes[at + 1] as number) & ~(REGISTER_MAX >> highShift)) | (count >> highShift);
  }
  return 1;
}
