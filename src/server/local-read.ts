// Runs a read-only command against this node's applied kv state, now. GET — most of a read-heavy
// load — takes the state's allocation-free lookup instead of the general dispatch.

import { Buffer } from 'node:buffer';
import { NULL, type Reply } from '../lib/reply.js';
import type { KvState } from '../kv/state.js';
import { WRONGTYPE } from '../kv/collection.js';

export function readLocally(state: KvState, argv: readonly Uint8Array[], nowMs: number, db = 0): Reply {
  if (db !== 0) return state.execute(argv, nowMs, db);
  if (argv.length === 2 && isGet(argv[0]!)) {
    const value = state.getString(binaryKey(argv[1]!), nowMs);
    if (value === null) return WRONGTYPE;
    return value === undefined ? NULL : { type: 'bulk', value };
  }
  return state.execute(argv, nowMs);
}

/** Node's Buffer has latin1Slice (what toString('latin1') calls, minus the argument checks). */
interface Latin1Sliceable extends Buffer {
  latin1Slice(start: number, end: number): string;
}

/** A key's bytes as a latin1 string (the state's key form); the parser's arguments are already Buffers, so no view is built. */
function binaryKey(key: Uint8Array): string {
  const buffer = (Buffer.isBuffer(key) ? key : Buffer.from(key.buffer, key.byteOffset, key.byteLength)) as Latin1Sliceable;
  return buffer.latin1Slice(0, buffer.length);
}

/** "get" in any case, without building a string. */
export function isGet(name: Uint8Array): boolean {
  return name.length === 3 && (name[0]! | 0x20) === 0x67 && (name[1]! | 0x20) === 0x65 && (name[2]! | 0x20) === 0x74;
}
