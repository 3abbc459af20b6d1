// Keyspace commands that work on whole keys regardless of value: DEL, UNLINK, DELEX, EXISTS, TYPE,
// RENAME, RENAMENX, DBSIZE, FLUSHDB, FLUSHALL. Enumeration (KEYS, SCAN, RANDOMKEY) is in listing.ts.

import { OK, integerReply, type Reply } from '../lib/reply.js';
import { ERR_NO_SUCH_KEY, ERR_SYNTAX } from './args.js';
import { bytesEqual, isOption, keyOf } from './bytes.js';
import type { CommandSpec, ExecContext } from './command-types.js';
import { WRONGTYPE, type TypeName } from './collection.js';
import { typeNameOf } from './db.js';

const ZERO = integerReply(0);
const ONE = integerReply(1);
const NONE_TYPE: Reply = Object.freeze({ type: 'simple', value: 'none' });
const TYPE_REPLIES: Readonly<Record<TypeName, Reply>> = Object.freeze({
  string: simple('string'), list: simple('list'), set: simple('set'), zset: simple('zset'), hash: simple('hash'), stream: simple('stream'),
});

function simple(value: string): Reply {
  return Object.freeze({ type: 'simple', value });
}

function del(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  let deleted = 0;
  for (let i = 1; i < argv.length; i++) {
    const key = keyOf(argv[i] as Uint8Array);
    if (ctx.db.lookupForWrite(key, ctx.nowMs) === undefined || !ctx.db.remove(key)) continue;
    ctx.db.notify('g', 'del', key);
    deleted++;
  }
  return integerReply(deleted);
}

/** DELEX key [IFEQ value | IFNE value]: compare-and-delete (Redis 8.4). */
function delex(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  if (argv.length !== 2 && argv.length !== 4) return ERR_SYNTAX;
  const condition = argv[2];
  const ifEq = condition !== undefined && isOption(condition, 'ifeq');
  const ifNe = condition !== undefined && isOption(condition, 'ifne');
  if (condition !== undefined && !ifEq && !ifNe) return ERR_SYNTAX;
  const key = keyOf(argv[1] as Uint8Array);
  const record = ctx.db.lookupForWrite(key, ctx.nowMs);
  if (record === undefined) return ZERO;
  if (record.collection !== null && argv[3] !== undefined) return WRONGTYPE;
  const match = argv[3];
  if (match !== undefined && bytesEqual(record.value, match) !== ifEq) return ZERO;
  ctx.db.remove(key);
  ctx.db.notify('g', 'del', key);
  return ONE;
}

function exists(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  let found = 0;
  for (let i = 1; i < argv.length; i++) {
    if (ctx.db.lookup(keyOf(argv[i] as Uint8Array), ctx.nowMs) !== undefined) found++;
  }
  return integerReply(found);
}

function type(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const record = ctx.db.lookup(keyOf(argv[1] as Uint8Array), ctx.nowMs);
  return record === undefined ? NONE_TYPE : TYPE_REPLIES[typeNameOf(record)];
}

function renameWith(nx: boolean) {
  return (ctx: ExecContext, argv: readonly Uint8Array[]): Reply => {
    const source = keyOf(argv[1] as Uint8Array);
    const target = keyOf(argv[2] as Uint8Array);
    const record = ctx.db.lookupForWrite(source, ctx.nowMs);
    if (record === undefined) return ERR_NO_SUCH_KEY;
    if (source === target) return nx ? ZERO : OK;
    const existing = ctx.db.lookupForWrite(target, ctx.nowMs);
    if (existing !== undefined && nx) return ZERO;
    const { value, expireAtMs, collection, spareBytes, stringForm } = record;
    ctx.db.remove(source);
    ctx.db.remove(target);
    // The same value moves, spare room and encoding too (OBJECT ENCODING, MEMORY USAGE).
    ctx.db.set(target, value, expireAtMs, collection, spareBytes, stringForm);
    ctx.db.notify('g', 'rename_from', source);
    ctx.db.notify('g', 'rename_to', target);
    return nx ? ONE : OK;
  };
}

function dbsize(ctx: ExecContext): Reply {
  return integerReply(ctx.db.map.size);
}

function flushWith(all: boolean) {
  return (ctx: ExecContext, argv: readonly Uint8Array[]): Reply => {
    if (argv.length > 2) return ERR_SYNTAX;
    const mode = argv[1];
    if (mode !== undefined && !isOption(mode, 'sync') && !isOption(mode, 'async')) return ERR_SYNTAX;
    if (all) ctx.databases.clearAll();
    else ctx.db.flush();
    return OK;
  };
}

export const KEYSPACE_COMMANDS: readonly CommandSpec[] = [
  { name: 'del', arity: -2, flags: ['write'], firstKey: 1, lastKey: -1, keyStep: 1, group: 'generic', since: '1.0.0',
    summary: 'Deletes one or more keys.', complexity: 'O(N) where N is the number of keys that will be removed.', handler: del },
  { name: 'unlink', arity: -2, flags: ['write', 'fast'], firstKey: 1, lastKey: -1, keyStep: 1, group: 'generic', since: '4.0.0',
    summary: 'Asynchronously deletes one or more keys.', complexity: 'O(1) for each key removed regardless of its size.', handler: del },
  { name: 'delex', arity: -2, flags: ['write', 'fast'], firstKey: 1, lastKey: 1, keyStep: 1, group: 'string', since: '8.4.0',
    summary: 'Conditionally removes the specified key based on value comparison.', complexity: 'O(1) for IFEQ/IFNE.', handler: delex },
  { name: 'exists', arity: -2, flags: ['readonly', 'fast'], firstKey: 1, lastKey: -1, keyStep: 1, group: 'generic', since: '1.0.0',
    summary: 'Determines whether one or more keys exist.', complexity: 'O(N) where N is the number of keys to check.', handler: exists },
  { name: 'type', arity: 2, flags: ['readonly', 'fast'], firstKey: 1, lastKey: 1, keyStep: 1, group: 'generic', since: '1.0.0',
    summary: 'Determines the type of value stored at a key.', complexity: 'O(1)', handler: type },
  { name: 'rename', arity: 3, flags: ['write'], firstKey: 1, lastKey: 2, keyStep: 1, group: 'generic', since: '1.0.0',
    summary: 'Renames a key and overwrites the destination.', complexity: 'O(1)', handler: renameWith(false) },
  { name: 'renamenx', arity: 3, flags: ['write', 'fast'], firstKey: 1, lastKey: 2, keyStep: 1, group: 'generic', since: '1.0.0',
    summary: 'Renames a key only when the target key name doesn\'t exist.', complexity: 'O(1)', handler: renameWith(true) },
  { name: 'dbsize', arity: 1, flags: ['readonly', 'fast'], firstKey: 0, lastKey: 0, keyStep: 0, group: 'server', since: '1.0.0',
    summary: 'Returns the number of keys in the database.', complexity: 'O(1)', handler: dbsize },
  { name: 'flushdb', arity: -1, flags: ['write'], firstKey: 0, lastKey: 0, keyStep: 0, group: 'server', since: '1.0.0',
    summary: 'Removes all keys from the current database.', complexity: 'O(N) where N is the number of keys in the selected database', handler: flushWith(false) },
  { name: 'flushall', arity: -1, flags: ['write'], firstKey: 0, lastKey: 0, keyStep: 0, group: 'server', since: '1.0.0',
    summary: 'Removes all keys from all databases.', complexity: 'O(N) where N is the total number of keys in all databases', handler: flushWith(true) },
];
