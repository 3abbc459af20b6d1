// cmsgpack.unpack, unpack_one and unpack_limit as lua-cmsgpack 0.4.0 in Redis 7.0 (Lua 5.1) read
// MessagePack: every number becomes a double there (uint64 and int64 through C's int64 → double
// conversion, so 0xcf ff..ff reads as -1), strings keep their bytes, arrays and maps become tables,
// bin/ext types are "Bad data format in input.", a short input "Missing bytes in input.".

import { lauxlib, lua, type LuaState } from 'fengari';
import { assert } from '../../lib/assert.js';
import { checkInteger51, ensureStack51, JS_NESTING_MAX, optInteger51, pushNumber51, raise } from './lua51.js';
import { pushBytes } from '../lua-bytes.js';

const enum CursorError { None, Eof, BadFormat }

/** mp_cur: the bytes, the read position and the first error met. */
interface Cursor {
  readonly bytes: Uint8Array;
  at: number;
  error: CursorError;
  /** Arrays and maps open around the current position (bounded by JS_NESTING_MAX). */
  depth: number;
}

function left(c: Cursor): number {
  return c.bytes.length - c.at;
}

/** mp_cur_need: false (and an EOF error) when fewer than `count` bytes are left. */
function need(c: Cursor, count: number): boolean {
  if (left(c) >= count) return true;
  c.error = CursorError.Eof;
  return false;
}

/** The big-endian unsigned integer of `count` (<= 4) bytes after the type byte. */
function readUint(c: Cursor, count: number): number {
  let value = 0;
  for (let i = 1; i <= count; i++) value = value * 256 + (c.bytes[c.at + i] as number);
  return value;
}

/** The 8 bytes after the type byte as C's int64 cast to double (uint64 above 2^63 reads negative). */
function readInt64(c: Cursor): number {
  const view = new DataView(c.bytes.buffer, c.bytes.byteOffset + c.at + 1, 8);
  return Number(view.getBigInt64(0));
}

function pushFixed(L: LuaState, c: Cursor, count: number, read: (c: Cursor) => number): void {
  if (!need(c, 1 + count)) return;
  pushNumber51(L, read(c));
  c.at += 1 + count;
}

function pushFloat(L: LuaState, c: Cursor, count: number): void {
  if (!need(c, 1 + count)) return;
  const view = new DataView(c.bytes.buffer, c.bytes.byteOffset + c.at + 1, count);
  pushNumber51(L, count === 4 ? view.getFloat32(0) : view.getFloat64(0));
  c.at += 1 + count;
}

function pushString(L: LuaState, c: Cursor, headerBytes: number, length: number): void {
  if (!need(c, headerBytes + length)) return;
  const start = c.at + headerBytes;
  pushBytes(L, c.bytes.subarray(start, start + length));
  c.at = start + length;
}

/** A length of `count` bytes after the type byte, consumed; -1 (EOF) when missing. */
function readLength(c: Cursor, count: number): number {
  if (!need(c, 1 + count)) return -1;
  const length = readUint(c, count);
  c.at += 1 + count;
  return length;
}

function decodeArray(L: LuaState, c: Cursor, length: number): void {
  lua.lua_newtable(L);
  ensureStack51(L, 1, 'in function mp_decode_to_lua_array');
  if (c.depth > JS_NESTING_MAX) raise(L, 'stack overflow (in function mp_decode_to_lua_array)');
  // The index is pushed before the value, as in C, so that nesting uses the stack slots it does there.
  for (let index = 1; index <= length; index++) {
    lua.lua_pushinteger(L, index);
    decodeValue(L, c);
    if (c.error !== CursorError.None) return;
    lua.lua_rawset(L, -3);
  }
}

function decodeMap(L: LuaState, c: Cursor, length: number): void {
  lua.lua_newtable(L);
  if (c.depth > JS_NESTING_MAX) raise(L, 'stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)');
  for (let i = 0; i < length; i++) {
    decodeValue(L, c);
    if (c.error !== CursorError.None) return;
    decodeValue(L, c);
    if (c.error !== CursorError.None) return;
    lua.lua_settable(L, -3);
  }
}

function decodeNested(L: LuaState, c: Cursor, isArray: boolean, length: number): void {
  c.depth++;
  if (isArray) decodeArray(L, c, length);
  else decodeMap(L, c, length);
  c.depth--;
}

const unsignedOf = (count: number) => (c: Cursor): number => readUint(c, count);
const signedOf = (count: number) => (c: Cursor): number => {
  const value = readUint(c, count);
  return value >= 2 ** (8 * count - 1) ? value - 2 ** (8 * count) : value;
};
const [U8, U16, U32] = [unsignedOf(1), unsignedOf(2), unsignedOf(4)];
const [I8, I16, I32] = [signedOf(1), signedOf(2), signedOf(4)];

/** mp_decode_to_lua_type: pushes one value, or sets c.error. */
function decodeValue(L: LuaState, c: Cursor): void {
  if (!need(c, 1)) return;
  ensureStack51(L, 1, 'too many return values at once; use unpack_one or unpack_limit instead.');
  const type = c.bytes[c.at] as number;
  switch (type) {
    case 0xcc: return pushFixed(L, c, 1, U8);
    case 0xcd: return pushFixed(L, c, 2, U16);
    case 0xce: return pushFixed(L, c, 4, U32);
    case 0xcf: case 0xd3: return pushFixed(L, c, 8, readInt64);
    case 0xd0: return pushFixed(L, c, 1, I8);
    case 0xd1: return pushFixed(L, c, 2, I16);
    case 0xd2: return pushFixed(L, c, 4, I32);
    case 0xc0:
      lua.lua_pushnil(L);
      c.at++;
      return;
    case 0xc2: case 0xc3:
      lua.lua_pushboolean(L, type === 0xc3);
      c.at++;
      return;
    case 0xca: return pushFloat(L, c, 4);
    case 0xcb: return pushFloat(L, c, 8);
    case 0xd9: case 0xda: case 0xdb: {
      const headerBytes = type === 0xd9 ? 1 : type === 0xda ? 2 : 4;
      if (!need(c, 1 + headerBytes)) return;
      return pushString(L, c, 1 + headerBytes, readUint(c, headerBytes));
    }
    case 0xdc: case 0xdd: case 0xde: case 0xdf: {
      const length = readLength(c, type === 0xdc || type === 0xde ? 2 : 4);
      if (length < 0) return;
      return decodeNested(L, c, type <= 0xdd, length);
    }
    default: return decodeFixType(L, c, type);
  }
}

/** Types told by the high bits of the first byte: fixints, fixstr, fixarray, fixmap. */
function decodeFixType(L: LuaState, c: Cursor, type: number): void {
  if ((type & 0x80) === 0) {
    lua.lua_pushinteger(L, type);
    c.at++;
  } else if ((type & 0xe0) === 0xe0) {
    lua.lua_pushinteger(L, type - 256);
    c.at++;
  } else if ((type & 0xe0) === 0xa0) {
    pushString(L, c, 1, type & 0x1f);
  } else if ((type & 0xf0) === 0x90) {
    c.at++;
    decodeNested(L, c, true, type & 0xf);
  } else if ((type & 0xf0) === 0x80) {
    c.at++;
    decodeNested(L, c, false, type & 0xf);
  } else {
    c.error = CursorError.BadFormat;
  }
}

/** mp_unpack_full: up to `limit` values from `offset` (both 0: all of them, and no offset result). */
function unpackFull(L: LuaState, limit: number, offset: number): number {
  const bytes = lauxlib.luaL_checklstring(L, 1);
  const decodeAll = limit === 0 && offset === 0;
  if (offset < 0 || limit < 0) {
    raise(L, `Invalid request to unpack with offset of ${offset | 0} and limit of ${bytes.length | 0}.`);
  } else if (offset > bytes.length) {
    raise(L, `Start offset ${offset | 0} greater than input length ${bytes.length | 0}.`);
  }
  const max = decodeAll ? 2147483647 : limit;
  const c: Cursor = { bytes, at: offset, error: CursorError.None, depth: 0 };
  let count = 0;
  for (; left(c) > 0 && count < max; count++) {
    decodeValue(L, c);
    if (c.error === CursorError.Eof) raise(L, 'Missing bytes in input.');
    if (c.error === CursorError.BadFormat) raise(L, 'Bad data format in input.');
  }
  assert(c.at <= bytes.length && c.depth === 0, 'cmsgpack.unpack read past its input');
  if (decodeAll) return count;
  ensureStack51(L, 1, 'in function mp_unpack_full');
  lua.lua_pushinteger(L, left(c) === 0 ? -1 : c.at);
  lua.lua_insert(L, 2);
  return count + 1;
}

export function cmsgpackUnpack(L: LuaState): number {
  return unpackFull(L, 0, 0);
}

export function cmsgpackUnpackOne(L: LuaState): number {
  const offset = optInteger51(L, 2, 0);
  lua.lua_settop(L, 1);
  return unpackFull(L, 1, offset);
}

export function cmsgpackUnpackLimit(L: LuaState): number {
  const limit = checkInteger51(L, 2);
  const offset = optInteger51(L, 3, 0);
  lua.lua_settop(L, 1);
  return unpackFull(L, limit, offset);
}
