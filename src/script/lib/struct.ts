// The `struct` library Redis 7.0 gives scripts (Roberto Ierusalimschy's struct.c 1.4, with Redis's
// overflow check in getnum): pack, unpack and size over a format of > < ![n] x b B h H l L T i[n]
// I[n] c[n] s f d and spaces, on Redis's x86-64 build: little-endian native order, long and size_t
// of 8 bytes, int of 4, maximum alignment 8. Integers go through C's conversions as x86-64 does
// them (a double of 2^63 or more packs as unsigned, NaN as INT64_MIN); results are 5.1 numbers.

import { lauxlib, lua, type LuaJsFunction, type LuaState } from 'fengari';
import { assert } from '../../lib/assert.js';
import { argError, ByteWriter, doubleToInt64, ensureStack51, pushNumber51, raise } from './lua51.js';

const MAXINTSIZE = 32;
const MAXALIGN = 8;
const INT_MAX = 2147483647;
const MASK64 = (1n << 64n) - 1n;

/** A format string being read: its bytes up to the first NUL, the read position, and the header. */
interface Format {
  readonly bytes: Uint8Array;
  at: number;
  little: boolean;
  align: number;
}

function readFormat(L: LuaState): Format {
  const raw = lauxlib.luaL_checklstring(L, 1);
  const nul = raw.indexOf(0);
  return { bytes: nul === -1 ? raw : raw.subarray(0, nul), at: 0, little: true, align: 1 };
}

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= 0x30 && byte <= 0x39;
}

function isAlnum(byte: number): boolean {
  const lower = byte | 0x20;
  return isDigit(byte) || (lower >= 0x61 && lower <= 0x7a);
}

function getnum(L: LuaState, f: Format, defaultValue: number): number {
  if (!isDigit(f.bytes[f.at])) return defaultValue;
  let a = 0;
  do {
    const digit = (f.bytes[f.at] as number) - 0x30;
    if (a > Math.trunc(INT_MAX / 10) || a * 10 > INT_MAX - digit) raise(L, 'integral size overflow');
    a = a * 10 + digit;
    f.at++;
  } while (isDigit(f.bytes[f.at]));
  return a;
}

function optsize(L: LuaState, opt: number, f: Format): number {
  switch (String.fromCharCode(opt)) {
    case 'B': case 'b': return 1;
    case 'H': case 'h': return 2;
    case 'L': case 'l': case 'T': case 'd': return 8;
    case 'f': return 4;
    case 'x': return 1;
    case 'c': return getnum(L, f, 1);
    case 'i': case 'I': {
      const size = getnum(L, f, 4);
      if (size > MAXINTSIZE) raise(L, `integral size ${size} is larger than limit of ${MAXINTSIZE}`);
      return size;
    }
    default: return 0;
  }
}

function gettoalign(length: number, f: Format, opt: number, size: number): number {
  if (size === 0 || opt === 0x63) return 0;
  const unit = Math.min(size, f.align);
  return (unit - (length & (unit - 1))) & (unit - 1);
}

function controloptions(L: LuaState, opt: number, f: Format): void {
  if (opt === 0x20) return;
  if (opt === 0x3e || opt === 0x3c) {
    f.little = opt === 0x3c;
    return;
  }
  if (opt === 0x21) {
    const a = getnum(L, f, MAXALIGN);
    if (!(a > 0 && (a & (a - 1)) === 0)) raise(L, `alignment ${a} is not a power of 2`);
    f.align = a;
    return;
  }
  argError(L, 1, "invalid format option '", Uint8Array.of(opt), "'");
}

/** C's (unsigned long) of a double as x86-64 code does it: negative through long, >= 2^63 offset. */
function doubleToUint64(n: number): bigint {
  if (n < 0) return BigInt.asUintN(64, doubleToInt64(n));
  if (n >= 2 ** 63) return BigInt.asUintN(64, doubleToInt64(n - 2 ** 63) ^ (1n << 63n));
  return BigInt.asUintN(64, doubleToInt64(n));
}

function putinteger(L: LuaState, out: ByteWriter, arg: number, little: boolean, size: number): void {
  let value = doubleToUint64(lauxlib.luaL_checknumber(L, arg));
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    bytes[little ? i : size - 1 - i] = Number(value & 0xffn);
    value >>= 8n;
  }
  out.append(bytes);
}

function putfloat(out: ByteWriter, value: number, little: boolean, size: number): void {
  const view = new DataView(new ArrayBuffer(size));
  if (size === 4) view.setFloat32(0, value, little);
  else view.setFloat64(0, value, little);
  out.append(new Uint8Array(view.buffer));
}

function putstring(L: LuaState, out: ByteWriter, arg: number, opt: number, size: number): number {
  const s = lauxlib.luaL_checklstring(L, arg);
  const length = size === 0 ? s.length : size;
  if (s.length < length) argError(L, arg + 1, 'string too short');
  out.append(s.subarray(0, length));
  if (opt !== 0x73) return length;
  out.byte(0);
  return length + 1;
}

function pack(L: LuaState): number {
  const f = readFormat(L);
  let arg = 2;
  let total = 0;
  lua.lua_pushnil(L); // the mark separating the arguments from the buffer, as in C
  const out = new ByteWriter();
  while (f.at < f.bytes.length) {
    const opt = f.bytes[f.at++] as number;
    let size = optsize(L, opt, f);
    const toalign = gettoalign(total, f, opt, size);
    total += toalign;
    for (let i = 0; i < toalign; i++) out.byte(0);
    const name = String.fromCharCode(opt);
    if ('bBhHlLTiI'.includes(name)) putinteger(L, out, arg++, f.little, size);
    else if (name === 'x') out.byte(0);
    else if (name === 'f' || name === 'd') putfloat(out, lauxlib.luaL_checknumber(L, arg++), f.little, size);
    else if (name === 'c' || name === 's') size = putstring(L, out, arg++, opt, size);
    else controloptions(L, opt, f);
    total += size;
  }
  lua.lua_pushlstring(L, out.result(), out.length);
  return 1;
}

function getinteger(data: Uint8Array, at: number, little: boolean, signed: boolean, size: number): number {
  let l = 0n;
  for (let i = 0; i < size; i++) {
    const byte = data[little ? at + size - 1 - i : at + i] as number;
    l = ((l << 8n) | BigInt(byte)) & MASK64;
  }
  if (!signed) return Number(l);
  const mask = (MASK64 << BigInt((size * 8 - 1) & 63)) & MASK64;
  if (l & mask) l |= mask;
  return Number(BigInt.asIntN(64, l));
}

function getfloat(data: Uint8Array, at: number, little: boolean, size: number): number {
  const view = new DataView(data.buffer, data.byteOffset + at, size);
  return size === 4 ? view.getFloat32(0, little) : view.getFloat64(0, little);
}

/** Reads one item at `pos` (already aligned and bounds-checked); returns its size. */
function unpackItem(L: LuaState, f: Format, opt: number, data: Uint8Array, pos: number, size: number): number {
  const name = String.fromCharCode(opt);
  if ('bBhHlLTiI'.includes(name)) pushNumber51(L, getinteger(data, pos, f.little, name === name.toLowerCase(), size));
  else if (name === 'f' || name === 'd') pushNumber51(L, getfloat(data, pos, f.little, size));
  else if (name === 'c') return unpackChars(L, data, pos, size);
  else if (name === 's') {
    const end = data.indexOf(0, pos);
    if (end === -1) raise(L, 'unfinished string in data');
    lua.lua_pushlstring(L, data.subarray(pos, end), end - pos);
    return end - pos + 1;
  } else if (name !== 'x') controloptions(L, opt, f);
  return size;
}

function unpackChars(L: LuaState, data: Uint8Array, pos: number, fixedSize: number): number {
  let size = fixedSize;
  if (size === 0) {
    if (!lua.lua_isnumber(L, -1)) raise(L, "format 'c0' needs a previous size");
    size = Number(BigInt.asUintN(64, doubleToInt64(lua.lua_tonumber(L, -1))));
    lua.lua_pop(L, 1);
    if (pos + size > data.length) argError(L, 2, 'data string too short');
  }
  lua.lua_pushlstring(L, data.subarray(pos, pos + size), size);
  return size;
}

function unpack(L: LuaState): number {
  const f = readFormat(L);
  const data = lauxlib.luaL_checklstring(L, 2);
  const start = lua.lua_isnoneornil(L, 3) ? 1 : Number(doubleToInt64(lauxlib.luaL_checknumber(L, 3)));
  let pos = start - 1;
  lua.lua_settop(L, 2);
  while (f.at < f.bytes.length) {
    const opt = f.bytes[f.at++] as number;
    const size = optsize(L, opt, f);
    pos += gettoalign(pos, f, opt, size);
    if (pos < 0 || pos + size > data.length) argError(L, 2, 'data string too short');
    ensureStack51(L, 2, 'too many results');
    pos += unpackItem(L, f, opt, data, pos, size);
    assert(pos <= data.length, 'struct.unpack read past its data');
  }
  // C pushes this one past the slots it reserved (Lua 5.1 keeps spare slots); fengari checks, so reserve it.
  lua.lua_checkstack(L, 1);
  lua.lua_pushinteger(L, pos + 1);
  return lua.lua_gettop(L) - 2;
}

function size(L: LuaState): number {
  const f = readFormat(L);
  let pos = 0;
  while (f.at < f.bytes.length) {
    const opt = f.bytes[f.at++] as number;
    const itemSize = optsize(L, opt, f);
    pos += gettoalign(pos, f, opt, itemSize);
    if (opt === 0x73) argError(L, 1, "option 's' has no fixed size");
    else if (opt === 0x63 && itemSize === 0) argError(L, 1, "option 'c0' has no fixed size");
    if (!isAlnum(opt)) controloptions(L, opt, f);
    pos += itemSize;
  }
  lua.lua_pushinteger(L, pos);
  return 1;
}

const STRUCT_FUNCTIONS: Record<string, LuaJsFunction> = { pack, unpack, size };

/** luaopen_struct, for luaL_requiref(L, 'struct', openStruct, 1). */
export function openStruct(L: LuaState): number {
  lauxlib.luaL_newlib(L, STRUCT_FUNCTIONS);
  return 1;
}
