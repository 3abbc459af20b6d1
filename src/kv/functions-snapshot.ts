// The function libraries in a snapshot: a section before the script cache's, written only when a
// library exists, so the snapshot of a state without functions is byte for byte what it was before
// functions: "CAIRNFN1" | u32 count | count × (u32 bytes | library code), in library-name order |
// the first 8 bytes of their SHA-1. Decoding loads every library again (its code runs, registering
// its functions). FUNCTION DUMP's payload is Redis's format instead (function-rdb-dump.ts).

import { CairnError } from '../lib/errors.js';
import { Buffer } from 'node:buffer';
import { encodeByteList } from './byte-list.js';
import { scriptSha } from '../script/engine.js';
import { Functions } from './functions.js';

/** The section for the libraries (empty when there is none). */
export function encodeFunctionsSection(functions: Functions): Uint8Array {
  const libraries = functions.sorted();
  return libraries.length === 0 ? new Uint8Array(0) : encodeSection(libraries.map((library) => library.code));
}

/** The libraries a snapshot holds and the bytes after them. Throws CAIRN_CORRUPT. */
export function decodeFunctionsSection(bytes: Uint8Array, maxInstructions: number | undefined): { functions: Functions; rest: Uint8Array } {
  const functions = new Functions(maxInstructions);
  if (Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, MAGIC.length)).toString('latin1') !== MAGIC) return { functions, rest: bytes };
  const length = sectionBytes(bytes);
  if (length === undefined) throw new CairnError('CAIRN_CORRUPT', 'kv functions section: truncated or its checksum is wrong');
  const codes = decodeSection(bytes.subarray(0, length));
  if (codes === undefined || functions.restore(codes, 'append') !== undefined) throw new CairnError('CAIRN_CORRUPT', 'kv functions section: a library does not load');
  return { functions, rest: bytes.subarray(length) };
}

export const FUNCTIONS_MAGIC = 'CAIRNFN1';
const MAGIC = FUNCTIONS_MAGIC;
const MAGIC_BYTES = 8;
const CHECKSUM_BYTES = 8;

function checksum(bytes: Uint8Array): Buffer {
  return Buffer.from(scriptSha(bytes).slice(0, CHECKSUM_BYTES * 2), 'hex');
}

/** The library codes as one section. */
function encodeSection(codes: readonly Uint8Array[]): Uint8Array {
  const { out, at } = encodeByteList(MAGIC, codes, CHECKSUM_BYTES);
  checksum(out.subarray(0, at)).copy(out, at);
  return out;
}

/** The byte length of the payload at the start of `bytes`, or undefined when none is there. */
function sectionBytes(bytes: Uint8Array): number | undefined {
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

/** The library codes of a whole section, or undefined when it is not one. */
function decodeSection(bytes: Uint8Array): Uint8Array[] | undefined {
  if (sectionBytes(bytes) !== bytes.length) return undefined;
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
