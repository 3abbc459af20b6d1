// cmsgpack.pack as lua-cmsgpack 0.4.0 in Redis 7.0 (a Lua 5.1 build) writes MessagePack: every
// number is a double there, so one that equals its int64 conversion is written as the smallest
// integer encoding (fixint, uint8..64, int8..64) and any other as float32 when the conversion to
// float is exact, else float64; strings as fixstr/str8/str16/str32 with their bytes untouched; a
// table whose keys are exactly 1..n as an array, any other as a map; tables nested 16 deep, and
// values of other types, as nil.

import { lua, type LuaState } from 'fengari';
import { argError, ByteWriter, checkStack51, doubleToInt32, ensureStack51 } from './lua51.js';
import { pushBytes } from '../lua-bytes.js';

const MAX_NESTING = 16;

/** `value` (0 <= value < 2^32) big-endian in `byteCount` bytes. */
function writeUint32(out: ByteWriter, value: number, byteCount: number): void {
  for (let i = byteCount - 1; i >= 0; i--) out.byte(Math.floor(value / 2 ** (8 * i)) & 0xff);
}

/** A type byte followed by a big-endian length of `byteCount` bytes. */
function writeHeader(out: ByteWriter, type: number, length: number, byteCount: number): void {
  out.byte(type);
  writeUint32(out, length, byteCount);
}

function encodeBytes(out: ByteWriter, bytes: Uint8Array): void {
  const length = bytes.length;
  if (length < 32) out.byte(0xa0 | length);
  else if (length <= 0xff) writeHeader(out, 0xd9, length, 1);
  else if (length <= 0xffff) writeHeader(out, 0xda, length, 2);
  else writeHeader(out, 0xdb, length, 4);
  out.append(bytes);
}

// Written and read back within one call, never held across calls.
const scratch = new DataView(new ArrayBuffer(8));

function encodeDouble(out: ByteWriter, value: number): void {
  if (Math.fround(value) === value) {
    scratch.setFloat32(0, value);
    out.byte(0xca);
    for (let i = 0; i < 4; i++) out.byte(scratch.getUint8(i));
  } else {
    scratch.setFloat64(0, value);
    out.byte(0xcb);
    for (let i = 0; i < 8; i++) out.byte(scratch.getUint8(i));
  }
}

/** mp_encode_int for -2^63 <= n < 2^63 (an integral double): the smallest form that holds it. */
function encodeInt(out: ByteWriter, n: number): void {
  if (n >= 0) {
    if (n <= 127) out.byte(n);
    else if (n <= 0xff) writeHeader(out, 0xcc, n, 1);
    else if (n <= 0xffff) writeHeader(out, 0xcd, n, 2);
    else if (n <= 0xffffffff) writeHeader(out, 0xce, n, 4);
    else writeInt64(out, 0xcf, n);
  } else if (n >= -32) out.byte(n & 0xff);
  else if (n >= -128) writeHeader(out, 0xd0, n & 0xff, 1);
  else if (n >= -32768) writeHeader(out, 0xd1, n & 0xffff, 2);
  else if (n >= -2147483648) writeHeader(out, 0xd2, n >>> 0, 4);
  else writeInt64(out, 0xd3, n);
}

function writeInt64(out: ByteWriter, type: number, n: number): void {
  scratch.setBigUint64(0, BigInt.asUintN(64, BigInt(n)));
  out.byte(type);
  for (let i = 0; i < 8; i++) out.byte(scratch.getUint8(i));
}

/** mp_encode_lua_number for Lua < 5.3: an integer when (int64_t)n == n, else a float. */
function encodeNumber(out: ByteWriter, value: number): void {
  if (Number.isInteger(value) && value >= -(2 ** 63) && value < 2 ** 63) encodeInt(out, value);
  else encodeDouble(out, value);
}

/** table_is_an_array for Lua < 5.3: every key a number whose (int) conversion is exact and > 0, and max == count. */
function tableIsAnArray(L: LuaState): boolean {
  let count = 0;
  let max = 0;
  const top = lua.lua_gettop(L);
  ensureStack51(L, 2, 'in function table_is_an_array');
  lua.lua_pushnil(L);
  while (lua.lua_next(L, -2)) {
    lua.lua_pop(L, 1);
    const n = lua.lua_type(L, -1) === lua.LUA_TNUMBER ? lua.lua_tonumber(L, -1) : NaN;
    if (!(n > 0) || doubleToInt32(n) !== n) {
      lua.lua_settop(L, top);
      return false;
    }
    max = n > max ? n : max;
    count++;
  }
  lua.lua_settop(L, top);
  return max === count;
}

function encodeArray(L: LuaState, out: ByteWriter, level: number): void {
  const length = lua.lua_rawlen(L, -1);
  if (length <= 15) out.byte(0x90 | length);
  else if (length <= 0xffff) writeHeader(out, 0xdc, length, 2);
  else writeHeader(out, 0xdd, length, 4);
  ensureStack51(L, 1, 'in function mp_encode_lua_table_as_array');
  for (let j = 1; j <= length; j++) {
    lua.lua_geti(L, -1, j);
    encodeValue(L, out, level + 1);
  }
}

function encodeMap(L: LuaState, out: ByteWriter, level: number): void {
  let length = 0;
  ensureStack51(L, 3, 'in function mp_encode_lua_table_as_map');
  lua.lua_pushnil(L);
  while (lua.lua_next(L, -2)) {
    lua.lua_pop(L, 1);
    length++;
  }
  if (length <= 15) out.byte(0x80 | length);
  else if (length <= 0xffff) writeHeader(out, 0xde, length, 2);
  else writeHeader(out, 0xdf, length, 4);
  lua.lua_pushnil(L);
  while (lua.lua_next(L, -2)) {
    lua.lua_pushvalue(L, -2);
    encodeValue(L, out, level + 1);
    encodeValue(L, out, level + 1);
  }
}

/** mp_encode_lua_type: encodes and pops the value on top of the stack. */
function encodeValue(L: LuaState, out: ByteWriter, level: number): void {
  let type = lua.lua_type(L, -1);
  if (type === lua.LUA_TTABLE && level === MAX_NESTING) type = lua.LUA_TNIL;
  if (type === lua.LUA_TSTRING) encodeBytes(out, lua.lua_tolstring(L, -1) ?? new Uint8Array(0));
  else if (type === lua.LUA_TBOOLEAN) out.byte(lua.lua_toboolean(L, -1) ? 0xc3 : 0xc2);
  else if (type === lua.LUA_TNUMBER) encodeNumber(out, lua.lua_tonumber(L, -1));
  else if (type === lua.LUA_TTABLE) {
    if (tableIsAnArray(L)) encodeArray(L, out, level);
    else encodeMap(L, out, level);
  } else out.byte(0xc0);
  lua.lua_pop(L, 1);
}

/** cmsgpack.pack(...): the arguments packed one after another. */
export function cmsgpackPack(L: LuaState): number {
  const nargs = lua.lua_gettop(L);
  if (nargs === 0) argError(L, 0, 'MessagePack pack needs input.');
  if (!checkStack51(L, nargs)) argError(L, 0, 'Too many arguments for MessagePack pack.');
  const out = new ByteWriter();
  for (let i = 1; i <= nargs; i++) {
    ensureStack51(L, 1, 'in function mp_check');
    lua.lua_pushvalue(L, i);
    encodeValue(L, out, 0);
  }
  pushBytes(L, out.result());
  return 1;
}

