// Commands that enumerate the keyspace: KEYS (glob), SCAN (stable cursor over insertion order,
// MATCH / COUNT / TYPE) and RANDOMKEY (from the state's seeded Prng).

import { errorReply, NULL, type Reply } from '../lib/reply.js';
import { ERR_NOT_INTEGER, ERR_SYNTAX, parseInt64 } from './args.js';
import { asciiBytes, isOption, keyBytes, lowerName } from './bytes.js';
import type { CommandSpec, ExecContext } from './command-types.js';
import { typeNameOf, type Db } from './db.js';
import { globMatch } from './glob.js';

const ERR_INVALID_CURSOR = errorReply('ERR invalid cursor');
const RANDOM_TRIES = 100;

/** A key (latin1 string) that is in the map at this slot of the order, and not expired. */
function liveKeyAt(db: Db, slot: number, nowMs: number): string | undefined {
  const key = db.order.keyAt(slot);
  return key !== undefined && db.has(key, nowMs) ? key : undefined;
}

function isMatchAll(pattern: Uint8Array | undefined): boolean {
  return pattern === undefined || (pattern.length === 1 && pattern[0] === 0x2a);
}

function keys(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const pattern = argv[1] as Uint8Array;
  const matchAll = isMatchAll(pattern);
  const items: Reply[] = [];
  for (const key of ctx.db.keys()) {
    if (!ctx.db.has(key, ctx.nowMs)) continue;
    const bytes = keyBytes(key);
    if (matchAll || globMatch(pattern, bytes)) items.push({ type: 'bulk', value: bytes });
  }
  return { type: 'array', items };
}

interface ScanOptions {
  count: number;
  pattern: Uint8Array | undefined;
  typeName: Uint8Array | undefined;
}

/**
 * The COUNT / MATCH options of SCAN (with TYPE) and of HSCAN / SSCAN / ZSCAN (without), from
 * argv[first] on, with Redis's checks in its order. COUNT is kept up to 2^53 - 1; callers cap it.
 */
/** SCAN visits at most this many keys per call, whatever COUNT says. */
const SCAN_COUNT_MAX = 1_000_000;

export function parseScanOptions(argv: readonly Uint8Array[], first = 2, withType = true): ScanOptions | Reply {
  const options: ScanOptions = { count: 10, pattern: undefined, typeName: undefined };
  for (let i = first; i < argv.length; i += 2) {
    const name = argv[i] as Uint8Array;
    const value = argv[i + 1];
    if (value === undefined) return ERR_SYNTAX;
    if (isOption(name, 'count')) {
      const count = parseInt64(value);
      if (count === undefined) return ERR_NOT_INTEGER;
      if (count < 1n) return ERR_SYNTAX;
      options.count = count > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(count);
    } else if (isOption(name, 'match')) options.pattern = value;
    else if (withType && isOption(name, 'type')) options.typeName = value;
    else return ERR_SYNTAX;
  }
  return options;
}

/** An unsigned decimal cursor, or undefined. */
function parseCursor(bytes: Uint8Array): number | undefined {
  if (bytes.length === 0 || bytes.length > 20) return undefined;
  let value = 0n;
  for (const byte of bytes) {
    if (byte < 0x30 || byte > 0x39) return undefined;
    value = value * 10n + BigInt(byte - 0x30);
  }
  if (value > 18446744073709551615n) return undefined;
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}

function scan(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const cursor = parseCursor(argv[1] as Uint8Array);
  if (cursor === undefined) return ERR_INVALID_CURSOR;
  const parsed = parseScanOptions(argv);
  if (!('count' in parsed)) return parsed;
  const options = { ...parsed, count: Math.min(parsed.count, SCAN_COUNT_MAX) };
  const { db } = ctx;
  const wantedType = options.typeName === undefined ? undefined : lowerName(options.typeName);
  const matchAll = isMatchAll(options.pattern);
  const items: Reply[] = [];
  // COUNT counts keys in the map (expired or not), never holes, and the next cursor is the seq of
  // the next key: so replies depend only on the keyspace, identical after a snapshot restore.
  // Holes are skipped at no cost to COUNT; they are at most about twice the keys (KeyOrder compacts).
  let slot = db.order.slotFrom(cursor);
  let visited = 0;
  for (; slot < db.order.slots; slot++) {
    const key = db.order.keyAt(slot);
    if (key === undefined) continue;
    if (visited === options.count) break;
    visited++;
    const live = db.lookup(key, ctx.nowMs);
    if (live === undefined || (wantedType !== undefined && typeNameOf(live) !== wantedType)) continue;
    const bytes = keyBytes(key);
    if (matchAll || globMatch(options.pattern as Uint8Array, bytes)) items.push({ type: 'bulk', value: bytes });
  }
  const next = slot < db.order.slots ? db.order.seqAt(slot) : 0;
  return { type: 'array', items: [{ type: 'bulk', value: asciiBytes(String(next)) }, { type: 'array', items }] };
}

function randomkey(ctx: ExecContext): Reply {
  const { db } = ctx;
  const slots = db.order.slots;
  if (db.map.size === 0 || slots === 0) return NULL;
  for (let i = 0; i < RANDOM_TRIES; i++) {
    const key = liveKeyAt(db, ctx.prng.int(0, slots - 1), ctx.nowMs);
    if (key !== undefined) return { type: 'bulk', value: keyBytes(key) };
  }
  // Mostly holes or expired keys: walk once around from a random slot (bounded by the slot count).
  const start = ctx.prng.int(0, slots - 1);
  for (let i = 0; i < slots; i++) {
    const key = liveKeyAt(db, (start + i) % slots, ctx.nowMs);
    if (key !== undefined) return { type: 'bulk', value: keyBytes(key) };
  }
  return NULL;
}

export const LISTING_COMMANDS: readonly CommandSpec[] = [
  { name: 'keys', arity: 2, flags: ['readonly'], firstKey: 0, lastKey: 0, keyStep: 0, group: 'generic', since: '1.0.0',
    summary: 'Returns all key names that match a pattern.', complexity: 'O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.', handler: keys },
  { name: 'scan', arity: -2, flags: ['readonly'], firstKey: 0, lastKey: 0, keyStep: 0, group: 'generic', since: '2.8.0',
    summary: 'Iterates over the key names in the database.', complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.', handler: scan },
  { name: 'randomkey', arity: 1, flags: ['readonly', 'random'], firstKey: 0, lastKey: 0, keyStep: 0, group: 'generic', since: '1.0.0',
    summary: 'Returns a random key name from the database.', complexity: 'O(1)', handler: randomkey },
];

