// String commands that read or replace whole values: GET, SET (with all its options), SETNX,
// SETEX, PSETEX, GETSET, GETDEL, GETEX, MGET, MSET, MSETNX, STRLEN. Counters and byte-range
// edits live in counters.ts and ranges.ts.

import { NULL, OK, integerReply, type Reply } from '../lib/reply.js';
import { ERR_NOT_INTEGER, ERR_SYNTAX, arityError, invalidExpireError } from './args.js';
import { bytesEqual, isOption, keyOf } from './bytes.js';
import type { CommandSpec, ExecContext } from './command-types.js';
import { NO_EXPIRY, type Db } from './db.js';
import { parsePositiveExpire, type ExpireParse } from './ttl.js';
import { WRONGTYPE } from './collection.js';
import { lookupString, lookupStringForWrite } from './typed.js';

const ZERO = integerReply(0);
const ONE = integerReply(1);

function get(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const record = lookupString(ctx.db, keyOf(argv[1] as Uint8Array), ctx.nowMs);
  if (record === null) return WRONGTYPE;
  return record === undefined ? NULL : { type: 'bulk', value: record.value };
}

/** What SET / GETEX options say; `expireArg` is parsed after the whole option list, as in Redis. */
interface SetOptions {
  nx: boolean;
  xx: boolean;
  get: boolean;
  keepTtl: boolean;
  persist: boolean;
  ifEq: Uint8Array | undefined;
  ifNe: Uint8Array | undefined;
  expireKind: 'ex' | 'px' | 'exat' | 'pxat' | undefined;
  expireArg: Uint8Array | undefined;
}

const EXPIRE_KINDS = ['ex', 'px', 'exat', 'pxat'] as const;

/** Redis's parseExtendedStringArgumentsOrReply for SET (forSet) or GETEX. Undefined = syntax error. */
function parseSetOptions(argv: readonly Uint8Array[], start: number, forSet: boolean): SetOptions | undefined {
  const o: SetOptions = {
    nx: false, xx: false, get: false, keepTtl: false, persist: false,
    ifEq: undefined, ifNe: undefined, expireKind: undefined, expireArg: undefined,
  };
  for (let j = start; j < argv.length; j++) {
    const opt = argv[j] as Uint8Array;
    const next = argv[j + 1];
    const conditional = o.ifEq !== undefined || o.ifNe !== undefined;
    if (forSet && isOption(opt, 'nx') && !o.xx && !conditional) o.nx = true;
    else if (forSet && isOption(opt, 'xx') && !o.nx && !conditional) o.xx = true;
    else if (forSet && isOption(opt, 'ifeq') && next !== undefined && !o.nx && !o.xx && !conditional) { o.ifEq = next; j++; }
    else if (forSet && isOption(opt, 'ifne') && next !== undefined && !o.nx && !o.xx && !conditional) { o.ifNe = next; j++; }
    else if (forSet && isOption(opt, 'get')) o.get = true;
    else if (forSet && isOption(opt, 'keepttl') && o.expireKind === undefined) o.keepTtl = true;
    else if (!forSet && isOption(opt, 'persist') && o.expireKind === undefined) o.persist = true;
    else {
      const kind = EXPIRE_KINDS.find((k) => isOption(opt, k));
      const clash = o.keepTtl || o.persist || (o.expireKind !== undefined && o.expireKind !== kind);
      if (kind === undefined || clash || next === undefined) return undefined;
      o.expireKind = kind;
      o.expireArg = next;
      j++;
    }
  }
  return o;
}

/** The absolute expiry the options ask for: NO_EXPIRY when none, or an error reply. */
function optionExpire(o: SetOptions, nowMs: number, name: string): number | Reply {
  if (o.expireKind === undefined || o.expireArg === undefined) return NO_EXPIRY;
  const unitMs = o.expireKind === 'ex' || o.expireKind === 'exat' ? 1000 : 1;
  const relative = o.expireKind === 'ex' || o.expireKind === 'px';
  return expireOrError(parsePositiveExpire(o.expireArg, unitMs, relative, nowMs), name);
}

function expireOrError(parsed: ExpireParse, name: string): number | Reply {
  if (parsed.ok) return parsed.expireAtMs;
  return parsed.reason === 'not-integer' ? ERR_NOT_INTEGER : invalidExpireError(name);
}

function set(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const o = parseSetOptions(argv, 3, true);
  if (o === undefined) return ERR_SYNTAX;
  const expireAtMs = optionExpire(o, ctx.nowMs, 'set');
  if (typeof expireAtMs !== 'number') return expireAtMs;
  const key = keyOf(argv[1] as Uint8Array);
  if (!o.get && o.ifEq === undefined && o.ifNe === undefined && !o.keepTtl) {
    // The common SET: only whether the key is there matters, not its record or value.
    const present = ctx.db.presentForWrite(key, ctx.nowMs);
    if ((o.nx && present) || (o.xx && !present)) return NULL;
    storeValue(ctx.db, key, argv[2] as Uint8Array, expireAtMs, ctx.nowMs, o.expireKind !== undefined);
    return OK;
  }
  const found = ctx.db.lookupForWrite(key, ctx.nowMs);
  const wrongType = found !== undefined && found.collection !== null;
  if (wrongType && (o.get || o.ifEq !== undefined || o.ifNe !== undefined)) return WRONGTYPE;
  const existing = found;
  const previous: Reply = existing === undefined ? NULL : { type: 'bulk', value: existing.value };
  const skip =
    (o.nx && existing !== undefined) ||
    (o.xx && existing === undefined) ||
    (o.ifEq !== undefined && (existing === undefined || !bytesEqual(existing.value, o.ifEq))) ||
    (o.ifNe !== undefined && existing !== undefined && bytesEqual(existing.value, o.ifNe));
  if (skip) return o.get ? previous : NULL;
  const keptExpiry = o.keepTtl && existing !== undefined ? existing.expireAtMs : NO_EXPIRY;
  storeValue(ctx.db, key, argv[2] as Uint8Array, o.expireKind === undefined ? keptExpiry : expireAtMs, ctx.nowMs, o.expireKind !== undefined);
  return o.get ? previous : OK;
}

/**
 * Sets a value, raising `set` (and `expire` with an expiry), as Redis's setGenericCommand; an
 * expiry already in the past leaves the key deleted, as Redis does.
 */
function storeValue(db: Db, key: string, value: Uint8Array, expireAtMs: number, nowMs: number, withExpiry = expireAtMs !== NO_EXPIRY): void {
  if (expireAtMs !== NO_EXPIRY && expireAtMs <= nowMs) {
    // Redis stores the key (new if it was absent) with its past expiry; here it is gone at once.
    if (!db.remove(key)) db.notify('n', 'new', key);
    db.notify('$', 'set', key);
    db.notify('g', 'expire', key);
    return;
  }
  db.set(key, value, expireAtMs);
  db.notifySet(key, value);
  if (withExpiry) db.notify('g', 'expire', key);
}

function setnx(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const key = keyOf(argv[1] as Uint8Array);
  if (ctx.db.lookupForWrite(key, ctx.nowMs) !== undefined) return ZERO;
  ctx.db.set(key, argv[2] as Uint8Array, NO_EXPIRY);
  ctx.db.notify('$', 'set', key);
  return ONE;
}

function setexWith(unitMs: 1 | 1000, name: string) {
  return (ctx: ExecContext, argv: readonly Uint8Array[]): Reply => {
    const expireAtMs = expireOrError(parsePositiveExpire(argv[2] as Uint8Array, unitMs, true, ctx.nowMs), name);
    if (typeof expireAtMs !== 'number') return expireAtMs;
    const key = keyOf(argv[1] as Uint8Array);
    ctx.db.lookupForWrite(key, ctx.nowMs);
    storeValue(ctx.db, key, argv[3] as Uint8Array, expireAtMs, ctx.nowMs);
    return OK;
  };
}

function getset(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const key = keyOf(argv[1] as Uint8Array);
  const existing = lookupStringForWrite(ctx.db, key, ctx.nowMs);
  if (existing === null) return WRONGTYPE;
  const previous: Reply = existing === undefined ? NULL : { type: 'bulk', value: existing.value };
  ctx.db.set(key, argv[2] as Uint8Array, NO_EXPIRY);
  ctx.db.notify('$', 'set', key);
  return previous;
}

function getdel(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const key = keyOf(argv[1] as Uint8Array);
  const existing = lookupStringForWrite(ctx.db, key, ctx.nowMs);
  if (existing === null) return WRONGTYPE;
  if (existing === undefined) return NULL;
  ctx.db.remove(key);
  ctx.db.notify('g', 'del', key);
  return { type: 'bulk', value: existing.value };
}

function getex(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const o = parseSetOptions(argv, 2, false);
  if (o === undefined) return ERR_SYNTAX;
  const key = keyOf(argv[1] as Uint8Array);
  const existing = lookupStringForWrite(ctx.db, key, ctx.nowMs);
  if (existing === null) return WRONGTYPE;
  if (existing === undefined) return NULL; // Redis looks the key up before validating the expiry
  const expireAtMs = optionExpire(o, ctx.nowMs, 'getex');
  if (typeof expireAtMs !== 'number') return expireAtMs;
  const reply: Reply = { type: 'bulk', value: existing.value };
  if (o.expireKind !== undefined && expireAtMs <= ctx.nowMs) {
    ctx.db.remove(key);
    ctx.db.notify('g', 'del', key);
  } else if (o.expireKind !== undefined) {
    ctx.db.changeExpiry(key, existing, expireAtMs);
    ctx.db.notify('g', 'expire', key);
  } else if (o.persist && existing.expireAtMs !== NO_EXPIRY) {
    ctx.db.changeExpiry(key, existing, NO_EXPIRY);
    ctx.db.notify('g', 'persist', key);
  }
  return reply;
}

function mget(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const items: Reply[] = [];
  for (let i = 1; i < argv.length; i++) {
    const record = lookupString(ctx.db, keyOf(argv[i] as Uint8Array), ctx.nowMs);
    items.push(record === undefined || record === null ? NULL : { type: 'bulk', value: record.value });
  }
  return { type: 'array', items };
}

function mset(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  if (argv.length % 2 === 0) return arityError('mset');
  for (let i = 1; i < argv.length; i += 2) {
    const key = keyOf(argv[i] as Uint8Array);
    // An expired record is removed first (its version lineage kept), as lookupForWrite does.
    ctx.db.presentForWrite(key, ctx.nowMs);
    ctx.db.set(key, argv[i + 1] as Uint8Array, NO_EXPIRY);
    ctx.db.notifySet(key, argv[i + 1] as Uint8Array);
  }
  return OK;
}

function msetnx(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  if (argv.length % 2 === 0) return arityError('msetnx');
  for (let i = 1; i < argv.length; i += 2) {
    if (ctx.db.lookupForWrite(keyOf(argv[i] as Uint8Array), ctx.nowMs) !== undefined) return ZERO;
  }
  for (let i = 1; i < argv.length; i += 2) {
    const key = keyOf(argv[i] as Uint8Array);
    ctx.db.set(key, argv[i + 1] as Uint8Array, NO_EXPIRY);
    ctx.db.notifySet(key, argv[i + 1] as Uint8Array);
  }
  return ONE;
}

function strlen(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const record = lookupString(ctx.db, keyOf(argv[1] as Uint8Array), ctx.nowMs);
  if (record === null) return WRONGTYPE;
  return integerReply(record === undefined ? 0 : record.value.length);
}

export const STRING_COMMANDS: readonly CommandSpec[] = [
  { name: 'get', arity: 2, flags: ['readonly', 'fast'], firstKey: 1, lastKey: 1, keyStep: 1, group: 'string', since: '1.0.0',
    summary: 'Returns the string value of a key.', complexity: 'O(1)', handler: get },
  { name: 'set', arity: -3, flags: ['write', 'denyoom'], firstKey: 1, lastKey: 1, keyStep: 1, group: 'string', since: '1.0.0',
    summary: 'Sets the string value of a key, ignoring its type. The key is created if it doesn\'t exist.', complexity: 'O(1)', handler: set },
  { name: 'setnx', arity: 3, flags: ['write', 'denyoom', 'fast'], firstKey: 1, lastKey: 1, keyStep: 1, group: 'string', since: '1.0.0',
    summary: 'Set the string value of a key only when the key doesn\'t exist.', complexity: 'O(1)', handler: setnx },
  { name: 'setex', arity: 4, flags: ['write', 'denyoom'], firstKey: 1, lastKey: 1, keyStep: 1, group: 'string', since: '2.0.0',
    summary: 'Sets the string value and expiration time of a key. Creates the key if it doesn\'t exist.', complexity: 'O(1)', handler: setexWith(1000, 'setex') },
  { name: 'psetex', arity: 4, flags: ['write', 'denyoom'], firstKey: 1, lastKey: 1, keyStep: 1, group: 'string', since: '2.6.0',
    summary: 'Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn\'t exist.', complexity: 'O(1)', handler: setexWith(1, 'psetex') },
  { name: 'getset', arity: 3, flags: ['write', 'denyoom', 'fast'], firstKey: 1, lastKey: 1, keyStep: 1, group: 'string', since: '1.0.0',
    summary: 'Returns the previous string value of a key after setting it to a new value.', complexity: 'O(1)', handler: getset },
  { name: 'getdel', arity: 2, flags: ['write', 'fast'], firstKey: 1, lastKey: 1, keyStep: 1, group: 'string', since: '6.2.0',
    summary: 'Returns the string value of a key after deleting the key.', complexity: 'O(1)', handler: getdel },
  { name: 'getex', arity: -2, flags: ['write', 'fast'], firstKey: 1, lastKey: 1, keyStep: 1, group: 'string', since: '6.2.0',
    summary: 'Returns the string value of a key after setting its expiration time.', complexity: 'O(1)', handler: getex },
  { name: 'mget', arity: -2, flags: ['readonly', 'fast'], firstKey: 1, lastKey: -1, keyStep: 1, group: 'string', since: '1.0.0',
    summary: 'Atomically returns the string values of one or more keys.', complexity: 'O(N) where N is the number of keys to retrieve.', handler: mget },
  { name: 'mset', arity: -3, flags: ['write', 'denyoom'], firstKey: 1, lastKey: -1, keyStep: 2, group: 'string', since: '1.0.1',
    summary: 'Atomically creates or modifies the string values of one or more keys.', complexity: 'O(N) where N is the number of keys to set.', handler: mset },
  { name: 'msetnx', arity: -3, flags: ['write', 'denyoom'], firstKey: 1, lastKey: -1, keyStep: 2, group: 'string', since: '1.0.1',
    summary: 'Atomically modifies the string values of one or more keys only when all keys don\'t exist.', complexity: 'O(N) where N is the number of keys to set.', handler: msetnx },
  { name: 'strlen', arity: 2, flags: ['readonly', 'fast'], firstKey: 1, lastKey: 1, keyStep: 1, group: 'string', since: '2.2.0',
    summary: 'Returns the length of a string value.', complexity: 'O(1)', handler: strlen },
];
