// OBJECT ENCODING / FREQ / IDLETIME / REFCOUNT / HELP, and how Redis 7.0 would hold a string value
// (object.c's tryObjectEncoding): 'int' for an integer in long range of at most 20 characters (one
// of the shared objects when 0..9999), 'embstr' up to 44 bytes, 'raw' beyond, with the record's
// StringForm for the cases where Redis does not re-encode (APPEND, SETRANGE, INCRBYFLOAT, COPY).
//
// IDLETIME answers 0: a per-key last-access time would cost every record 8 bytes; the LRU eviction
// policies use the leader's own access clock (server/access-clock.ts), outside the replicated state. FREQ answers Redis's error, as Redis does without an LFU policy.

import { errorReply, integerReply, NULL, type Reply } from '../lib/reply.js';
import { parseInt64 } from './args.js';
import { asciiBytes, keyOf } from './bytes.js';
import type { CommandSpec, ExecContext } from './command-types.js';
import { EMBSTR_BYTES_MAX } from './dataset-bytes.js';
import { StringForm, type KvRecord } from './db.js';
import { createdSpareBytes } from './sds.js';
import { helpReply, subcommandHandler, type Subcommand } from './subcommands.js';

/** Integers Redis keeps as shared objects (OBJ_SHARED_INTEGERS). */
const SHARED_INTEGERS = 10_000n;
/** The refcount Redis reports for a shared object (OBJ_SHARED_REFCOUNT = INT_MAX). */
const SHARED_REFCOUNT = 2_147_483_647;
const LONG_DIGITS_MAX = 20;

const ERR_NO_LFU = errorReply(
  'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
);

export type StringEncoding = 'int' | 'embstr' | 'raw';

/** The integer a string value would be held as, or undefined when Redis would keep its bytes. */
function integerForm(record: KvRecord): bigint | undefined {
  const form = record.stringForm;
  if (form === StringForm.plain || form === StringForm.raw) return undefined;
  if (record.valueBytes > LONG_DIGITS_MAX) return undefined;
  return parseInt64(record.value);
}

/** OBJECT ENCODING of a string record. */
export function stringEncoding(record: KvRecord): StringEncoding {
  if (record.stringForm === StringForm.raw) return 'raw';
  if (integerForm(record) !== undefined) return 'int';
  return record.valueBytes <= EMBSTR_BYTES_MAX ? 'embstr' : 'raw';
}

/**
 * The room Redis's string holds after this value's bytes, which APPEND and SETRANGE fill before they
 * grow it: int and embstr values are first copied into a fresh raw string (dbUnshareStringValue); a
 * raw one SET made was trimmed when its room passed a tenth of its length (trimStringObjectIfNeeded).
 */
export function editableSpareBytes(record: KvRecord): number {
  if (record.stringForm === StringForm.raw) return record.spareBytes;
  const length = record.valueBytes;
  const created = createdSpareBytes(length);
  if (stringEncoding(record) !== 'raw' || record.stringForm !== StringForm.encoded) return created;
  return created > Math.floor(length / 10) ? 0 : created;
}

function refcount(record: KvRecord): number {
  if (record.collection !== null || record.stringForm !== StringForm.encoded) return 1;
  const integer = integerForm(record);
  return integer !== undefined && integer >= 0n && integer < SHARED_INTEGERS ? SHARED_REFCOUNT : 1;
}

/** The subcommands that take a key: look it up (without touching it) and answer null when absent. */
function withRecord(answer: (record: KvRecord) => Reply): Subcommand {
  return {
    arity: 3,
    handler: (ctx: ExecContext, argv: readonly Uint8Array[]): Reply => {
      const record = ctx.db.lookup(keyOf(argv[2] as Uint8Array), ctx.nowMs);
      return record === undefined ? NULL : answer(record);
    },
  };
}

const HELP_LINES = [
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
];

const OBJECT_SUBCOMMANDS: ReadonlyMap<string, Subcommand> = new Map([
  ['encoding', withRecord((r) => ({ type: 'bulk', value: asciiBytes(r.collection?.encoding() ?? stringEncoding(r)) }))],
  ['freq', withRecord(() => ERR_NO_LFU)],
  ['idletime', withRecord(() => integerReply(0))],
  ['refcount', withRecord((r) => integerReply(refcount(r)))],
  ['help', { arity: 2, handler: () => helpReply('object', HELP_LINES) }],
]);

export const OBJECT_COMMANDS: readonly CommandSpec[] = [
  { name: 'object', arity: -2, flags: ['readonly'], firstKey: 0, lastKey: 0, keyStep: 0, group: 'generic', since: '2.2.3',
    summary: 'A container for object introspection commands', complexity: 'Depends on subcommand.',
    handler: subcommandHandler('object', OBJECT_SUBCOMMANDS) },
];
