// A plain string key's whole entry as one latin1 string: a short header with the key's WATCH version
// and insertion sequence number, then the value's bytes (one char per byte). Most keys of a big
// keyspace are plain strings (no expiry, no OBJECT/MEMORY model other than Redis's default), and an
// entry without a record object saves that object's ~72 bytes per key.
//
// Header: one char (versionChars << 4 | seqChars), then the version and the sequence number,
// each little-endian in base 256 over 1..7 chars (safe integers fit in 7). A version and seq below
// 2^24 each make a 7-char header.

import type { Buffer } from 'node:buffer';
import { assert } from '../lib/assert.js';
import { latin1Of } from './bytes.js';

/** Header chars at most: the lengths char and two 7-char numbers. */
export const PACKED_HEADER_CHARS_MAX = 15;
const NUMBER_CHARS_MAX = 7;

/** Writes `n` (a non-negative safe integer) little-endian base 256 at out[at]; returns the chars used. */
function writeNumber(out: Buffer, at: number, n: number): number {
  assert(Number.isSafeInteger(n) && n >= 0, 'a packed number is a non-negative safe integer');
  let chars = 0;
  do {
    out[at + chars] = n % 256;
    n = Math.floor(n / 256);
    chars++;
  } while (n > 0);
  assert(chars <= NUMBER_CHARS_MAX, 'a packed number fits 7 chars');
  return chars;
}

function readNumber(packed: string, at: number, chars: number): number {
  let n = 0;
  for (let i = chars - 1; i >= 0; i--) n = n * 256 + packed.charCodeAt(at + i);
  return n;
}

/**
 * The packed entry for a value: header and value are written into `scratch` (which must hold
 * PACKED_HEADER_CHARS_MAX + the value's length) and read back as one flat string.
 */
export function pack(scratch: Buffer, version: number, seq: number, value: Uint8Array | string): string {
  assert(scratch.length >= PACKED_HEADER_CHARS_MAX + value.length, 'packing scratch too small for the value');
  const versionChars = writeNumber(scratch, 1, version);
  const seqChars = writeNumber(scratch, 1 + versionChars, seq);
  scratch[0] = (versionChars << 4) | seqChars;
  const headerChars = 1 + versionChars + seqChars;
  if (typeof value === 'string') scratch.write(value, headerChars, value.length, 'latin1');
  else scratch.set(value, headerChars);
  return latin1Of(scratch, 0, headerChars + value.length);
}

/** The same entry with another version (a modification that keeps the value: SWAPDB). */
export function repack(scratch: Buffer, packed: string, version: number): string {
  return pack(scratch, version, packedSeq(packed), packedValue(packed));
}

export function headerChars(packed: string): number {
  const lengths = packed.charCodeAt(0);
  return 1 + (lengths >> 4) + (lengths & 15);
}

export function packedVersion(packed: string): number {
  return readNumber(packed, 1, packed.charCodeAt(0) >> 4);
}

export function packedSeq(packed: string): number {
  const lengths = packed.charCodeAt(0);
  return readNumber(packed, 1 + (lengths >> 4), lengths & 15);
}

/** The value's bytes as a latin1 string (a slice: no copy for all but the shortest). */
export function packedValue(packed: string): string {
  return packed.slice(headerChars(packed));
}

export function packedValueBytes(packed: string): number {
  return packed.length - headerChars(packed);
}
