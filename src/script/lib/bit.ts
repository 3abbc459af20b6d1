// The `bit` library Redis 7.0 gives scripts (LuaBitOp 1.0.2): 32-bit operations whose results are
// signed (bit.tobit(0xffffffff) == -1). Arguments are normalised as LuaBitOp does on a double
// build — add 2^52+2^51 and keep the low 32 bits of the sum — so rounding and huge or negative
// values wrap exactly as in Redis; a non-number argument that converts to 0 is an error, as in 5.1.

import { lauxlib, lua, type LuaJsFunction, type LuaState } from 'fengari';
import { argError, latin1 } from './lua51.js';

// Written and read back within one call (barg), never held across calls.
const scratch = new DataView(new ArrayBuffer(8));

/** barg: argument `index` as an unsigned 32-bit value. */
function barg(L: LuaState, index: number): number {
  const value = lua.lua_tonumber(L, index) + 6755399441055744.0;
  scratch.setFloat64(0, value, true);
  const bits = scratch.getUint32(0, true);
  if (bits === 0 && !lua.lua_isnumber(L, index)) {
    argError(L, index, `number expected, got ${latin1(lauxlib.luaL_typename(L, index))}`);
  }
  return bits;
}

/** BRET: a 32-bit result, signed. */
function bret(L: LuaState, bits: number): number {
  lua.lua_pushinteger(L, bits | 0);
  return 1;
}

function fold(op: (a: number, b: number) => number): LuaJsFunction {
  return (L) => {
    let bits = barg(L, 1);
    for (let i = lua.lua_gettop(L); i > 1; i--) bits = op(bits, barg(L, i));
    return bret(L, bits);
  };
}

function shift(op: (bits: number, n: number) => number): LuaJsFunction {
  return (L) => {
    const bits = barg(L, 1);
    const n = barg(L, 2) & 31;
    return bret(L, op(bits, n));
  };
}

function tohex(L: LuaState): number {
  let bits = barg(L, 1);
  let n = lua.lua_type(L, 2) === lua.LUA_TNONE ? 8 : barg(L, 2) | 0;
  let digits = '0123456789abcdef';
  if (n === -2147483648) n = -2147483647;
  if (n < 0) {
    n = -n;
    digits = '0123456789ABCDEF';
  }
  if (n > 8) n = 8;
  const out: string[] = [];
  for (let i = n; --i >= 0; ) {
    out[i] = digits[bits & 15] as string;
    bits >>>= 4;
  }
  lua.lua_pushliteral(L, out.join(''));
  return 1;
}

const BIT_FUNCTIONS: Record<string, LuaJsFunction> = {
  tobit: (L) => bret(L, barg(L, 1)),
  bnot: (L) => bret(L, ~barg(L, 1)),
  band: fold((a, b) => a & b),
  bor: fold((a, b) => a | b),
  bxor: fold((a, b) => a ^ b),
  lshift: shift((b, n) => b << n),
  rshift: shift((b, n) => b >>> n),
  arshift: shift((b, n) => (b | 0) >> n),
  // (b << n) | (b >> (32-n)) in C: a shift by 32 is a shift by 0 on x86, as it is in JavaScript.
  rol: shift((b, n) => (b << n) | (b >>> (32 - n))),
  ror: shift((b, n) => (b << (32 - n)) | (b >>> n)),
  bswap: (L) => {
    const b = barg(L, 1);
    return bret(L, (b >>> 24) | ((b >>> 8) & 0xff00) | ((b & 0xff00) << 8) | (b << 24));
  },
  tohex,
};

/** luaopen_bit, for luaL_requiref(L, 'bit', openBit, 1). */
export function openBit(L: LuaState): number {
  lauxlib.luaL_newlib(L, BIT_FUNCTIONS);
  return 1;
}
