// Expiry: the EXPIRE family (NX XX GT LT), TTL/PTTL/EXPIRETIME/PEXPIRETIME, PERSIST, the internal
// CAIRN.EXPIRED command that reclaims a key whose time ran out, and collectExpired, the bounded
// scan the store uses to find keys to propose CAIRN.EXPIRED for.

import { assert } from '../lib/assert.js';
import { errorReply, integerReply, type Reply } from '../lib/reply.js';
import { ERR_NOT_INTEGER, invalidExpireError } from './args.js';
import { isOption, keyBytes, keyOf, textOf } from './bytes.js';
import type { CommandSpec, ExecContext } from './command-types.js';
import { NO_EXPIRY, type Db } from './db.js';
import { parseAnyExpire } from './ttl.js';

const ZERO = integerReply(0);
const ONE = integerReply(1);
const MISSING = integerReply(-2);
const PERSISTENT = integerReply(-1);

interface ExpireFlags {
  nx: boolean;
  xx: boolean;
  gt: boolean;
  lt: boolean;
}

/** Redis's parseExtendedExpireArgumentsOrReply. */
function parseExpireFlags(argv: readonly Uint8Array[]): ExpireFlags | Reply {
  const flags: ExpireFlags = { nx: false, xx: false, gt: false, lt: false };
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j] as Uint8Array;
    if (isOption(opt, 'nx')) flags.nx = true;
    else if (isOption(opt, 'xx')) flags.xx = true;
    else if (isOption(opt, 'gt')) flags.gt = true;
    else if (isOption(opt, 'lt')) flags.lt = true;
    else return errorReply(`ERR Unsupported option ${cString(opt)}`);
  }
  if (flags.nx && (flags.xx || flags.gt || flags.lt)) {
    return errorReply('ERR NX and XX, GT or LT options at the same time are not compatible');
  }
  if (flags.gt && flags.lt) return errorReply('ERR GT and LT options at the same time are not compatible');
  return flags;
}

/** Redis formats the option with %s, so it ends at the first NUL byte. */
function cString(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  return textOf(nul === -1 ? bytes : bytes.subarray(0, nul));
}

/** Whether the flags let a key with `current` expiry (NO_EXPIRY = none) take `next`. */
function flagsAllow(flags: ExpireFlags, current: number, next: number): boolean {
  if (flags.nx && current !== NO_EXPIRY) return false;
  if (flags.xx && current === NO_EXPIRY) return false;
  if (flags.gt && (current === NO_EXPIRY || next <= current)) return false;
  if (flags.lt && current !== NO_EXPIRY && next >= current) return false;
  return true;
}

function expireWith(unitMs: 1 | 1000, relative: boolean, name: string) {
  return (ctx: ExecContext, argv: readonly Uint8Array[]): Reply => {
    const flags = parseExpireFlags(argv);
    if (!('nx' in flags)) return flags;
    const parsed = parseAnyExpire(argv[2] as Uint8Array, unitMs, relative, ctx.nowMs);
    if (!parsed.ok) return parsed.reason === 'not-integer' ? ERR_NOT_INTEGER : invalidExpireError(name);
    const key = keyOf(argv[1] as Uint8Array);
    const record = ctx.db.lookupForWrite(key, ctx.nowMs);
    if (record === undefined) return ZERO;
    if (!flagsAllow(flags, record.expireAtMs, parsed.expireAtMs)) return ZERO;
    // An expiry already past deletes the key, which Redis announces as a `del`.
    if (parsed.expireAtMs <= ctx.nowMs) {
      ctx.db.remove(key);
      ctx.db.notify('g', 'del', key);
    } else {
      ctx.db.changeExpiry(key, record, parsed.expireAtMs);
      ctx.db.notify('g', 'expire', key);
    }
    return ONE;
  };
}

function ttlWith(outputMs: boolean, absolute: boolean) {
  return (ctx: ExecContext, argv: readonly Uint8Array[]): Reply => {
    const record = ctx.db.lookup(keyOf(argv[1] as Uint8Array), ctx.nowMs);
    if (record === undefined) return MISSING;
    if (record.expireAtMs === NO_EXPIRY) return PERSISTENT;
    const ttlMs = Math.max(0, absolute ? record.expireAtMs : record.expireAtMs - ctx.nowMs);
    return integerReply(outputMs ? ttlMs : Math.floor((ttlMs + 500) / 1000));
  };
}

function persist(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const key = keyOf(argv[1] as Uint8Array);
  const record = ctx.db.lookupForWrite(key, ctx.nowMs);
  if (record === undefined || record.expireAtMs === NO_EXPIRY) return ZERO;
  ctx.db.changeExpiry(key, record, NO_EXPIRY);
  ctx.db.notify('g', 'persist', key);
  return ONE;
}

/** CAIRN.EXPIRED key: deletes the key only if it is still expired at the entry's time. */
function cairnExpired(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const key = keyOf(argv[1] as Uint8Array);
  const record = ctx.db.peek(key);
  if (record === undefined || record.expireAtMs === NO_EXPIRY || record.expireAtMs > ctx.nowMs) return ZERO;
  ctx.db.removeExpired(key, record);
  return ONE;
}

/**
 * Up to maxKeys distinct keys whose expiry is at or before nowMs, earliest first. Bounded work:
 * stale heap entries are discarded as they surface, at most 4 × maxKeys + 64 per call. The keys
 * stay in the heap until CAIRN.EXPIRED removes them, so a lost proposal is retried next time.
 */
export function collectExpired(db: Db, nowMs: number, maxKeys: number): Uint8Array[] {
  assert(Number.isSafeInteger(nowMs), 'nowMs must be an integer number of ms');
  return earliestExpiring(db, maxKeys, nowMs).map((entry) => keyBytes(entry.key));
}

/**
 * Up to maxKeys distinct live heap entries expiring at or before untilMs (any time when not
 * given), earliest first, as collectExpired's bounded scan; the heap keeps them (volatile-ttl
 * eviction reads the nearest expiries with it).
 */
export function earliestExpiring(db: Db, maxKeys: number, untilMs = Infinity): { expireAtMs: number; key: string }[] {
  assert(Number.isSafeInteger(maxKeys) && maxKeys >= 0, 'maxKeys must be a non-negative integer');
  const found: { expireAtMs: number; key: string }[] = [];
  const seen = new Set<string>();
  const maxPops = 4 * maxKeys + 64;
  for (let pops = 0; pops < maxPops && found.length < maxKeys; pops++) {
    const top = db.expiry.peekExpireAt();
    if (top === undefined || top > untilMs) break;
    const entry = db.expiry.pop();
    if (entry === undefined) break;
    const record = db.map.get(entry.key);
    if (typeof record !== 'object' || record.expireAtMs !== entry.expireAtMs || seen.has(entry.key)) continue;
    seen.add(entry.key);
    found.push(entry);
  }
  for (const entry of found) db.expiry.push(entry.expireAtMs, entry.key);
  assert(found.length <= maxKeys, 'collected more keys than asked for');
  return found;
}

const KEY1 = { firstKey: 1, lastKey: 1, keyStep: 1 } as const;

export const EXPIRY_COMMANDS: readonly CommandSpec[] = [
  { name: 'expire', arity: -3, flags: ['write', 'fast'], ...KEY1, group: 'generic', since: '1.0.0',
    summary: 'Sets the expiration time of a key in seconds.', complexity: 'O(1)', handler: expireWith(1000, true, 'expire') },
  { name: 'pexpire', arity: -3, flags: ['write', 'fast'], ...KEY1, group: 'generic', since: '2.6.0',
    summary: 'Sets the expiration time of a key in milliseconds.', complexity: 'O(1)', handler: expireWith(1, true, 'pexpire') },
  { name: 'expireat', arity: -3, flags: ['write', 'fast'], ...KEY1, group: 'generic', since: '1.2.0',
    summary: 'Sets the expiration time of a key to a Unix timestamp.', complexity: 'O(1)', handler: expireWith(1000, false, 'expireat') },
  { name: 'pexpireat', arity: -3, flags: ['write', 'fast'], ...KEY1, group: 'generic', since: '2.6.0',
    summary: 'Sets the expiration time of a key to a Unix milliseconds timestamp.', complexity: 'O(1)', handler: expireWith(1, false, 'pexpireat') },
  { name: 'ttl', arity: 2, flags: ['readonly', 'fast'], ...KEY1, group: 'generic', since: '1.0.0',
    summary: 'Returns the expiration time in seconds of a key.', complexity: 'O(1)', handler: ttlWith(false, false) },
  { name: 'pttl', arity: 2, flags: ['readonly', 'fast'], ...KEY1, group: 'generic', since: '2.6.0',
    summary: 'Returns the expiration time in milliseconds of a key.', complexity: 'O(1)', handler: ttlWith(true, false) },
  { name: 'expiretime', arity: 2, flags: ['readonly', 'fast'], ...KEY1, group: 'generic', since: '7.0.0',
    summary: 'Returns the expiration time of a key as a Unix timestamp.', complexity: 'O(1)', handler: ttlWith(false, true) },
  { name: 'pexpiretime', arity: 2, flags: ['readonly', 'fast'], ...KEY1, group: 'generic', since: '7.0.0',
    summary: 'Returns the expiration time of a key as a Unix milliseconds timestamp.', complexity: 'O(1)', handler: ttlWith(true, true) },
  { name: 'persist', arity: 2, flags: ['write', 'fast'], ...KEY1, group: 'generic', since: '2.2.0',
    summary: 'Removes the expiration time of a key.', complexity: 'O(1)', handler: persist },
  { name: 'cairn.expired', arity: 2, flags: ['write', 'fast', 'internal'], ...KEY1, group: 'generic', since: '0.1.0',
    summary: 'Reclaims a key whose expiry has passed (proposed by Cairn\'s active expiry, never by clients).', complexity: 'O(1)', handler: cairnExpired },
];
