// FUNCTION DUMP's payload in Redis 7.0's own bytes, so a dump taken from redis-server restores here
// and one taken here restores on redis-server: per library the RDB opcode FUNCTION2 (245) and its
// code as an RDB string, then the RDB version (10, two bytes little-endian) and the CRC-64/Jones of
// everything before it (lib/crc64.ts). Codes are written uncompressed (Redis may LZF-compress a
// code over 20 bytes; its RESTORE reads either form, and RESTORE here reads both).

import { Buffer } from 'node:buffer';
import { crc64Jones } from '../lib/crc64.js';

/** The RDB version redis-server 7.0 writes; a payload from a newer one is refused, as Redis does. */
export const RDB_VERSION = 10;
const OPCODE_FUNCTION2 = 245;
const FOOTER_BYTES = 10;
/** The largest library code RESTORE will inflate (Redis's proto-max-bulk-len). */
const CODE_BYTES_MAX = 512 * 1024 * 1024;

/** The library codes as one payload. */
export function encodeRdbFunctionDump(codes: readonly Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const code of codes) parts.push(Uint8Array.of(OPCODE_FUNCTION2), rdbLength(code.length), code);
  parts.push(Uint8Array.of(RDB_VERSION & 0xff, RDB_VERSION >> 8));
  const body = Buffer.concat(parts);
  return Buffer.concat([body, crc64Jones(body)]);
}

/** The library codes of a payload, or Redis's message (without `ERR `) for what is wrong with it. */
export function decodeRdbFunctionDump(payload: Uint8Array): Uint8Array[] | string {
  if (!footerIsValid(payload)) return 'DUMP payload version or checksum are wrong';
  // As Redis, a string is read from the whole payload: one that runs into the footer is read, and
  // then fails to load as a library, rather than being refused as cut short.
  const reader = new RdbReader(payload);
  const codes: Uint8Array[] = [];
  while (reader.offset < payload.length - FOOTER_BYTES) {
    const type = reader.byte();
    if (type !== OPCODE_FUNCTION2) return 'given type is not a function';
    const code = reader.string();
    if (code === undefined) return 'Failed loading library payload';
    codes.push(code);
  }
  return codes;
}

function footerIsValid(payload: Uint8Array): boolean {
  if (payload.length < FOOTER_BYTES) return false;
  const footer = payload.length - FOOTER_BYTES;
  const version = (payload[footer] as number) | ((payload[footer + 1] as number) << 8);
  if (version > RDB_VERSION) return false;
  return Buffer.from(crc64Jones(payload.subarray(0, payload.length - 8))).equals(payload.subarray(payload.length - 8));
}

/** An RDB length: 6 bits, 14 bits, or a 32-bit big-endian length after 0x80. */
function rdbLength(length: number): Uint8Array {
  if (length < 1 << 6) return Uint8Array.of(length);
  if (length < 1 << 14) return Uint8Array.of(0x40 | (length >> 8), length & 0xff);
  const out = Buffer.alloc(5);
  out[0] = 0x80;
  out.writeUInt32BE(length, 1);
  return out;
}

/** Reads RDB lengths and strings (raw, integer-encoded or LZF) from a payload's body. */
class RdbReader {
  private at = 0;

  constructor(private readonly bytes: Uint8Array) {}

  get offset(): number {
    return this.at;
  }

  byte(): number | undefined {
    return this.at < this.bytes.length ? this.bytes[this.at++] : undefined;
  }

  /** A length, or for an encoded string `{ encoding }` (the low six bits of its first byte). */
  private length(): number | { encoding: number } | undefined {
    const first = this.byte();
    if (first === undefined) return undefined;
    const kind = first >> 6;
    if (kind === 0) return first & 0x3f;
    if (kind === 3) return { encoding: first & 0x3f };
    if (kind === 1) {
      const second = this.byte();
      return second === undefined ? undefined : ((first & 0x3f) << 8) | second;
    }
    const size = first === 0x80 ? 4 : first === 0x81 ? 8 : 0;
    if (size === 0 || this.at + size > this.bytes.length) return undefined;
    const view = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.at, size);
    this.at += size;
    const value = size === 4 ? view.readUInt32BE(0) : Number(view.readBigUInt64BE(0));
    return value <= CODE_BYTES_MAX ? value : undefined;
  }

  string(): Uint8Array | undefined {
    const length = this.length();
    if (length === undefined) return undefined;
    if (typeof length === 'number') return this.take(length);
    if (length.encoding <= 2) return this.integer(1 << length.encoding);
    if (length.encoding !== 3) return undefined;
    const compressedBytes = this.length();
    const plainBytes = this.length();
    if (typeof compressedBytes !== 'number' || typeof plainBytes !== 'number') return undefined;
    const compressed = this.take(compressedBytes);
    return compressed === undefined ? undefined : lzfDecompress(compressed, plainBytes);
  }

  private integer(size: number): Uint8Array | undefined {
    const bytes = this.take(size);
    if (bytes === undefined) return undefined;
    const view = Buffer.from(bytes);
    const value = size === 1 ? view.readInt8(0) : size === 2 ? view.readInt16LE(0) : view.readInt32LE(0);
    return Buffer.from(String(value), 'latin1');
  }

  private take(count: number): Uint8Array | undefined {
    if (this.at + count > this.bytes.length) return undefined;
    const out = this.bytes.subarray(this.at, this.at + count);
    this.at += count;
    return out;
  }
}

/** liblzf's format: a control byte below 32 starts a literal run of control+1 bytes; above, a
 *  back reference of (control >> 5) + 2 bytes (7 means a length byte follows) at a 13-bit offset. */
export function lzfDecompress(input: Uint8Array, plainBytes: number): Uint8Array | undefined {
  const out = new Uint8Array(plainBytes);
  let inAt = 0;
  let outAt = 0;
  while (inAt < input.length) {
    const control = input[inAt++] as number;
    if (control < 32) {
      const run = control + 1;
      if (outAt + run > plainBytes || inAt + run > input.length) return undefined;
      out.set(input.subarray(inAt, inAt + run), outAt);
      inAt += run;
      outAt += run;
      continue;
    }
    let run = control >> 5;
    if (run === 7) {
      if (inAt >= input.length) return undefined;
      run += input[inAt++] as number;
    }
    if (inAt >= input.length) return undefined;
    const from = outAt - ((control & 0x1f) << 8) - (input[inAt++] as number) - 1;
    run += 2;
    if (from < 0 || outAt + run > plainBytes) return undefined;
    for (let i = 0; i < run; i++) out[outAt++] = out[from + i] as number;
  }
  return outAt === plainBytes ? out : undefined;
}
