// BITFIELD and BITFIELD_RO: GET / SET / INCRBY on signed (i1-i64) and unsigned (u1-u63) integer
// fields at bit offsets (`#n` = n × width), with OVERFLOW WRAP | SAT | FAIL applying to the
// operations after it. Every argument is checked before anything runs, as in bitops.c.

import { NULL, errorReply, integerReply, type Reply } from '../lib/reply.js';
import { ERR_NOT_INTEGER, ERR_SYNTAX, intValue, parseInt64 } from './args.js';
import {
  checkSigned, checkUnsigned, getSignedField, getUnsignedField, setField, type OverflowMode,
} from './bitfield-math.js';
import { ERR_BIT_OFFSET, bitTarget, commitBits, parseBitOffset } from './bits-shared.js';
import { isOption, keyOf } from './bytes.js';
import { WRONGTYPE } from './collection.js';
import type { CommandSpec, ExecContext } from './command-types.js';
import { lookupString } from './typed.js';

const ERR_TYPE = errorReply('ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.');
const ERR_OVERFLOW_TYPE = errorReply('ERR Invalid OVERFLOW type specified');
const ERR_READONLY = errorReply('ERR BITFIELD_RO only supports the GET subcommand');
const OVERFLOW_MODES: readonly OverflowMode[] = ['wrap', 'sat', 'fail'];
const EMPTY = new Uint8Array(0);

interface FieldOp {
  readonly kind: 'get' | 'set' | 'incrby';
  readonly signed: boolean;
  readonly bits: number;
  readonly offset: number;
  readonly value: bigint;
  readonly overflow: OverflowMode;
}

/** `i<bits>` (1-64) or `u<bits>` (1-63); the width is read up to a NUL byte, as C's strlen does. */
function parseType(arg: Uint8Array): { signed: boolean; bits: number } | undefined {
  const sign = arg[0];
  if (sign !== 0x69 && sign !== 0x75) return undefined;
  const nul = arg.indexOf(0, 1);
  const bits = parseInt64(arg.subarray(1, nul === -1 ? arg.length : nul));
  const signed = sign === 0x69;
  if (bits === undefined || bits < 1n || bits > (signed ? 64n : 63n)) return undefined;
  return { signed, bits: Number(bits) };
}

/** The operations in order, or the first error reply. */
function parseOps(argv: readonly Uint8Array[]): FieldOp[] | Reply {
  const ops: FieldOp[] = [];
  let overflow: OverflowMode = 'wrap';
  for (let j = 2; j < argv.length; j++) {
    const name = argv[j] as Uint8Array;
    const remaining = argv.length - j - 1;
    if (isOption(name, 'overflow') && remaining >= 1) {
      const mode = OVERFLOW_MODES.find((m) => isOption(argv[j + 1] as Uint8Array, m));
      if (mode === undefined) return ERR_OVERFLOW_TYPE;
      overflow = mode;
      j++;
      continue;
    }
    const kind = isOption(name, 'get') && remaining >= 2 ? 'get'
      : isOption(name, 'set') && remaining >= 3 ? 'set'
        : isOption(name, 'incrby') && remaining >= 3 ? 'incrby' : undefined;
    if (kind === undefined) return ERR_SYNTAX;
    const type = parseType(argv[j + 1] as Uint8Array);
    if (type === undefined) return ERR_TYPE;
    const offset = parseBitOffset(argv[j + 2] as Uint8Array, type.bits);
    if (offset === undefined) return ERR_BIT_OFFSET;
    const value = kind === 'get' ? 0n : parseInt64(argv[j + 3] as Uint8Array);
    if (value === undefined) return ERR_NOT_INTEGER;
    ops.push({ kind, ...type, offset, value, overflow });
    j += kind === 'get' ? 2 : 3;
  }
  return ops;
}

/**
 * Runs one SET or INCRBY on `bytes`: the reply (null when FAIL refuses it). `changes` counts it as
 * Redis 7.0.15 does: applied, and on a string made or grown (`dirty`) or to another value.
 */
function writeField(bytes: Uint8Array, op: FieldOp, dirty: boolean, changes: { count: number }): Reply {
  const old = op.signed ? getSignedField(bytes, op.offset, op.bits) : getUnsignedField(bytes, op.offset, op.bits);
  // SET checks the new value alone (as an increment of 0); unsigned SET sees it as C's uint64.
  const base = op.kind === 'incrby' ? old : op.signed ? op.value : BigInt.asUintN(64, op.value);
  const incr = op.kind === 'incrby' ? op.value : 0n;
  const check = op.signed ? checkSigned(base, incr, op.bits, op.overflow) : checkUnsigned(base, incr, op.bits, op.overflow);
  if (check.direction !== 0 && op.overflow === 'fail') return NULL;
  const stored = check.direction !== 0 ? check.limit : base + incr;
  setField(bytes, op.offset, op.bits, stored);
  if (dirty || BigInt.asUintN(op.bits, stored) !== BigInt.asUintN(op.bits, old)) changes.count++;
  return integerReply(intValue(BigInt.asIntN(64, op.kind === 'incrby' ? stored : old)));
}

function readField(bytes: Uint8Array, op: FieldOp): Reply {
  const value = op.signed ? getSignedField(bytes, op.offset, op.bits) : getUnsignedField(bytes, op.offset, op.bits);
  return integerReply(intValue(value));
}

function bitfieldGeneric(ctx: ExecContext, argv: readonly Uint8Array[], readOnly: boolean): Reply {
  const ops = parseOps(argv);
  if (!Array.isArray(ops)) return ops;
  const key = keyOf(argv[1] as Uint8Array);
  const writes = ops.filter((op) => op.kind !== 'get');
  if (writes.length === 0) {
    const record = lookupString(ctx.db, key, ctx.nowMs);
    if (record === null) return WRONGTYPE;
    const bytes = record?.value ?? EMPTY;
    return { type: 'array', items: ops.map((op) => readField(bytes, op)) };
  }
  if (readOnly) return ERR_READONLY;
  const maxBit = writes.reduce((highest, op) => Math.max(highest, op.offset + op.bits - 1), 0);
  const target = bitTarget(ctx, key, maxBit);
  if (target === null) return WRONGTYPE;
  const dirty = target.record === undefined || target.record.valueBytes < target.bytes.length;
  const changes = { count: 0 };
  const items = ops.map((op) => (op.kind === 'get' ? readField(target.bytes, op) : writeField(target.bytes, op, dirty, changes)));
  // As Redis 7.0.15: a string made or grown is stored, but only a change is a modification (WATCH) and raises setbit.
  if (dirty || changes.count > 0) commitBits(ctx, target);
  if (changes.count > 0) ctx.db.notify('$', 'setbit', key);
  return { type: 'array', items };
}

const KEY1 = { firstKey: 1, lastKey: 1, keyStep: 1 } as const;

export const BITFIELD_COMMANDS: readonly CommandSpec[] = [
  { name: 'bitfield', arity: -2, flags: ['write', 'denyoom'], ...KEY1, group: 'bitmap', since: '3.2.0',
    summary: 'Perform arbitrary bitfield integer operations on strings', complexity: 'O(1) for each subcommand specified',
    handler: (ctx, argv) => bitfieldGeneric(ctx, argv, false) },
  { name: 'bitfield_ro', arity: -2, flags: ['readonly', 'fast'], ...KEY1, group: 'bitmap', since: '6.0.0',
    summary: 'Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD',
    complexity: 'O(1) for each subcommand specified', handler: (ctx, argv) => bitfieldGeneric(ctx, argv, true) },
];
