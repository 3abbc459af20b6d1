// HSCAN: Redis 7.0 checks the cursor, then the key, then the options (COUNT, MATCH; no TYPE). A
// listpack hash answers every pair at once with cursor 0, as Redis does; a big one is walked by
// position in its field index (field-index.ts), COUNT fields per call.

import { errorReply, type Reply } from '../../lib/reply.js';
import { asciiBytes, keyBytes } from '../bytes.js';
import { WRONGTYPE } from '../collection.js';
import type { ExecContext } from '../command-types.js';
import { globMatch } from '../glob.js';
import { readHash } from './access.js';
import { parseScanOptions } from '../listing.js';
import type { HashValue } from './hash-value.js';

const ERR_INVALID_CURSOR = errorReply('ERR invalid cursor');
const ULONG_MAX = 18446744073709551615n;
const COUNT_MAX = 1_000_000;

function scanReply(cursor: number, items: Reply[]): Reply {
  return { type: 'array', items: [{ type: 'bulk', value: asciiBytes(String(cursor)) }, { type: 'array', items }] };
}

const EMPTY_SCAN = Object.freeze(scanReply(0, []));

function isSpace(byte: number): boolean {
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);
}

/** Redis's parseScanCursorOrReply: strtoul in base 10 (a sign allowed, '-' wrapping), no leading space, nothing after. */
export function parseCursor(bytes: Uint8Array): bigint | undefined {
  if (bytes.length > 0 && isSpace(bytes[0] as number)) return undefined;
  const end = bytes.indexOf(0) === -1 ? bytes.length : bytes.indexOf(0); // the C string stops at a NUL
  if (end === 0) return 0n;
  let at = 0;
  const sign = bytes[0];
  if (sign === 0x2b || sign === 0x2d) at = 1;
  if (at === end) return undefined;
  let value = 0n;
  for (let i = at; i < end; i++) {
    const c = bytes[i] as number;
    if (c < 0x30 || c > 0x39) return undefined;
    value = value * 10n + BigInt(c - 0x30);
    if (value > ULONG_MAX) return undefined; // ERANGE
  }
  return sign === 0x2d && value !== 0n ? ULONG_MAX + 1n - value : value;
}


function pushPair(items: Reply[], hash: HashValue, field: string, pattern: Uint8Array | undefined): void {
  const fieldBytes = keyBytes(field);
  if (pattern !== undefined && !globMatch(pattern, fieldBytes)) return;
  items.push({ type: 'bulk', value: fieldBytes }, { type: 'bulk', value: keyBytes(hash.get(field) as string) });
}

export function hscan(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const cursor = parseCursor(argv[2] as Uint8Array);
  if (cursor === undefined) return ERR_INVALID_CURSOR;
  const hash = readHash(ctx, argv[1] as Uint8Array);
  if (hash === null) return WRONGTYPE;
  if (hash === undefined) return EMPTY_SCAN;
  const parsed = parseScanOptions(argv, 3, false);
  if (!('count' in parsed)) return parsed;
  // MATCH * matches everything: no glob per field.
  const matchAll = parsed.pattern !== undefined && parsed.pattern.length === 1 && parsed.pattern[0] === 0x2a;
  const options = { count: Math.min(parsed.count, COUNT_MAX), pattern: matchAll ? undefined : parsed.pattern };
  const items: Reply[] = [];
  if (hash.isListpack) {
    for (const field of hash.fieldNames()) pushPair(items, hash, field, options.pattern);
    return scanReply(0, items);
  }
  const index = hash.positions();
  let position = index.positionOf(cursor);
  // Stale entries (deleted fields) are skipped without counting: they are at most about twice the live ones.
  for (let visited = 0; position < index.length && visited < options.count; position++) {
    const field = index.at(position);
    if (!hash.has(field)) continue;
    visited++;
    pushPair(items, hash, field, options.pattern);
  }
  return scanReply(index.cursorAt(position), items);
}
