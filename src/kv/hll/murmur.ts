// MurmurHash64A as Redis's hyperloglog.c uses it (endian-neutral, seed 0xadc83b19), in 32-bit
// halves so no BigInt is made per element, and hllPatLen: the register an element lands in and
// the length of the 000..1 run in the rest of its hash.

import { assert } from '../../lib/assert.js';

const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;
const SEED = 0xadc83b19;
/** Bits of the hash that choose the register. */
export const HLL_P = 14;
export const HLL_REGISTERS = 1 << HLL_P;
/** The longest run hllPatLen reports: 64 - P zeros and the final one. */
export const HLL_Q_MAX_RUN = 64 - HLL_P + 1;

/** A uint64 as two uint32 halves. */
class U64 {
  constructor(public hi: number, public lo: number) {}

  /** this = this × m mod 2^64, m = 0xc6a4a7935bd1e995. */
  mulM(): void {
    const aLo = this.lo;
    const a0 = aLo & 0xffff;
    const a1 = aLo >>> 16;
    const b0 = M_LO & 0xffff;
    const b1 = M_LO >>> 16;
    const p00 = a0 * b0;
    const p01 = a0 * b1;
    const p10 = a1 * b0;
    const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
    const carry = a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
    this.hi = (carry + Math.imul(this.hi, M_LO) + Math.imul(aLo, M_HI)) >>> 0;
    this.lo = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  }

  /** this ^= this >> 47. */
  xorShift47(): void {
    this.lo = (this.lo ^ (this.hi >>> 15)) >>> 0;
  }

  xor(hi: number, lo: number): void {
    this.hi = (this.hi ^ hi) >>> 0;
    this.lo = (this.lo ^ lo) >>> 0;
  }
}

function readLe32(data: Uint8Array, at: number): number {
  return ((data[at] as number) | ((data[at + 1] as number) << 8) | ((data[at + 2] as number) << 16) | ((data[at + 3] as number) << 24)) >>> 0;
}

export function murmurHash64A(data: Uint8Array): U64 {
  const length = data.length;
  const h = new U64(0, length >>> 0);
  h.mulM();
  h.xor(0, SEED);
  const blocksEnd = length - (length & 7);
  const k = new U64(0, 0);
  for (let at = 0; at < blocksEnd; at += 8) {
    k.lo = readLe32(data, at);
    k.hi = readLe32(data, at + 4);
    k.mulM();
    k.xorShift47();
    k.mulM();
    h.xor(k.hi, k.lo);
    h.mulM();
  }
  const tail = length & 7;
  if (tail > 0) {
    let hi = 0;
    let lo = 0;
    for (let i = tail - 1; i >= 0; i--) {
      const byte = data[blocksEnd + i] as number;
      if (i >= 4) hi |= byte << (8 * (i - 4));
      else lo |= byte << (8 * i);
    }
    h.xor(hi >>> 0, lo >>> 0);
    h.mulM();
  }
  h.xorShift47();
  h.mulM();
  h.xorShift47();
  return h;
}

function trailingZeros(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** hllPatLen: the register (low P bits of the hash) and the run length (1 + zeros above them, at most Q + 1). */
export function patternOf(element: Uint8Array): { readonly index: number; readonly count: number } {
  const hash = murmurHash64A(element);
  const index = hash.lo & (HLL_REGISTERS - 1);
  const lowRest = hash.lo >>> HLL_P; // hash bits 14-31
  let count: number;
  if (lowRest !== 0) count = trailingZeros(lowRest) + 1;
  else if (hash.hi !== 0) count = 32 - HLL_P + trailingZeros(hash.hi) + 1;
  else count = HLL_Q_MAX_RUN;
  assert(count >= 1 && count <= HLL_Q_MAX_RUN, 'pattern length out of range');
  return { index, count };
}
