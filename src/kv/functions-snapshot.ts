// The function libraries in a snapshot: a section before the script cache's, written only when a
// library exists, so the snapshot of a state without functions is byte for byte what it was before
// functions: FUNCTION DUMP's payload (function-dump.ts: magic, the codes in library-name order, a
// checksum). Decoding loads every library again (its code runs, registering its functions).

import { CairnError } from '../lib/errors.js';
import { Buffer } from 'node:buffer';
import { decodeFunctionDump, encodeFunctionDump, FUNCTION_DUMP_MAGIC, functionDumpBytes } from './function-dump.js';
import { Functions } from './functions.js';

/** The section for the libraries (empty when there is none). */
export function encodeFunctionsSection(functions: Functions): Uint8Array {
  const libraries = functions.sorted();
  return libraries.length === 0 ? new Uint8Array(0) : encodeFunctionDump(libraries.map((library) => library.code));
}

/** The libraries a snapshot holds and the bytes after them. Throws CAIRN_CORRUPT. */
export function decodeFunctionsSection(bytes: Uint8Array, maxInstructions: number | undefined): { functions: Functions; rest: Uint8Array } {
  const functions = new Functions(maxInstructions);
  if (Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, FUNCTION_DUMP_MAGIC.length)).toString('latin1') !== FUNCTION_DUMP_MAGIC) return { functions, rest: bytes };
  const length = functionDumpBytes(bytes);
  if (length === undefined) throw new CairnError('CAIRN_CORRUPT', 'kv functions section: truncated or its checksum is wrong');
  const codes = decodeFunctionDump(bytes.subarray(0, length));
  if (codes === undefined || functions.restore(codes, 'append') !== undefined) throw new CairnError('CAIRN_CORRUPT', 'kv functions section: a library does not load');
  return { functions, rest: bytes.subarray(length) };
}
