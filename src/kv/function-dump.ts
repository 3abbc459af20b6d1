// FUNCTION DUMP's payload in Cairn (not Redis's RDB bytes, which RESTORE here does not read):
//   "CAIRNFN1" | u32 count | count × (u32 bytes | library code) | the first 8 bytes of their SHA-1
// RESTORE accepts what DUMP gives and refuses anything whose magic or checksum is wrong.

import { Buffer } from 'node:buffer';
import { encodeByteList } from './byte-list.js';
import { scriptSha } from '../script/engine.js';

export const FUNCTION_DUMP_MAGIC = 'CAIRNFN1';
const MAGIC = FUNCTION_DUMP_MAGIC;
const MAGIC_BYTES = 8;
const CHECKSUM_BYTES = 8;

function checksum(bytes: Uint8Array): Buffer {
  return Buffer.from(scriptSha(bytes).slice(0, CHECKSUM_BYTES * 2), 'hex');
}

/** The library codes as one payload (and as the functions section of a snapshot). */
export function encodeFunctionDump(codes: readonly Uint8Array[]): Uint8Array {
  const { out, at } = encodeByteList(MAGIC, codes, CHECKSUM_BYTES);
  checksum(out.subarray(0, at)).copy(out, at);
  return out;
}

/** The byte length of the payload at the start of `bytes`, or undefined when none is there. */
export function functionDumpBytes(bytes: Uint8Array): number | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (buf.length < MAGIC_BYTES + 4 + CHECKSUM_BYTES || buf.toString('latin1', 0, MAGIC_BYTES) !== MAGIC) return undefined;
  const count = buf.readUInt32LE(MAGIC_BYTES);
  let at = MAGIC_BYTES + 4;
  for (let i = 0; i < count; i++) {
    if (at + 4 > buf.length) return undefined;
    at += 4 + buf.readUInt32LE(at);
  }
  if (at + CHECKSUM_BYTES > buf.length) return undefined;
  return checksum(buf.subarray(0, at)).equals(buf.subarray(at, at + CHECKSUM_BYTES)) ? at + CHECKSUM_BYTES : undefined;
}

/** The library codes of a whole payload, or undefined when it is not one DUMP gave. */
export function decodeFunctionDump(bytes: Uint8Array): Uint8Array[] | undefined {
  if (functionDumpBytes(bytes) !== bytes.length) return undefined;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const codes: Uint8Array[] = [];
  let at = MAGIC_BYTES + 4;
  for (let i = buf.readUInt32LE(MAGIC_BYTES); i > 0; i--) {
    const length = buf.readUInt32LE(at);
    codes.push(Buffer.from(buf.subarray(at + 4, at + 4 + length)));
    at += 4 + length;
  }
  return codes;
}
