// The bridge between the store and the kv state machine: which record kind carries kv entries,
// how a write becomes log bytes, and which commands may run as local reads.

import { Buffer } from 'node:buffer';
import { errorReply, type Reply } from '../lib/reply.js';
import { lookupCommand } from '../kv/commands.js';
import { applyEntry, encodeEntry, type EntryWatch } from '../kv/entry.js';
import { KvState } from '../kv/state.js';

/** Record kind of a kv entry in the log (other kinds, such as Raft no-ops, carry no kv commands). */
export const KV_ENTRY_KIND = 1;
/** Internal command proposed by active expiry. */
export const EXPIRED_COMMAND = Buffer.from('CAIRN.EXPIRED');

export interface WriteRequest {
  /** Commands applied atomically, in order; argv[0] is the name. */
  readonly commands: readonly (readonly Uint8Array[])[];
  /** MULTI/EXEC + WATCH: nothing runs (reply [nullArray]) if any key's version changed. */
  readonly watches?: readonly EntryWatch[];
}

export function encodeWrite(nowMs: number, request: WriteRequest): Uint8Array {
  return encodeEntry({ nowMs, commands: request.commands, watches: request.watches ?? [] });
}

export function applyWrite(state: KvState, bytes: Uint8Array): Reply[] {
  return applyEntry(state, bytes);
}

export function emptyState(): KvState {
  return new KvState();
}

/** An error reply when argv may not run as a local read (unknown commands are left to kv's own error). */
export function refuseAsRead(argv: readonly Uint8Array[]): Reply | undefined {
  const name = argv[0];
  if (name === undefined) return errorReply('ERR empty command');
  const spec = lookupCommand(name);
  if (spec !== undefined && spec.flags.includes('write')) return errorReply(`ERR '${spec.name}' is a write command; send it through Store.write`);
  return undefined;
}
