// Byte-range commands: APPEND (a new string joined to the old without a copy until it is read, so a
// loop of appends is linear, not quadratic), GETRANGE and SETRANGE, with Redis's 512 MiB string limit.
// Each edit also records the room Redis's sds would keep after the bytes (sds.ts), so OBJECT
// ENCODING and MEMORY USAGE answer as redis-server does.

import { WRONGTYPE } from './collection.js';
import { lookupString, lookupStringForWrite } from './typed.js';
import { assert } from '../lib/assert.js';
import { errorReply, integerReply, type Reply } from '../lib/reply.js';
import { ERR_NOT_INTEGER, ERR_TOO_BIG, parseInt64 } from './args.js';
import { keyOf, latin1Of } from './bytes.js';
import type { CommandSpec, ExecContext } from './command-types.js';
import { NO_EXPIRY, StringForm, TEXT_JOIN_BYTES_MAX, type KvRecord } from './db.js';
import { editableSpareBytes } from './object.js';
import { createdSpareBytes, grownCapacityBytes } from './sds.js';

/** Redis's proto-max-bulk-len default: no string value grows past this. */
export const STRING_BYTES_MAX = 512 * 1024 * 1024;
const EMPTY: Reply = Object.freeze({ type: 'bulk', value: new Uint8Array(0) });
const ERR_OFFSET = errorReply('ERR offset is out of range');

function append(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const key = keyOf(argv[1] as Uint8Array);
  const suffix = argv[2] as Uint8Array;
  const record = lookupStringForWrite(ctx.db, key, ctx.nowMs);
  if (record === null) return WRONGTYPE;
  if (record === undefined) {
    ctx.db.set(key, suffix, NO_EXPIRY);
    ctx.db.notify('$', 'append', key);
    return integerReply(suffix.length);
  }
  const length = record.valueBytes + suffix.length;
  if (length > STRING_BYTES_MAX) return ERR_TOO_BIG;
  const spareBytes = record.stringForm === StringForm.raw && suffix.length <= record.spareBytes
    ? record.spareBytes - suffix.length
    : editedCapacity(record, length) - length;
  const value = length <= TEXT_JOIN_BYTES_MAX ? record.text + latin1Of(suffix, 0, suffix.length) : joined(record.value, suffix);
  ctx.db.replaceValue(record, value, spareBytes, StringForm.raw);
  ctx.db.notify('$', 'append', key);
  return integerReply(length);
}

/** The capacity Redis's string would have after an edit leaves it `length` bytes long (never past the limit). */
function editedCapacity(record: KvRecord, length: number): number {
  const room = record.valueBytes + editableSpareBytes(record);
  const capacity = Math.min(STRING_BYTES_MAX, length <= room ? room : grownCapacityBytes(length, true));
  assert(capacity >= length, 'an edited string fits its capacity');
  return capacity;
}

function joined(head: Uint8Array, tail: Uint8Array): Uint8Array {
  const out = new Uint8Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}

function clampOffset(offset: bigint): number {
  const limit = BigInt(STRING_BYTES_MAX) * 2n;
  return Number(offset > limit ? limit : offset < -limit ? -limit : offset);
}

function getrange(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const startArg = parseInt64(argv[2] as Uint8Array);
  const endArg = parseInt64(argv[3] as Uint8Array);
  if (startArg === undefined || endArg === undefined) return ERR_NOT_INTEGER;
  const record = lookupString(ctx.db, keyOf(argv[1] as Uint8Array), ctx.nowMs);
  if (record === null) return WRONGTYPE;
  if (record === undefined) return EMPTY;
  if (startArg < 0n && endArg < 0n && startArg > endArg) return EMPTY;
  // Offsets beyond any string's length behave alike, so clamping keeps the arithmetic in numbers.
  const length = record.valueBytes;
  let start = clampOffset(startArg);
  let end = clampOffset(endArg);
  if (start < 0) start = Math.max(0, length + start);
  if (end < 0) end = Math.max(0, length + end);
  if (end >= length) end = length - 1;
  if (start > end || length === 0) return EMPTY;
  assert(start >= 0 && end < length, 'range outside the value');
  return { type: 'bulk', value: record.valueRange(start, end + 1) };
}

function setrange(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const offsetBig = parseInt64(argv[2] as Uint8Array);
  if (offsetBig === undefined) return ERR_NOT_INTEGER;
  if (offsetBig < 0n) return ERR_OFFSET;
  const patch = argv[3] as Uint8Array;
  const key = keyOf(argv[1] as Uint8Array);
  const record = lookupStringForWrite(ctx.db, key, ctx.nowMs);
  if (record === null) return WRONGTYPE;
  const oldLength = record === undefined ? 0 : record.valueBytes;
  if (patch.length === 0) return integerReply(oldLength);
  if (offsetBig + BigInt(patch.length) > BigInt(STRING_BYTES_MAX)) return ERR_TOO_BIG;
  const offset = Number(offsetBig);
  assert(offset + patch.length <= STRING_BYTES_MAX, 'setrange past the string limit');
  const value = new Uint8Array(Math.max(oldLength, offset + patch.length));
  if (record !== undefined) value.set(record.value);
  value.set(patch, offset);
  const length = value.length;
  if (record === undefined) ctx.db.set(key, value, NO_EXPIRY, null, createdSpareBytes(length), StringForm.raw);
  else ctx.db.replaceValue(record, value, editedCapacity(record, length) - length, StringForm.raw);
  ctx.db.notify('$', 'setrange', key);
  return integerReply(length);
}

const KEY1 = { firstKey: 1, lastKey: 1, keyStep: 1 } as const;

export const RANGE_COMMANDS: readonly CommandSpec[] = [
  { name: 'append', arity: 3, flags: ['write', 'denyoom', 'fast'], ...KEY1, group: 'string', since: '2.0.0',
    summary: 'Appends a string to the value of a key. Creates the key if it doesn\'t exist.', complexity: 'O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.', handler: append },
  { name: 'getrange', arity: 4, flags: ['readonly'], ...KEY1, group: 'string', since: '2.4.0',
    summary: 'Returns a substring of the string stored at a key.', complexity: 'O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.', handler: getrange },
  { name: 'setrange', arity: 4, flags: ['write', 'denyoom'], ...KEY1, group: 'string', since: '2.2.0',
    summary: 'Overwrites a part of a string value with another by an offset. Creates the key if it doesn\'t exist.', complexity: 'O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.', handler: setrange },
];
