// SSCAN (db.c scanGenericCommand on a set): an intset answers whole with cursor 0, as Redis does for
// its small encodings; a hashtable is walked a few home buckets per call with the reverse-binary
// cursor of dictScan (set/member-table.ts), COUNT buckets' worth at a time, then filtered by MATCH.

import { errorReply, type Reply } from '../../lib/reply.js';
import { asciiBytes, keyBytes, keyOf } from '../bytes.js';
import type { ExecContext } from '../command-types.js';
import { WRONGTYPE } from '../collection.js';
import { globMatch } from '../glob.js';
import { readSet } from './access.js';
import { parseScanOptions } from '../listing.js';

const ERR_INVALID_CURSOR = errorReply('ERR invalid cursor');
const ULONG_MAX = 18446744073709551615n;
const SCAN_ITERATIONS_PER_COUNT = 10;
const ZERO_CURSOR: Reply = Object.freeze({ type: 'bulk', value: asciiBytes('0') });
const NO_ITEMS: Reply = Object.freeze({ type: 'array', items: [] });
const EMPTY_SCAN: Reply = Object.freeze({ type: 'array', items: [ZERO_CURSOR, NO_ITEMS] });

function isCSpace(c: number | undefined): boolean {
  return c === 0x20 || (c !== undefined && c >= 0x09 && c <= 0x0d);
}

/** The cursor as Redis's parseScanCursorOrReply reads it (C strtoul: a sign, wrap-around, stop at NUL). */
export function parseScanCursor(bytes: Uint8Array): bigint | undefined {
  if (isCSpace(bytes[0])) return undefined;
  let end = bytes.indexOf(0);
  if (end === -1) end = bytes.length;
  if (end === 0) return 0n;
  const negative = bytes[0] === 0x2d;
  const start = negative || bytes[0] === 0x2b ? 1 : 0;
  if (start === end) return undefined;
  let value = 0n;
  for (let i = start; i < end; i++) {
    const c = bytes[i] as number;
    if (c < 0x30 || c > 0x39) return undefined;
    value = value * 10n + BigInt(c - 0x30);
    if (value > ULONG_MAX) return undefined;
  }
  return negative ? BigInt.asUintN(64, -value) : value;
}


export function sscan(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const cursor = parseScanCursor(argv[2] as Uint8Array);
  if (cursor === undefined) return ERR_INVALID_CURSOR;
  const set = readSet(ctx, keyOf(argv[1] as Uint8Array));
  if (set === undefined) return EMPTY_SCAN;
  if (set === null) return WRONGTYPE;
  const options = parseScanOptions(argv, 3, false);
  if (!('count' in options)) return options;
  const found: string[] = [];
  const table = set.hashtable();
  let next = 0;
  if (table === null) {
    set.forEach((member) => found.push(member));
  } else {
    next = Number(BigInt.asUintN(32, cursor));
    let iterationsLeft = options.count * SCAN_ITERATIONS_PER_COUNT;
    do {
      next = table.scan(next, (member) => found.push(member));
    } while (next !== 0 && iterationsLeft-- > 0 && found.length < options.count);
  }
  const pattern = options.pattern;
  const matchAll = pattern === undefined || (pattern.length === 1 && pattern[0] === 0x2a);
  const items: Reply[] = [];
  for (const member of found) {
    const bytes = keyBytes(member);
    if (matchAll || globMatch(pattern, bytes)) items.push({ type: 'bulk', value: bytes });
  }
  const cursorReply: Reply = next === 0 ? ZERO_CURSOR : { type: 'bulk', value: asciiBytes(String(next)) };
  return { type: 'array', items: [cursorReply, { type: 'array', items }] };
}
