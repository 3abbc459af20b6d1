// The script cache in a snapshot: a section before the databases, written only when the cache holds
// a script, so the snapshot of a state without scripts is byte for byte what it was before scripting:
//   "CAIRNSCR" | u32 count | count × (u32 bytes | body) | the databases snapshot
// Bodies go in SHA-1 order, so equal caches give equal bytes; their SHA-1s are computed again on
// decoding rather than trusted.

import { Buffer } from 'node:buffer';
import { encodeByteList } from './byte-list.js';
import { scriptSha } from '../script/engine.js';
import { ByteReader } from './reader.js';
import { Scripts, type ScriptsOptions } from './scripts.js';

export const SCRIPTS_MAGIC = 'CAIRNSCR';
const MAGIC_BYTES = 8;
/** A decoder never trusts a count beyond this (each script takes at least its 4-byte length). */
const SCRIPT_BYTES_MIN = 4;

/** The section for a cache (empty when it holds no script). */
export function encodeScriptsSection(scripts: Scripts): Uint8Array {
  const bodies = scripts.sortedBodies();
  if (bodies.length === 0) return new Uint8Array(0);
  return encodeByteList(SCRIPTS_MAGIC, bodies).out;
}

/** The cache a snapshot holds and the databases snapshot after it. Throws CAIRN_CORRUPT. */
export function decodeScriptsSection(bytes: Uint8Array, options: ScriptsOptions): { scripts: Scripts; rest: Uint8Array } {
  const scripts = new Scripts(options);
  if (bytes.length < MAGIC_BYTES || Buffer.from(bytes.buffer, bytes.byteOffset, MAGIC_BYTES).toString('latin1') !== SCRIPTS_MAGIC) return { scripts, rest: bytes };
  const r = new ByteReader(bytes, 'kv scripts section');
  r.latin1(MAGIC_BYTES, 'magic');
  const count = r.u32('script count');
  if (count * SCRIPT_BYTES_MIN > r.remaining) r.corrupt(`script count ${count} exceeds the snapshot size`);
  for (let i = 0; i < count; i++) {
    const body = Buffer.from(r.view(r.u32('script length'), 'script body'));
    if (scripts.body(scriptSha(body)) !== undefined) r.corrupt('a script held twice');
    scripts.restore(body);
  }
  return { scripts, rest: bytes.subarray(r.at) };
}
