// Primitive encoding for the peer protocol: the frame constants, a sink that either measures or
// writes fields (one field list serves both passes, so sizes and bytes never disagree), and a
// bounds-checked reader that throws CairnError CAIRN_CORRUPT naming the field that was malformed.
// Integers are big-endian; "u64" fields hold non-negative safe integers (below 2^53).

import { assert } from '../../lib/assert.js';
import { CairnError } from '../../lib/errors.js';

/**
 * The protocol version carried in every frame; a peer with another version is refused.
 * 2: every Raft message carries its sender's incarnation, and the staleIncarnation message.
 * 3: HELLO carries a nonce; CHALLENGE and PROOF prove the cluster secret (handshake-auth.ts).
 */
export const PEER_PROTOCOL_VERSION = 3;
/** Bytes of the length prefix in front of every frame. */
export const FRAME_LENGTH_BYTES = 4;
/** Version byte + type byte: the smallest frame body. */
export const FRAME_HEADER_BYTES = 2;
/** The default cap on one frame's body. */
export const FRAME_BYTES_MAX_DEFAULT = 64 * 1024 * 1024;
/** Node ids and cluster ids are 1..255 bytes of UTF-8. */
export const ID_BYTES_MAX = 255;

const TWO_POW_32 = 0x1_0000_0000;
const U64_HIGH_MAX = 0x1f_ffff; // 2^53 - 1 split into high and low words
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Where fields go: SizeSink counts bytes, BufferSink writes them. */
export interface WireSink {
  u8(value: number): void;
  u16(value: number): void;
  u32(value: number): void;
  u64(value: number): void;
  /** A string of 1..maxBytes UTF-8 bytes behind a u8 (maxBytes <= 255) or u16 length. */
  str(value: string, maxBytes: number, field: string): void;
  /** Bytes behind a u32 length. */
  bytes(value: Uint8Array): void;
}

function invalid(message: string): CairnError {
  return new CairnError('CAIRN_INVALID_ARGUMENT', message);
}

function checkU64(value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw invalid(`${field} must be a non-negative safe integer, got ${value}`);
}

/** Byte length of a string field, validated: non-empty, well-formed UTF-16, at most maxBytes. */
function strBytes(value: string, maxBytes: number, field: string): number {
  const length = Buffer.byteLength(value, 'utf8');
  if (length === 0 || length > maxBytes) throw invalid(`${field} must be 1..${maxBytes} bytes of UTF-8, got ${length}`);
  // byteLength === length means pure ASCII, which has no surrogates to check.
  if (length !== value.length && LONE_SURROGATE.test(value)) throw invalid(`${field} is not well-formed Unicode (lone surrogate)`);
  return length;
}

function lengthPrefixBytes(maxBytes: number): number {
  assert(maxBytes > 0 && maxBytes <= 0xffff, 'string cap must fit a u16');
  return maxBytes <= 0xff ? 1 : 2;
}

export class SizeSink implements WireSink {
  size = 0;
  u8(): void {
    this.size += 1;
  }
  u16(): void {
    this.size += 2;
  }
  u32(): void {
    this.size += 4;
  }
  u64(): void {
    this.size += 8;
  }
  str(value: string, maxBytes: number, field: string): void {
    this.size += lengthPrefixBytes(maxBytes) + strBytes(value, maxBytes, field);
  }
  bytes(value: Uint8Array): void {
    this.size += 4 + value.length;
  }
}

export class BufferSink implements WireSink {
  offset = 0;
  constructor(readonly buffer: Buffer) {}

  u8(value: number): void {
    assert(Number.isInteger(value) && value >= 0 && value <= 0xff, `u8 out of range: ${value}`);
    this.offset = this.buffer.writeUInt8(value, this.offset);
  }
  u16(value: number): void {
    this.offset = this.buffer.writeUInt16BE(value, this.offset);
  }
  u32(value: number): void {
    this.offset = this.buffer.writeUInt32BE(value, this.offset);
  }
  u64(value: number): void {
    checkU64(value, 'u64 field');
    this.offset = this.buffer.writeUInt32BE(Math.floor(value / TWO_POW_32), this.offset);
    this.offset = this.buffer.writeUInt32BE(value >>> 0, this.offset);
  }
  str(value: string, maxBytes: number, field: string): void {
    const length = strBytes(value, maxBytes, field);
    if (lengthPrefixBytes(maxBytes) === 1) this.u8(length);
    else this.u16(length);
    const written = this.buffer.write(value, this.offset, 'utf8');
    assert(written === length, `${field}: wrote ${written} of ${length} bytes`);
    this.offset += written;
  }
  bytes(value: Uint8Array): void {
    assert(value.length <= 0xffff_ffff, 'byte field longer than a u32 length');
    this.u32(value.length);
    this.buffer.set(value, this.offset);
    this.offset += value.length;
  }
}

/** Validates the u64 fields a writer will need before anything is written. */
export function requireU64(value: number, field: string): number {
  checkU64(value, field);
  return value;
}

export function corrupt(message: string): CairnError {
  return new CairnError('CAIRN_CORRUPT', `peer frame: ${message}`);
}

/** Reads fields from one frame body; every read is checked against the bytes that remain. */
export class WireReader {
  private offset = 0;
  constructor(private readonly buffer: Buffer) {}

  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  private need(bytes: number, field: string): void {
    if (bytes > this.remaining) throw corrupt(`${field} needs ${bytes} bytes, ${this.remaining} remain`);
  }

  u8(field: string): number {
    this.need(1, field);
    return this.buffer.readUInt8(this.offset++);
  }
  u16(field: string): number {
    this.need(2, field);
    const value = this.buffer.readUInt16BE(this.offset);
    this.offset += 2;
    return value;
  }
  u32(field: string): number {
    this.need(4, field);
    const value = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }
  u64(field: string): number {
    this.need(8, field);
    const high = this.buffer.readUInt32BE(this.offset);
    const low = this.buffer.readUInt32BE(this.offset + 4);
    if (high > U64_HIGH_MAX) throw corrupt(`${field} exceeds 2^53 - 1`);
    this.offset += 8;
    return high * TWO_POW_32 + low;
  }
  /** A bit set; any bit outside `allowedMask` is corruption. */
  flags(allowedMask: number, field: string): number {
    const value = this.u8(field);
    if ((value & ~allowedMask) !== 0) throw corrupt(`${field} has unknown bits 0x${value.toString(16)}`);
    return value;
  }
  str(maxBytes: number, field: string): string {
    const length = lengthPrefixBytes(maxBytes) === 1 ? this.u8(field) : this.u16(field);
    if (length === 0 || length > maxBytes) throw corrupt(`${field} length ${length} outside 1..${maxBytes}`);
    this.need(length, field);
    const view = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    try {
      return utf8.decode(view);
    } catch {
      throw corrupt(`${field} is not valid UTF-8`);
    }
  }
  /** A private copy, so a long-lived value never pins the socket's receive buffer. */
  bytes(field: string): Uint8Array {
    const length = this.u32(field);
    this.need(length, field);
    const copy = new Uint8Array(length);
    copy.set(this.buffer.subarray(this.offset, this.offset + length));
    this.offset += length;
    return copy;
  }
  /** A count of items each at least `minItemBytes` long: checked before anything is allocated. */
  count(width: 2 | 4, maxCount: number, minItemBytes: number, field: string): number {
    assert(minItemBytes > 0, 'items must have a minimum size');
    const value = width === 2 ? this.u16(field) : this.u32(field);
    if (value > maxCount) throw corrupt(`${field} ${value} exceeds ${maxCount}`);
    if (value * minItemBytes > this.remaining) throw corrupt(`${field} ${value} needs more bytes than remain (${this.remaining})`);
    return value;
  }
  /** Every byte of the body must have been consumed. */
  end(what: string): void {
    if (this.remaining !== 0) throw corrupt(`${this.remaining} trailing bytes after ${what}`);
  }
}
