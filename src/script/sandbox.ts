// The environment Redis 7.0 gives scripts, built on fengari's Lua 5.3: Lua 5.1's base, table, string,
// math and coroutine libraries as Redis leaves them (no os, io, debug, require, loadfile, dofile,
// print; `unpack`, `loadstring`, `gcinfo` and 5.1's math/string/table extras present; 5.3's
// additions gone), and every global and library table read-only, with Redis's errors for a write
// ("Attempt to modify a readonly table") and for reading a global that does not exist.
//
// Read-only tables are a patch to Redis's Lua VM; here each protected table is an empty proxy whose
// metatable reads through to the real table (__index, __pairs, __len) and refuses writes
// (__newindex), and rawset/rawget/setmetatable/getmetatable see through or refuse proxies alike.

import { lauxlib, lua, lualib, type LuaJsFunction, type LuaState } from 'fengari';
import { assert } from '../lib/assert.js';
import { randomFunction, randomseedFunction, type Rand48 } from './rand48.js';
import { tableSort } from './table-sort.js';
import { SCRIPT_LIBRARIES } from './lib/index.js';
import { extendLibraries } from './compat51.js';

const READONLY = 'Attempt to modify a readonly table';
/** Registry field: a weak-keyed table whose keys are the read-only proxies. */
const PROXIES = 'cairn.readonly';
/** Registry field: the base library's `next`, for proxies' __pairs. */
const NEXT = 'cairn.next';

/** Lua's own libraries a script gets (Redis 7.0's luaLoadLibraries, minus debug which it removes). */
const LUA_LIBRARIES: readonly [string, LuaJsFunction][] = [
  ['_G', lualib.luaopen_base],
  ['table', lualib.luaopen_table],
  ['string', lualib.luaopen_string],
  ['math', lualib.luaopen_math],
  ['coroutine', lualib.luaopen_coroutine],
];

/** Base functions of Lua 5.3 that Redis's 5.1 sandbox lacks or denies. */
const REMOVED_GLOBALS = ['dofile', 'loadfile', 'print', 'rawlen', 'require'];

function isProxy(L: LuaState, index: number): boolean {
  if (lua.lua_type(L, index) !== lua.LUA_TTABLE) return false;
  const at = lua.lua_absindex(L, index);
  lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, PROXIES);
  lua.lua_pushvalue(L, at);
  lua.lua_rawget(L, -2);
  const proxy = lua.lua_toboolean(L, -1);
  lua.lua_pop(L, 2);
  return proxy;
}

/** Raises the read-only error without a position, as Redis's VM does for a C function's write. */
function readonlyFromC(L: LuaState): never {
  lua.lua_pushliteral(L, READONLY);
  return lua.lua_error(L);
}

/** Replaces the real table at the top of the stack by its read-only proxy. */
function protectTop(L: LuaState): void {
  const real = lua.lua_gettop(L);
  lua.lua_newtable(L); // the proxy
  lua.lua_createtable(L, 0, 5); // its metatable
  lua.lua_pushvalue(L, real);
  lua.lua_setfield(L, -2, '__index');
  lua.lua_pushjsfunction(L, (l) => lauxlib.luaL_error(l, READONLY));
  lua.lua_setfield(L, -2, '__newindex');
  lua.lua_pushvalue(L, real);
  lua.lua_pushjsclosure(L, pairsThrough, 1);
  lua.lua_setfield(L, -2, '__pairs');
  lua.lua_pushvalue(L, real);
  lua.lua_pushjsclosure(L, (l) => (lua.lua_pushinteger(l, lua.lua_rawlen(l, lua.lua_upvalueindex(1))), 1), 1);
  lua.lua_setfield(L, -2, '__len');
  lua.lua_setmetatable(L, -2);
  lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, PROXIES);
  lua.lua_pushvalue(L, -2);
  lua.lua_pushboolean(L, true);
  lua.lua_rawset(L, -3);
  lua.lua_pop(L, 1);
  lua.lua_replace(L, real);
}

/** __pairs of a proxy: next over the real table (upvalue 1). */
function pairsThrough(L: LuaState): number {
  lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, NEXT);
  lua.lua_pushvalue(L, lua.lua_upvalueindex(1));
  lua.lua_pushnil(L);
  return 3;
}

/** rawset, rawget, setmetatable and getmetatable that respect proxies. */
function guardRawAccess(L: LuaState, globals: number): void {
  const wrap = (name: string, make: (original: number) => LuaJsFunction): void => {
    lua.lua_getfield(L, globals, name);
    const original = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    lua.lua_pushjsfunction(L, make(original));
    lua.lua_setfield(L, globals, name);
  };
  const callOriginal = (l: LuaState, original: number): number => {
    lua.lua_rawgeti(l, lua.LUA_REGISTRYINDEX, original);
    lua.lua_insert(l, 1);
    lua.lua_call(l, lua.lua_gettop(l) - 1, lua.LUA_MULTRET);
    return lua.lua_gettop(l);
  };
  wrap('rawset', (original) => (l) => (isProxy(l, 1) ? readonlyFromC(l) : callOriginal(l, original)));
  wrap('setmetatable', (original) => (l) => (isProxy(l, 1) ? readonlyFromC(l) : callOriginal(l, original)));
  wrap('getmetatable', (original) => (l) => {
    if (isProxy(l, 1) && lua.lua_getmetatable(l, 1) && lua.lua_getfield(l, -1, '__metatable') === lua.LUA_TNIL) {
      lua.lua_pushnil(l);
      return 1;
    }
    lua.lua_settop(l, 1);
    return callOriginal(l, original);
  });
  wrap('rawget', (original) => (l) => {
    if (isProxy(l, 1)) {
      lua.lua_getmetatable(l, 1);
      lua.lua_getfield(l, -1, '__index');
      lua.lua_replace(l, 1);
      lua.lua_settop(l, 2);
    }
    return callOriginal(l, original);
  });
}

/** The real globals' metatable: reading a missing global is Redis's error. */
function refuseMissingGlobals(L: LuaState, globals: number): void {
  lua.lua_createtable(L, 0, 1);
  lua.lua_pushjsfunction(L, (l) => {
    const name = lua.lua_tojsstring(l, 2);
    return lauxlib.luaL_error(l, `Script attempted to access nonexistent global variable '${name}'`);
  });
  lua.lua_setfield(L, -2, '__index');
  lua.lua_setmetatable(L, globals);
}

/**
 * Builds the sandbox in a fresh state. Leaves the real globals table referenced from the registry
 * (its ref is returned: the host sets KEYS and ARGV there); scripts see only its proxy.
 */
export function openSandbox(L: LuaState, rand: () => Rand48, pushRedis: (L: LuaState) => void, errorHandler: LuaJsFunction): number {
  lua.lua_newtable(L);
  lua.lua_createtable(L, 0, 1);
  lua.lua_pushliteral(L, 'k');
  lua.lua_setfield(L, -2, '__mode');
  lua.lua_setmetatable(L, -2);
  lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, PROXIES);
  for (const [name, open] of LUA_LIBRARIES) {
    lauxlib.luaL_requiref(L, name, open, 1);
    lua.lua_pop(L, 1);
  }
  for (const { name, open } of SCRIPT_LIBRARIES) {
    lauxlib.luaL_requiref(L, name, open, 1);
    lua.lua_pop(L, 1);
  }
  lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, lua.LUA_RIDX_GLOBALS);
  const globals = lua.lua_gettop(L);
  lua.lua_getfield(L, globals, 'next');
  lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, NEXT);
  for (const name of REMOVED_GLOBALS) {
    lua.lua_pushnil(L);
    lua.lua_setfield(L, globals, name);
  }
  extendLibraries(L, globals, { sort: tableSort, random: randomFunction(rand), randomseed: randomseedFunction(rand) });
  pushRedis(L);
  lua.lua_setfield(L, globals, 'redis');
  lua.lua_pushjsfunction(L, errorHandler);
  lua.lua_setfield(L, globals, '__redis__err__handler');
  guardRawAccess(L, globals);
  protectLibraries(L, globals);
  refuseMissingGlobals(L, globals);
  // Scripts see the globals through their proxy, as _ENV and as _G; as in Redis, _G has a
  // metatable (getmetatable answers an empty table), the libraries none.
  lua.lua_pushvalue(L, globals);
  protectTop(L);
  lua.lua_getmetatable(L, -1);
  lua.lua_newtable(L);
  lua.lua_setfield(L, -2, '__metatable');
  lua.lua_pop(L, 1);
  lua.lua_pushvalue(L, -1);
  lua.lua_setfield(L, globals, '_G');
  lua.lua_rawseti(L, lua.LUA_REGISTRYINDEX, lua.LUA_RIDX_GLOBALS);
  const ref = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
  assert(lua.lua_gettop(L) === 0, 'the sandbox leaves the stack empty');
  return ref;
}

/** Every table-valued global (the libraries) becomes its proxy, and so does the string metatable. */
function protectLibraries(L: LuaState, globals: number): void {
  const names: string[] = [];
  lua.lua_pushnil(L);
  while (lua.lua_next(L, globals)) {
    if (lua.lua_type(L, -1) === lua.LUA_TTABLE && lua.lua_type(L, -2) === lua.LUA_TSTRING) names.push(lua.lua_tojsstring(L, -2));
    lua.lua_pop(L, 1);
  }
  for (const name of names) {
    if (name === '_G') continue;
    lua.lua_getfield(L, globals, name);
    protectTop(L);
    lua.lua_setfield(L, globals, name);
  }
  // ('').x reads string's functions through the string metatable: its __index is the proxy, and
  // getmetatable('') answers a proxy of the metatable, so neither can be changed.
  lua.lua_pushliteral(L, '');
  lua.lua_getmetatable(L, -1);
  lua.lua_getfield(L, globals, 'string');
  lua.lua_setfield(L, -2, '__index');
  lua.lua_pushvalue(L, -1);
  protectTop(L);
  lua.lua_setfield(L, -2, '__metatable');
  lua.lua_pop(L, 2);
}
