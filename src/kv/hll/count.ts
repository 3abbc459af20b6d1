// hllCount: the register histogram of a dense, sparse or raw (one byte per register) HLL and the
// cardinality estimate Redis (>= 5) derives from it, Otmar Ertl's improved estimator ("New
// cardinality estimation algorithms for HyperLogLog sketches", arXiv:1702.01284) with the same
// floating-point steps, so counts agree with Redis to the unit. Also hllMerge into raw registers.

import { DENSE_BYTES, ENCODING_DENSE, HEADER_BYTES, denseRegister, encodingOf } from './format.js';
import { HLL_Q_MAX_RUN, HLL_REGISTERS } from './murmur.js';
import { walkSparse } from './sparse.js';

const ALPHA_INF = 0.721347520444481703680; // 0.5 / ln(2)
const HISTOGRAM_SIZE = 64;

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  let zPrime: number;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  let zPrime: number;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    z -= (1 - x) * (1 - x) * y;
  } while (zPrime !== z);
  return z / 3;
}

function bump(histogram: number[], register: number, by: number): void {
  histogram[register] = (histogram[register] as number) + by;
}

/** What C's llroundl, then a cast to uint64, makes of an estimate too big for an int64 (or infinite). */
const OUT_OF_RANGE = 1n << 63n;

/**
 * The estimate from a histogram of register values, as the uint64 hllCount returns: llroundl of a
 * positive double (half rounds up); an infinite one (every register past the longest possible run)
 * comes out as 2^63, as on x86.
 */
export function estimate(histogram: readonly number[]): bigint {
  const m = HLL_REGISTERS;
  let z = m * tau((m - (histogram[HLL_Q_MAX_RUN] as number)) / m);
  for (let j = HLL_Q_MAX_RUN - 1; j >= 1; j--) {
    z += histogram[j] as number;
    z *= 0.5;
  }
  z += m * sigma((histogram[0] as number) / m);
  const rounded = Math.round((ALPHA_INF * m * m) / z);
  return rounded < 2 ** 63 ? BigInt(rounded) : OUT_OF_RANGE;
}

/** The histogram of an HLL string, or undefined when its sparse opcodes do not cover every register. */
export function histogramOf(value: Uint8Array): number[] | undefined {
  const histogram = new Array<number>(HISTOGRAM_SIZE).fill(0);
  if (encodingOf(value) === ENCODING_DENSE) {
    // Four 6-bit registers in every 3 bytes, least significant bits first.
    for (let at = HEADER_BYTES; at < DENSE_BYTES; at += 3) {
      const b0 = value[at] as number;
      const b1 = value[at + 1] as number;
      const b2 = value[at + 2] as number;
      bump(histogram, b0 & 63, 1);
      bump(histogram, ((b0 >> 6) | (b1 << 2)) & 63, 1);
      bump(histogram, ((b1 >> 4) | (b2 << 4)) & 63, 1);
      bump(histogram, b2 >> 2, 1);
    }
    return histogram;
  }
  // hllSparseRegHisto counts every opcode, with no stop at an overlong run.
  let index = 0;
  for (let at = HEADER_BYTES; at < value.length;) {
    const op = value[at] as number;
    if ((op & 0x80) !== 0) {
      const span = (op & 3) + 1;
      bump(histogram, ((op >> 2) & 0x1f) + 1, span);
      index += span;
      at++;
    } else {
      const xzero = (op & 0x40) !== 0;
      const span = xzero ? (((op & 0x3f) << 8) | (value[at + 1] ?? 0)) + 1 : (op & 0x3f) + 1;
      bump(histogram, 0, span);
      index += span;
      at += xzero ? 2 : 1;
    }
  }
  return index === HLL_REGISTERS ? histogram : undefined;
}

/** The histogram of raw registers (one byte each), for PFCOUNT over several keys. */
export function rawHistogram(registers: Uint8Array): number[] {
  const histogram = new Array<number>(HISTOGRAM_SIZE).fill(0);
  for (let i = 0; i < HLL_REGISTERS; i++) bump(histogram, registers[i] as number, 1);
  return histogram;
}

/** hllMerge: raises each raw register to the HLL's; false when its sparse opcodes are corrupt. */
export function mergeInto(registers: Uint8Array, value: Uint8Array): boolean {
  if (encodingOf(value) === ENCODING_DENSE) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const register = denseRegister(value, i);
      if (register > (registers[i] as number)) registers[i] = register;
    }
    return true;
  }
  return walkSparse(value, value.length, (first, count, register) => {
    for (let i = first; i < first + count; i++) if (register > (registers[i] as number)) registers[i] = register;
  });
}
