// cjson.encode as lua-cjson 2.1.0 in Redis 7.0 writes JSON: numbers through printf("%.14g") (so 3.0
// is "3" and 2^53 is "9.007199254741e+15"), strings escaped byte by byte ("/" as "\/", DEL as
// "\u007f", bytes >= 0x80 untouched), a table as an array when every key is a positive integer and
// it is not excessively sparse, else as an object, and lua-cjson's errors word for word. Objects
// come out in the table's iteration order (insertion order in fengari, hash order in Redis).

import { lua, type LuaJsFunction, type LuaState } from 'fengari';
import type { CjsonConfig } from './cjson-config.js';
import { formatG } from '../../lib/format-g.js';
import { argError, ByteWriter, checkStack51, doubleToInt32, JS_NESTING_MAX, latin1, raise } from './lua51.js';
import { pushBytes } from '../lua-bytes.js';

/** The escape for each byte, or undefined when the byte is written as is (char2escape in lua_cjson.c). */
const ESCAPES: readonly (string | undefined)[] = Array.from({ length: 256 }, (_, byte) => {
  const named: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r', 34: '\\"', 47: '\\/', 92: '\\\\' };
  if (named[byte] !== undefined) return named[byte];
  if (byte < 0x20 || byte === 0x7f) return `\\u${byte.toString(16).padStart(4, '0')}`;
  return undefined;
});

export function cjsonEncode(config: CjsonConfig): LuaJsFunction {
  return (L) => {
    if (lua.lua_gettop(L) !== 1) argError(L, 1, 'expected 1 argument');
    const out = new ByteWriter();
    appendData(L, config, 0, out);
    pushBytes(L, out.result());
    return 1;
  };
}

function encodeError(L: LuaState, index: number, reason: string): never {
  return raise(L, 'Cannot serialise ', latin1(lua.lua_typename(L, lua.lua_type(L, index))), ': ', reason);
}

function appendString(L: LuaState, out: ByteWriter, index: number): void {
  const bytes = lua.lua_tolstring(L, index) ?? new Uint8Array(0);
  out.byte(0x22);
  for (const byte of bytes) {
    const escape = ESCAPES[byte];
    if (escape === undefined) out.byte(byte);
    else out.ascii(escape);
  }
  out.byte(0x22);
}

function appendNumber(L: LuaState, config: CjsonConfig, out: ByteWriter, index: number): void {
  const value = lua.lua_tonumber(L, index);
  const finite = Number.isFinite(value);
  if (config.encodeInvalidNumbers === 0) {
    if (!finite) encodeError(L, index, 'must not be NaN or Inf');
  } else if (config.encodeInvalidNumbers === 1) {
    if (Number.isNaN(value)) return out.ascii('nan');
  } else if (!finite) {
    return out.ascii('null');
  }
  out.ascii(formatG(value, config.encodeNumberPrecision));
}

/**
 * lua_array_length: the array length of the table on top of the stack, or -1 to write it as an
 * object. Keys are read as C doubles; the largest goes through C's (int) conversion as in C.
 */
function arrayLength(L: LuaState, config: CjsonConfig): number {
  let max = 0;
  let items = 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, -2)) {
    if (lua.lua_type(L, -2) === lua.LUA_TNUMBER) {
      const k = lua.lua_tonumber(L, -2);
      if (k !== 0 && Math.floor(k) === k && k >= 1) {
        if (k > max) max = doubleToInt32(k);
        items++;
        lua.lua_pop(L, 1);
        continue;
      }
    }
    lua.lua_pop(L, 2);
    return -1;
  }
  const ratio = config.encodeSparseRatio;
  if (ratio > 0 && max > Math.imul(items, ratio) && max > config.encodeSparseSafe) {
    if (!config.encodeSparseConvert) encodeError(L, -1, 'excessively sparse array');
    return -1;
  }
  return max;
}

function appendArray(L: LuaState, config: CjsonConfig, depth: number, out: ByteWriter, length: number): void {
  out.byte(0x5b);
  for (let i = 1; i <= length; i++) {
    if (i > 1) out.byte(0x2c);
    lua.lua_rawgeti(L, -1, i);
    appendData(L, config, depth, out);
    lua.lua_pop(L, 1);
  }
  out.byte(0x5d);
}

function appendObject(L: LuaState, config: CjsonConfig, depth: number, out: ByteWriter): void {
  out.byte(0x7b);
  let comma = false;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, -2)) {
    if (comma) out.byte(0x2c);
    comma = true;
    const keyType = lua.lua_type(L, -2);
    if (keyType === lua.LUA_TNUMBER) {
      out.byte(0x22);
      appendNumber(L, config, out, -2);
      out.ascii('":');
    } else if (keyType === lua.LUA_TSTRING) {
      appendString(L, out, -2);
      out.byte(0x3a);
    } else {
      encodeError(L, -2, 'table key must be a number or string');
    }
    appendData(L, config, depth, out);
    lua.lua_pop(L, 1);
  }
  out.byte(0x7d);
}

/** json_append_data: the value on top of the stack. */
function appendData(L: LuaState, config: CjsonConfig, depth: number, out: ByteWriter): void {
  const type = lua.lua_type(L, -1);
  if (type === lua.LUA_TSTRING) return appendString(L, out, -1);
  if (type === lua.LUA_TNUMBER) return appendNumber(L, config, out, -1);
  if (type === lua.LUA_TBOOLEAN) return out.ascii(lua.lua_toboolean(L, -1) ? 'true' : 'false');
  if (type === lua.LUA_TNIL) return out.ascii('null');
  if (type === lua.LUA_TLIGHTUSERDATA && lua.lua_touserdata(L, -1) === null) return out.ascii('null');
  if (type !== lua.LUA_TTABLE) return encodeError(L, -1, 'type not supported');
  const nested = depth + 1;
  if (nested > config.encodeMaxDepth || nested > JS_NESTING_MAX || !checkStack51(L, 3)) {
    raise(L, `Cannot serialise, excessive nesting (${nested})`);
  }
  const length = arrayLength(L, config);
  if (length > 0) appendArray(L, config, nested, out, length);
  else appendObject(L, config, nested, out);
}
