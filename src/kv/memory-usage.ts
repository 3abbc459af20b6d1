// MEMORY USAGE / DOCTOR / STATS / MALLOC-STATS / PURGE / HELP. USAGE answers what redis-server 7.0
// would for a string (object.c objectComputeSize: the object header, its sds or embedded bytes in
// jemalloc's size classes, the key's sds and the dict entry); a collection reports its own
// memoryBytes(). STATS gives the keyspace's figures only (the process's own are in INFO memory).

import { ERR_NOT_INTEGER, ERR_SYNTAX, parseInt64 } from './args.js';
import { asciiBytes, isOption, keyOf } from './bytes.js';
import type { CommandSpec, ExecContext } from './command-types.js';
import { DICT_ENTRY_BYTES, keyEntryBytes, OBJECT_HEADER_BYTES, setStringBytes } from './dataset-bytes.js';
import { StringForm, type Db, type KvRecord } from './db.js';
import { stringEncoding } from './object.js';
import { sdsAllocationBytes } from './sds.js';
import { helpReply, subcommandHandler, type Subcommand } from './subcommands.js';
import { integerReply, NULL, OK, type Reply } from '../lib/reply.js';

/** A pointer, on a 64-bit build. */
const POINTER_BYTES = 8;
/** Bytes Redis would hold for a string value. */
function stringValueBytes(record: KvRecord): number {
  const length = record.valueBytes;
  switch (stringEncoding(record)) {
    case 'int': return OBJECT_HEADER_BYTES;
    case 'embstr': return setStringBytes(length);
    case 'raw': {
      // An edited string keeps the room Redis's would (sds.ts); others are allocated to fit.
      const edited = record.stringForm === StringForm.raw;
      const spareBytes = edited ? record.spareBytes : 0;
      return OBJECT_HEADER_BYTES + sdsAllocationBytes(length + spareBytes, spareBytes === 0);
    }
  }
}

/** MEMORY USAGE's figure for a present key. */
export function keyUsageBytes(key: string, record: KvRecord): number {
  const valueBytes = record.collection === null ? stringValueBytes(record) : record.collection.memoryBytes();
  return valueBytes + keyEntryBytes(key.length);
}

/** MEMORY USAGE key [SAMPLES count]: options first (Redis's order of errors), then the key. */
function usage(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  for (let j = 3; j < argv.length; j++) {
    const count = argv[j + 1];
    if (!isOption(argv[j] as Uint8Array, 'samples') || count === undefined) return ERR_SYNTAX;
    const samples = parseInt64(count);
    if (samples === undefined) return ERR_NOT_INTEGER;
    if (samples < 0n) return ERR_SYNTAX;
    j++;
  }
  const key = keyOf(argv[2] as Uint8Array);
  const record = ctx.db.lookup(key, ctx.nowMs);
  return record === undefined ? NULL : integerReply(keyUsageBytes(key, record));
}

/** Below this many keys DOCTOR says, as Redis below 5 MB, that there is too little to judge. */
const DOCTOR_KEYS_MIN = 10_000;

function doctor(ctx: ExecContext): Reply {
  const report = ctx.db.map.size < DOCTOR_KEYS_MIN
    ? 'Hi Sam, this instance is empty or is using very little memory, my issues detector can\'t be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n'
    : 'Hi Sam, I can\'t find any memory issue in your instance. I can only account for what occurs on this base.\n';
  return { type: 'verbatim', format: 'txt', value: report };
}

/** A dict's slots: Redis grows the table to the next power of two at a fill ratio of 1. */
function dictSlots(entries: number): number {
  return entries === 0 ? 0 : 2 ** Math.ceil(Math.log2(Math.max(4, entries)));
}

function stats(ctx: ExecContext): Reply {
  const db: Db = ctx.db;
  const keys = db.map.size;
  const main = keys * (DICT_ENTRY_BYTES + OBJECT_HEADER_BYTES) + dictSlots(keys) * POINTER_BYTES;
  const expires = db.expiringCount * DICT_ENTRY_BYTES + dictSlots(db.expiringCount) * POINTER_BYTES;
  const entries: [string, Reply][] = [];
  if (keys > 0) {
    const perDb: Reply = mapOf([['overhead.hashtable.main', integerReply(main)], ['overhead.hashtable.expires', integerReply(expires)]]);
    entries.push(['db.0', perDb]);
  }
  entries.push(['overhead.total', integerReply(main + expires)], ['keys.count', integerReply(keys)]);
  return mapOf(entries);
}

function mapOf(entries: readonly (readonly [string, Reply])[]): Reply {
  return { type: 'map', entries: entries.map(([k, v]) => [{ type: 'bulk', value: asciiBytes(k) }, v] as const) };
}

const HELP_LINES = [
  'DOCTOR',
  '    Return memory problems reports.',
  'MALLOC-STATS',
  '    Return internal statistics report from the memory allocator.',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'STATS',
  '    Return information about the memory usage of the server.',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
];

const MEMORY_SUBCOMMANDS: ReadonlyMap<string, Subcommand> = new Map<string, Subcommand>([
  ['doctor', { arity: 2, handler: doctor }],
  ['malloc-stats', { arity: 2, handler: () => ({ type: 'verbatim', format: 'txt', value: 'Stats not supported for the current allocator' }) }],
  ['purge', { arity: 2, handler: () => OK }],
  ['stats', { arity: 2, handler: stats }],
  ['usage', { arity: -3, handler: usage }],
  ['help', { arity: 2, handler: () => helpReply('memory', HELP_LINES) }],
]);

export const MEMORY_COMMANDS: readonly CommandSpec[] = [
  { name: 'memory', arity: -2, flags: ['readonly'], firstKey: 0, lastKey: 0, keyStep: 0, group: 'server', since: '4.0.0',
    summary: 'A container for memory diagnostics commands', complexity: 'Depends on subcommand.',
    handler: subcommandHandler('memory', MEMORY_SUBCOMMANDS) },
];
