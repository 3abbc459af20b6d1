// What Lua 5.1 (Redis's Lua) has and fengari's 5.3 does not, or has differently: unpack, loadstring
// and gcinfo as globals; math.pow/mod/log10/ldexp/frexp/cosh/sinh/tanh/atan2; string.gfind;
// table.getn/maxn/foreach/foreachi/setn; floor and ceil returning floats (5.3's integers are 32-bit
// in fengari and would wrap); load taking source text only (no binary chunks); and the removal of
// 5.3's additions (math.tointeger, string.pack, table.move, ...) so scripts see Redis's set.

import { lauxlib, lua, type LuaJsFunction, type LuaState } from 'fengari';
import { assert } from '../lib/assert.js';
import { error, format, pcall, tostring } from './base51.js';

/** The deterministic replacements the sandbox brings (table.sort, math.random, math.randomseed). */
export interface Replacements {
  readonly sort: LuaJsFunction;
  readonly random: LuaJsFunction;
  readonly randomseed: LuaJsFunction;
}

const REMOVED: Record<string, readonly string[]> = {
  math: ['tointeger', 'type', 'ult', 'maxinteger', 'mininteger'],
  string: ['pack', 'unpack', 'packsize'],
  table: ['pack', 'unpack', 'move'],
};

function number1(f: (x: number) => number): LuaJsFunction {
  return (L) => (lua.lua_pushnumber(L, f(lauxlib.luaL_checknumber(L, 1))), 1);
}

function number2(f: (x: number, y: number) => number): LuaJsFunction {
  return (L) => (lua.lua_pushnumber(L, f(lauxlib.luaL_checknumber(L, 1), lauxlib.luaL_checknumber(L, 2))), 1);
}

/** C's fmod: the remainder with the dividend's sign. */
const fmod = (x: number, y: number): number => x % y;

function frexp(L: LuaState): number {
  const x = lauxlib.luaL_checknumber(L, 1);
  if (x === 0 || !Number.isFinite(x)) {
    lua.lua_pushnumber(L, x);
    lua.lua_pushnumber(L, 0);
    return 2;
  }
  let exponent = Math.max(-1073, Math.floor(Math.log2(Math.abs(x))) + 1);
  let mantissa = x * 2 ** -exponent;
  while (Math.abs(mantissa) < 0.5) {
    mantissa *= 2;
    exponent--;
  }
  while (Math.abs(mantissa) >= 1) {
    mantissa /= 2;
    exponent++;
  }
  lua.lua_pushnumber(L, mantissa);
  lua.lua_pushnumber(L, exponent);
  return 2;
}

const MATH: Record<string, LuaJsFunction> = {
  pow: number2(Math.pow),
  mod: number2(fmod),
  fmod: number2(fmod),
  log10: number1(Math.log10),
  ldexp: number2((m, e) => m * 2 ** Math.trunc(e)),
  frexp,
  cosh: number1(Math.cosh),
  sinh: number1(Math.sinh),
  tanh: number1(Math.tanh),
  atan2: number2(Math.atan2),
  floor: number1(Math.floor),
  ceil: number1(Math.ceil),
  log: number1(Math.log),
};

function getn(L: LuaState): number {
  lauxlib.luaL_checktype(L, 1, lua.LUA_TTABLE);
  lua.lua_pushnumber(L, lua.lua_rawlen(L, 1));
  return 1;
}

/** table.maxn: the largest positive numeric key. */
function maxn(L: LuaState): number {
  lauxlib.luaL_checktype(L, 1, lua.LUA_TTABLE);
  let max = 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, 1)) {
    lua.lua_pop(L, 1);
    if (lua.lua_type(L, -1) === lua.LUA_TNUMBER) max = Math.max(max, lua.lua_tonumber(L, -1));
  }
  lua.lua_pushnumber(L, max);
  return 1;
}

/** table.foreach(t, f) / foreachi: calls f(k, v) until it returns non-nil. */
function foreach(indexed: boolean): LuaJsFunction {
  return (L) => {
    lauxlib.luaL_checktype(L, 1, lua.LUA_TTABLE);
    lauxlib.luaL_checktype(L, 2, lua.LUA_TFUNCTION);
    const visit = (): boolean => {
      lua.lua_call(L, 2, 1);
      if (!lua.lua_isnil(L, -1)) return true;
      lua.lua_pop(L, 1);
      return false;
    };
    if (indexed) {
      const n = lua.lua_rawlen(L, 1);
      for (let i = 1; i <= n; i++) {
        lua.lua_pushvalue(L, 2);
        lua.lua_pushnumber(L, i);
        lua.lua_rawgeti(L, 1, i);
        if (visit()) return 1;
      }
      return 0;
    }
    lua.lua_pushnil(L);
    while (lua.lua_next(L, 1)) {
      lua.lua_pushvalue(L, 2);
      lua.lua_pushvalue(L, -3);
      lua.lua_pushvalue(L, -3);
      if (visit()) return 1;
      lua.lua_pop(L, 1);
    }
    return 0;
  };
}

/** The longest string string.rep builds (Redis's proto-max-bulk-len: no reply could carry more). */
const REP_BYTES_MAX = 512 * 1024 * 1024;

/**
 * string.rep(s, n) as Lua 5.1's (no separator argument), built by doubling copies: fengari's own
 * pushes byte by byte, seconds for 100 MB, all in one instruction of the script's budget.
 */
function rep(L: LuaState): number {
  const s = lauxlib.luaL_checklstring(L, 1);
  const n = Math.trunc(lauxlib.luaL_checknumber(L, 2));
  if (n <= 0 || s.length === 0) {
    lua.lua_pushliteral(L, '');
    return 1;
  }
  if (s.length * n > REP_BYTES_MAX) return lauxlib.luaL_error(L, 'resulting string too large');
  const out = new Uint8Array(s.length * n);
  out.set(s, 0);
  for (let filled = s.length; filled < out.length; filled *= 2) out.copyWithin(filled, 0, Math.min(filled, out.length - filled));
  lua.lua_pushlstring(L, out, out.length);
  return 1;
}

const TABLE: Record<string, LuaJsFunction> = {
  getn,
  maxn,
  foreach: foreach(false),
  foreachi: foreach(true),
  setn: (L) => lauxlib.luaL_error(L, "'setn' is obsolete"),
};

/** load(chunk [, chunkname]) for text only: 5.1's load and loadstring never read bytecode. */
function textLoad(original: number): LuaJsFunction {
  return (L) => {
    lua.lua_settop(L, 2);
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, original);
    lua.lua_insert(L, 1);
    lua.lua_pushliteral(L, 't');
    lua.lua_call(L, 3, lua.LUA_MULTRET);
    return lua.lua_gettop(L);
  };
}

function setAll(L: LuaState, table: number, functions: Record<string, LuaJsFunction>): void {
  for (const [name, f] of Object.entries(functions)) {
    lua.lua_pushjsfunction(L, f);
    lua.lua_setfield(L, table, name);
  }
}

/** Adds 5.1's functions to the libraries in `globals` (a stack index) and removes 5.3's. */
export function extendLibraries(L: LuaState, globals: number, replacements: Replacements): void {
  lua.lua_getfield(L, globals, 'table');
  lua.lua_getfield(L, -1, 'unpack');
  lua.lua_setfield(L, globals, 'unpack');
  lua.lua_pop(L, 1);
  for (const [library, names] of Object.entries(REMOVED)) {
    lua.lua_getfield(L, globals, library);
    for (const name of names) {
      lua.lua_pushnil(L);
      lua.lua_setfield(L, -2, name);
    }
    lua.lua_pop(L, 1);
  }
  lua.lua_getfield(L, globals, 'math');
  setAll(L, lua.lua_gettop(L), { ...MATH, random: replacements.random, randomseed: replacements.randomseed });
  lua.lua_pop(L, 1);
  lua.lua_getfield(L, globals, 'table');
  setAll(L, lua.lua_gettop(L), { ...TABLE, sort: replacements.sort });
  lua.lua_pop(L, 1);
  lua.lua_getfield(L, globals, 'string');
  lua.lua_getfield(L, -1, 'gmatch');
  lua.lua_setfield(L, -2, 'gfind');
  lua.lua_pushjsfunction(L, rep);
  lua.lua_setfield(L, -2, 'rep');
  lua.lua_getfield(L, -1, 'format');
  const originalFormat = lua.lua_tocfunction(L, -1);
  assert(originalFormat !== null, 'string.format is a JS function');
  lua.lua_pop(L, 1);
  lua.lua_pushjsfunction(L, format(originalFormat));
  lua.lua_setfield(L, -2, 'format');
  lua.lua_pop(L, 1);
  lua.lua_getfield(L, globals, 'load');
  const load = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
  setAll(L, globals, {
    load: textLoad(load),
    loadstring: textLoad(load),
    tostring,
    error,
    pcall,
    gcinfo: (l) => (lua.lua_pushnumber(l, 0), 1),
    collectgarbage: (l) => (lua.lua_pushnumber(l, 0), 1),
  });
  lua.lua_pushliteral(L, 'Lua 5.1');
  lua.lua_setfield(L, globals, '_VERSION');
}
