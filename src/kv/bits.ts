// Single-bit commands on string values: SETBIT, GETBIT, BITCOUNT and BITPOS (with BYTE | BIT
// ranges), as Redis 7.0's bitops.c answers them, and BITMAP_COMMANDS, the bitmap group's table
// (BITOP lives in bits-op.ts, BITFIELD in bitfield.ts).

import { errorReply, integerReply, type Reply } from '../lib/reply.js';
import { ERR_NOT_INTEGER, ERR_SYNTAX, parseInt64 } from './args.js';
import { BITFIELD_COMMANDS } from './bitfield.js';
import { BITOP_COMMANDS } from './bits-op.js';
import {
  ERR_BIT_OFFSET, bitAt, bitTarget, commitBits, parseBitOffset, popcount, resolveRange, type BitRange,
} from './bits-shared.js';
import { isOption, keyOf } from './bytes.js';
import { WRONGTYPE } from './collection.js';
import type { CommandSpec, ExecContext } from './command-types.js';
import { lookupString } from './typed.js';

const ZERO = integerReply(0);
const ONE = integerReply(1);
const MINUS_ONE = integerReply(-1);
const ERR_BIT_VALUE = errorReply('ERR bit is not an integer or out of range');
const ERR_BIT_ARG = errorReply('ERR The bit argument must be 1 or 0.');

function setbit(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const offset = parseBitOffset(argv[2] as Uint8Array);
  if (offset === undefined) return ERR_BIT_OFFSET;
  const on = parseInt64(argv[3] as Uint8Array);
  if (on === undefined || (on !== 0n && on !== 1n)) return ERR_BIT_VALUE;
  const target = bitTarget(ctx, keyOf(argv[1] as Uint8Array), offset);
  if (target === null) return WRONGTYPE;
  const old = bitAt(target.bytes, offset);
  const grown = target.record === undefined || target.record.valueBytes < target.bytes.length;
  const byte = Math.floor(offset / 8);
  const mask = 1 << (7 - (offset % 8));
  const bytes = target.bytes;
  bytes[byte] = on === 1n ? (bytes[byte] as number) | mask : (bytes[byte] as number) & ~mask;
  // Redis 7.0.15 stores (a modification for WATCH) and announces a SETBIT that made, grew or
  // changed the string, not one that left it as it was.
  if (!grown && old === Number(on)) return old === 1 ? ONE : ZERO;
  commitBits(ctx, target);
  ctx.db.notify('$', 'setbit', target.key);
  return old === 1 ? ONE : ZERO;
}

function getbit(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const offset = parseBitOffset(argv[2] as Uint8Array);
  if (offset === undefined) return ERR_BIT_OFFSET;
  const record = lookupString(ctx.db, keyOf(argv[1] as Uint8Array), ctx.nowMs);
  if (record === null) return WRONGTYPE;
  if (record === undefined) return ZERO;
  return bitAt(record.value, offset) === 1 ? ONE : ZERO;
}

/** BIT or BYTE: true for BIT, false for BYTE, undefined for anything else. */
function unitIsBit(arg: Uint8Array): boolean | undefined {
  if (isOption(arg, 'bit')) return true;
  return isOption(arg, 'byte') ? false : undefined;
}

/** Set bits in a range: whole bytes counted, then the bits of the edge bytes outside it taken off. */
function countRange(bytes: Uint8Array, range: BitRange): number {
  const firstByte = Math.floor(range.firstBit / 8);
  const lastByte = Math.floor(range.lastBit / 8);
  const before = ((0xff << (8 - (range.firstBit % 8))) & 0xff) & (bytes[firstByte] as number);
  const after = ((1 << (7 - (range.lastBit % 8))) - 1) & (bytes[lastByte] as number);
  const outside = popcount(Uint8Array.of(before, after), 0, 2);
  return popcount(bytes, firstByte, lastByte + 1) - outside;
}

/** Redis 7.0 looks the key up before parsing the range: an absent key counts 0 whatever follows. */
function bitcount(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const record = lookupString(ctx.db, keyOf(argv[1] as Uint8Array), ctx.nowMs);
  if (record === null) return WRONGTYPE;
  if (record === undefined) return ZERO;
  const value = record.value;
  if (argv.length === 2) return integerReply(popcount(value, 0, value.length));
  if (argv.length !== 4 && argv.length !== 5) return ERR_SYNTAX;
  const start = parseInt64(argv[2] as Uint8Array);
  const end = parseInt64(argv[3] as Uint8Array);
  if (start === undefined || end === undefined) return ERR_NOT_INTEGER;
  if (start < 0n && end < 0n && start > end) return ZERO;
  const inBits = argv.length === 5 ? unitIsBit(argv[4] as Uint8Array) : false;
  if (inBits === undefined) return ERR_SYNTAX;
  const range = resolveRange(value.length, start, end, inBits);
  return range === null ? ZERO : integerReply(countRange(value, range));
}

/** The first bit equal to `bit` in the range, or -1: whole bytes that cannot hold it are skipped. */
function findBit(bytes: Uint8Array, range: BitRange, bit: number): number {
  const skip = bit === 1 ? 0 : 0xff;
  let at = range.firstBit;
  for (; at <= range.lastBit && at % 8 !== 0; at++) if (bitAt(bytes, at) === bit) return at;
  while (at + 7 <= range.lastBit && bytes[at / 8] === skip) at += 8;
  for (; at <= range.lastBit; at++) if (bitAt(bytes, at) === bit) return at;
  return -1;
}

function bitpos(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const bitArg = parseInt64(argv[2] as Uint8Array);
  if (bitArg === undefined) return ERR_NOT_INTEGER;
  if (bitArg !== 0n && bitArg !== 1n) return ERR_BIT_ARG;
  const bit = Number(bitArg);
  const record = lookupString(ctx.db, keyOf(argv[1] as Uint8Array), ctx.nowMs);
  if (record === null) return WRONGTYPE;
  // An absent key is an endless run of zeros.
  if (record === undefined) return bit === 1 ? MINUS_ONE : ZERO;
  const length = record.value.length;
  if (argv.length > 6) return ERR_SYNTAX;
  let range = resolveRange(length, 0n, -1n, false);
  let endGiven = false;
  if (argv.length >= 4) {
    const start = parseInt64(argv[3] as Uint8Array);
    if (start === undefined) return ERR_NOT_INTEGER;
    const inBits = argv.length === 6 ? unitIsBit(argv[5] as Uint8Array) : false;
    if (inBits === undefined) return ERR_SYNTAX;
    endGiven = argv.length >= 5;
    const end = endGiven ? parseInt64(argv[4] as Uint8Array) : -1n;
    if (end === undefined) return ERR_NOT_INTEGER;
    range = resolveRange(length, start, end, inBits);
  }
  if (range === null) return MINUS_ONE;
  const found = findBit(record.value, range, bit);
  // No clear bit in the range: without an explicit end the string counts as padded with zeros.
  if (found === -1 && bit === 0 && !endGiven) return integerReply(range.lastBit + 1);
  return integerReply(found);
}

const KEY1 = { firstKey: 1, lastKey: 1, keyStep: 1 } as const;

export const BITMAP_COMMANDS: readonly CommandSpec[] = [
  { name: 'setbit', arity: 4, flags: ['write', 'denyoom'], ...KEY1, group: 'bitmap', since: '2.2.0',
    summary: 'Sets or clears the bit at offset in the string value stored at key', complexity: 'O(1)', handler: setbit },
  { name: 'getbit', arity: 3, flags: ['readonly', 'fast'], ...KEY1, group: 'bitmap', since: '2.2.0',
    summary: 'Returns the bit value at offset in the string value stored at key', complexity: 'O(1)', handler: getbit },
  { name: 'bitcount', arity: -2, flags: ['readonly'], ...KEY1, group: 'bitmap', since: '2.6.0',
    summary: 'Count set bits in a string', complexity: 'O(N)', handler: bitcount },
  { name: 'bitpos', arity: -3, flags: ['readonly'], ...KEY1, group: 'bitmap', since: '2.8.7',
    summary: 'Find first bit set or clear in a string', complexity: 'O(N)', handler: bitpos },
  ...BITOP_COMMANDS,
  ...BITFIELD_COMMANDS,
];
