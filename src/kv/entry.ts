// One log entry: the accepting node's time plus one or more commands applied atomically, with the
// WATCHed key versions that must still hold (MULTI/EXEC + WATCH). Relative TTLs inside the commands
// resolve against the entry's nowMs, so replaying the log rebuilds exactly the same state.
//
// Layout (little-endian): u8 format (1) | f64 nowMs | u32 commandCount |
//   commandCount × (u32 argc | argc × (u32 bytes | bytes)) | u32 watchCount |
//   watchCount × (u32 keyBytes | key | f64 version)
// Format 2, written only when a command or watch is in a database other than 0 (SELECT), puts a
// u8 database index before each command's argc and before each watch's keyBytes.
// A relayed entry (cluster-relay.ts) sets bit 0x80 of the format byte and puts its relay tag right
// after it: u8 tagBytes | tag. The tag names the follower's relay, so that the follower knows its
// entry when it applies it (relay-waiters.ts); applying never reads it, so kv's state — and its
// snapshot bytes — are the same with or without tags, and entries without one decode as before.

import { Buffer } from 'node:buffer';
import { assert } from '../lib/assert.js';
import type { Reply } from '../lib/reply.js';
import { keyOf } from './bytes.js';
import { ByteReader } from './reader.js';
import { Databases } from './databases.js';
import { runToEnd, type Stepper } from './databases-snapshot.js';
import type { KvState } from './state.js';

export const ENTRY_FORMAT = 1;
/** Format 1 with a database index per command and per watch. */
export const ENTRY_FORMAT_DATABASES = 2;
/** Bounds on what one entry may hold; a decoder never trusts a count beyond these. */
export const ENTRY_COMMANDS_MAX = 1_000_000;
export const COMMAND_ARGS_MAX = 1_000_000;
/** Set in the format byte when a relay tag follows it. */
const RELAY_TAG_FLAG = 0x80;
export const RELAY_TAG_BYTES_MAX = 255;

export interface EntryWatch {
  readonly key: Uint8Array;
  readonly version: number;
  /** The key's database (SELECT); 0 when not given. */
  readonly db?: number;
}

export interface Entry {
  readonly nowMs: number;
  readonly commands: readonly (readonly Uint8Array[])[];
  readonly watches?: readonly EntryWatch[];
  /** The database of each command (parallel to `commands`); all 0 when not given. */
  readonly dbs?: readonly number[];
  /** A relayed entry's tag (1..RELAY_TAG_BYTES_MAX bytes): who relayed it; never read by apply. */
  readonly relayTag?: Uint8Array;
}

/** The watches of the common entry, which has none (shared: an Entry is read-only). */
const NO_WATCHES: readonly EntryWatch[] = Object.freeze([]);
const ABORTED: readonly Reply[] = Object.freeze([Object.freeze({ type: 'nullArray' } as const)]);

export function encodeEntry(entry: Entry): Uint8Array {
  assert(Number.isSafeInteger(entry.nowMs) && entry.nowMs >= 0, 'entry nowMs must be a non-negative integer');
  assert(entry.commands.length > 0, 'an entry holds at least one command');
  const watches = entry.watches ?? [];
  const dbs = entry.dbs;
  assert(dbs === undefined || dbs.length === entry.commands.length, 'one database index per command');
  const withDbs = (dbs !== undefined && dbs.some((db) => db !== 0)) || watches.some((w) => (w.db ?? 0) !== 0);
  const tag = entry.relayTag;
  assert(tag === undefined || (tag.length > 0 && tag.length <= RELAY_TAG_BYTES_MAX), 'a relay tag holds 1 to 255 bytes');
  let totalBytes = 1 + (tag === undefined ? 0 : 1 + tag.length) + 8 + 4 + 4 + (withDbs ? entry.commands.length + watches.length : 0);
  for (const argv of entry.commands) {
    assert(argv.length > 0, 'a command has at least its name');
    totalBytes += 4;
    for (const arg of argv) totalBytes += 4 + arg.length;
  }
  for (const watch of watches) totalBytes += 4 + watch.key.length + 8;
  const out = Buffer.allocUnsafe(totalBytes);
  let at = out.writeUInt8((withDbs ? ENTRY_FORMAT_DATABASES : ENTRY_FORMAT) | (tag === undefined ? 0 : RELAY_TAG_FLAG), 0);
  if (tag !== undefined) {
    at = out.writeUInt8(tag.length, at);
    out.set(tag, at);
    at += tag.length;
  }
  at = out.writeDoubleLE(entry.nowMs, at);
  at = out.writeUInt32LE(entry.commands.length, at);
  for (const [c, argv] of entry.commands.entries()) {
    if (withDbs) at = out.writeUInt8(dbs?.[c] ?? 0, at);
    at = out.writeUInt32LE(argv.length, at);
    for (const arg of argv) {
      at = out.writeUInt32LE(arg.length, at);
      out.set(arg, at);
      at += arg.length;
    }
  }
  at = out.writeUInt32LE(watches.length, at);
  for (const watch of watches) {
    if (withDbs) at = out.writeUInt8(watch.db ?? 0, at);
    at = out.writeUInt32LE(watch.key.length, at);
    out.set(watch.key, at);
    at += watch.key.length;
    at = out.writeDoubleLE(watch.version, at);
  }
  assert(at === totalBytes, 'entry size computed wrongly');
  return out;
}

/**
 * Decodes an entry; arguments are views into `bytes`. Throws CAIRN_CORRUPT on any malformation.
 * With `storeOwned`, the caller promises that `bytes` sit in a buffer only the store holds and
 * nobody writes to again: the arguments become StoreOwnedBytes, which SET keeps without a copy.
 */
export function decodeEntry(bytes: Uint8Array, storeOwned = false): Entry {
  const r = new ByteReader(bytes, 'kv entry');
  const flags = r.u8('format');
  const format = flags & ~RELAY_TAG_FLAG;
  if (format !== ENTRY_FORMAT && format !== ENTRY_FORMAT_DATABASES) r.corrupt(`unknown entry format ${flags}`);
  const withDbs = format === ENTRY_FORMAT_DATABASES;
  const relayTag = (flags & RELAY_TAG_FLAG) === 0 ? undefined : readRelayTag(r);
  const nowMs = r.int('time', 0);
  const commandCount = r.u32('command count');
  if (commandCount === 0 || commandCount > ENTRY_COMMANDS_MAX) r.corrupt(`bad command count ${commandCount}`);
  const commands: Uint8Array[][] = [];
  const dbs: number[] | undefined = withDbs ? [] : undefined;
  for (let c = 0; c < commandCount; c++) {
    if (dbs !== undefined) dbs.push(readDbIndex(r));
    const argc = r.u32('argument count');
    if (argc === 0 || argc > COMMAND_ARGS_MAX || argc * 4 > r.remaining) r.corrupt(`bad argument count ${argc}`);
    const argv: Uint8Array[] = new Array<Uint8Array>(argc);
    for (let a = 0; a < argc; a++) {
      const argBytes = r.u32('argument length');
      argv[a] = storeOwned ? r.ownedView(argBytes, 'argument') : r.view(argBytes, 'argument');
    }
    commands.push(argv);
  }
  const watchCount = r.u32('watch count');
  if (watchCount * 12 > r.remaining) r.corrupt(`bad watch count ${watchCount}`);
  let watches: readonly EntryWatch[] = NO_WATCHES;
  if (watchCount > 0) {
    const read: EntryWatch[] = [];
    for (let w = 0; w < watchCount; w++) {
      const db = withDbs ? readDbIndex(r) : 0;
      const key = r.view(r.u32('watch key length'), 'watch key');
      read.push({ key, version: r.int('watch version', -Number.MAX_SAFE_INTEGER), db });
    }
    watches = read;
  }
  if (r.remaining !== 0) r.corrupt(`${r.remaining} trailing bytes`);
  const entry: Entry = dbs === undefined ? { nowMs, commands, watches } : { nowMs, commands, watches, dbs };
  return relayTag === undefined ? entry : { ...entry, relayTag };
}

function readRelayTag(r: ByteReader): Uint8Array {
  const tagBytes = r.u8('relay tag length');
  if (tagBytes === 0) r.corrupt('empty relay tag');
  return r.view(tagBytes, 'relay tag');
}

/**
 * The relay tag of an encoded entry, read from its first bytes without decoding the rest (every
 * applied entry is looked at); undefined for an entry without one or too short to hold one.
 */
export function relayTagOf(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes.length < 2 || (bytes[0]! & RELAY_TAG_FLAG) === 0) return undefined;
  const tagBytes = bytes[1]!;
  if (tagBytes === 0 || bytes.length < 2 + tagBytes) return undefined;
  return bytes.subarray(2, 2 + tagBytes);
}

function readDbIndex(r: ByteReader): number {
  const db = r.u8('database index');
  if (!Databases.isIndex(db)) r.corrupt(`database index ${db} out of range`);
  return db;
}

/**
 * Applies an entry: one reply per command, or `[nullArray]` (nothing runs) when a watched key's
 * version changed — MULTI/EXEC + WATCH semantics.
 */
export function applyEntry(state: KvState, bytes: Uint8Array): Reply[] {
  const entry = decodeEntry(bytes);
  return applyDecoded(state, entry);
}

export function applyDecoded(state: KvState, entry: Entry): Reply[] {
  const applied = applyDecodedInSteps(state, entry);
  return Array.isArray(applied) ? applied : runToEnd(applied);
}

/**
 * As applyDecoded, but an entry whose script runs past its first slice is handed back as steps
 * (KvState.executeSteps): the commands after it run once it ends, in the same steps.
 */
export function applyDecodedInSteps(state: KvState, entry: Entry): Reply[] | Stepper<Reply[]> {
  for (const watch of entry.watches ?? []) {
    if (state.keyVersion(keyOf(watch.key), entry.nowMs, watch.db ?? 0) !== watch.version) return [...ABORTED];
  }
  const replies: Reply[] = new Array<Reply>(entry.commands.length);
  const dbs = entry.dbs;
  let next = 0;
  let pending: Stepper<Reply> | null = null;
  /** Runs commands from `next` on: the replies once all ran, or null when one is left pending. */
  const runOn = (): Reply[] | null => {
    for (; next < entry.commands.length; next++) {
      const reply = state.executeSteps(entry.commands[next] as Uint8Array[], entry.nowMs, dbs === undefined ? 0 : (dbs[next] as number));
      if (!('step' in reply)) {
        replies[next] = reply;
        continue;
      }
      pending = reply;
      return null;
    }
    state.closeEntry(entry.nowMs);
    return replies;
  };
  const done = runOn();
  if (done !== null) return done;
  return {
    step(budget: number): Reply[] | null {
      assert(pending !== null, 'a pending entry has a pending command');
      const reply = pending.step(budget);
      if (reply === null) return null;
      pending = null;
      replies[next++] = reply;
      return runOn();
    },
  };
}
