// What Redis's Lua 5.1 libraries get from the C side that fengari (Lua 5.3, 32-bit integers) does
// differently: numbers pushed so a script sees what 5.1 would (integral values as integers, so
// `..` and tostring print "3", not "3.0"), C's double→int conversions as x86-64 does them, 5.1's
// luaL_checkinteger (truncating, never "no integer representation"), and errors raised with a
// message built from raw bytes (C's %s and %c copy bytes; fengari's pushfstring would escape them).

import { lauxlib, lua, to_luastring, type LuaState } from 'fengari';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** Pushes a double as Lua 5.1 holds it: an integer when 5.3 can hold it as one (-0 stays a float). */
export function pushNumber51(L: LuaState, value: number): void {
  if (Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX && !Object.is(value, -0)) {
    lua.lua_pushinteger(L, value);
  } else {
    lua.lua_pushnumber(L, value);
  }
}

/** C's `(int)d` on x86-64: truncation; NaN and out-of-range values give INT_MIN (cvttsd2si). */
export function doubleToInt32(value: number): number {
  if (Number.isNaN(value)) return INT32_MIN;
  const truncated = Math.trunc(value);
  return truncated >= INT32_MIN && truncated <= INT32_MAX ? truncated : INT32_MIN;
}

/** C's `(int64_t)d` on x86-64 as a BigInt: truncation; NaN and out-of-range give INT64_MIN. */
export function doubleToInt64(value: number): bigint {
  if (!Number.isFinite(value) || value >= 2 ** 63 || value < -(2 ** 63)) return -(1n << 63n);
  return BigInt(Math.trunc(value));
}

/** Lua 5.1's luaL_checkinteger, then C's conversion to int: truncates a float, wraps to 32 bits. */
export function checkInt51(L: LuaState, arg: number): number {
  const value = lauxlib.luaL_checknumber(L, arg);
  return Number(BigInt.asIntN(32, doubleToInt64(value)));
}

/** Lua 5.1's luaL_checkinteger as a lua_Integer (64-bit), for offsets compared with lengths. */
export function checkInteger51(L: LuaState, arg: number): number {
  return Number(doubleToInt64(lauxlib.luaL_checknumber(L, arg)));
}

/** Lua 5.1's luaL_optinteger as a lua_Integer (64-bit). */
export function optInteger51(L: LuaState, arg: number, def: number): number {
  return lua.lua_isnoneornil(L, arg) ? def : checkInteger51(L, arg);
}

/**
 * Joins the pieces of an error message. Byte pieces stand for C's "%s" of a Lua string, so each is
 * cut at its first NUL as C's lua_pushfstring cuts it; JS strings are ASCII text.
 */
function bytesOf(...parts: readonly (string | Uint8Array)[]): Uint8Array {
  const chunks = parts.map((part) => {
    if (typeof part === 'string') return to_luastring(part);
    const nul = part.indexOf(0);
    return nul === -1 ? part : part.subarray(0, nul);
  });
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** Lua 5.1's limit on the stack slots a C function may use (LUAI_MAXCSTACK). */
const LUAI_MAXCSTACK = 8000;

/**
 * Nesting past which the recursive encoders and decoders stop with the error they give when Lua
 * 5.1's stack runs out. Redis reaches 4000-8000 levels before that happens; JavaScript's own stack
 * would overflow first, at a depth that depends on the caller, and replicas must fail alike. 1000
 * is Redis's default cjson depth limit, so only scripts that raise it, or hand-made msgpack
 * nested over 1000 deep, see a difference.
 */
export const JS_NESTING_MAX = 1000;

/** Lua 5.1's lua_checkstack from inside a library function: false past 5.1's per-call limit. */
export function checkStack51(L: LuaState, size: number): boolean {
  return lua.lua_gettop(L) + size <= LUAI_MAXCSTACK && lua.lua_checkstack(L, size);
}

/** Lua 5.1's luaL_checkstack: room for `size` more slots, or "stack overflow (<message>)". */
export function ensureStack51(L: LuaState, size: number, message: string): void {
  if (!checkStack51(L, size)) raise(L, `stack overflow (${message})`);
}

/** Bytes as a JS string, one char per byte (for comparing with ASCII names, never for output). */
export function latin1(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return text;
}

/** luaL_error with a message given in pieces (see bytesOf). */
export function raise(L: LuaState, ...parts: readonly (string | Uint8Array)[]): never {
  return lauxlib.luaL_error(L, '%s', bytesOf(...parts));
}

/** luaL_argerror with an extra message given in pieces (see bytesOf). */
export function argError(L: LuaState, arg: number, ...parts: readonly (string | Uint8Array)[]): never {
  return lauxlib.luaL_argerror(L, arg, bytesOf(...parts));
}

/** A growable byte buffer for the encoders (strbuf / mp_buf in the C libraries). */
export class ByteWriter {
  private bytes = new Uint8Array(64);
  private lengthBytes = 0;

  get length(): number {
    return this.lengthBytes;
  }

  private reserve(more: number): void {
    if (this.lengthBytes + more <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.lengthBytes + more));
    grown.set(this.bytes.subarray(0, this.lengthBytes));
    this.bytes = grown;
  }

  byte(value: number): void {
    this.reserve(1);
    this.bytes[this.lengthBytes++] = value & 0xff;
  }

  append(chunk: Uint8Array): void {
    this.reserve(chunk.length);
    this.bytes.set(chunk, this.lengthBytes);
    this.lengthBytes += chunk.length;
  }

  ascii(text: string): void {
    this.reserve(text.length);
    for (let i = 0; i < text.length; i++) this.bytes[this.lengthBytes++] = text.charCodeAt(i);
  }

  /** A copy of the bytes written so far. */
  result(): Uint8Array {
    return this.bytes.slice(0, this.lengthBytes);
  }
}
