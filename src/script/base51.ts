// Base functions as Redis's Lua 5.1 behaves, where fengari's 5.3 differs: tostring and
// string.format's %s print numbers with "%.14g" (5.3 prints 5.0 as "5.0"); error adds the position
// to a number message too; and pcall is Redis's own (luaRedisPcall), which hands back the `err`
// text of an error table rather than the table.

import { lauxlib, lua, type LuaJsFunction, type LuaState } from 'fengari';
import { formatLuaNumber } from './number-text.js';

/** tostring(v). */
export function tostring(L: LuaState): number {
  lauxlib.luaL_checkany(L, 1);
  if (lua.lua_type(L, 1) === lua.LUA_TNUMBER) {
    lua.lua_pushliteral(L, formatLuaNumber(lua.lua_tonumber(L, 1)));
    return 1;
  }
  lua.lua_settop(L, 1);
  lauxlib.luaL_tolstring(L, 1);
  return 1;
}

/** error(message [, level]): a string or number message gets "chunk:line: " for level > 0. */
export function error(L: LuaState): number {
  const level = Math.trunc(lauxlib.luaL_optnumber(L, 2, 1));
  lua.lua_settop(L, 1);
  if (lua.lua_isstring(L, 1) && level > 0) {
    lauxlib.luaL_where(L, level);
    lua.lua_pushvalue(L, 1);
    lua.lua_concat(L, 2);
  }
  return lua.lua_error(L);
}

/** pcall(f, ...): as Lua's, except that an error table's `err` string is returned in its place. */
export function pcall(L: LuaState): number {
  lauxlib.luaL_checkany(L, 1);
  const argc = lua.lua_gettop(L);
  lua.lua_pushboolean(L, true);
  lua.lua_insert(L, 1);
  if (lua.lua_pcall(L, argc - 1, lua.LUA_MULTRET, 0) === lua.LUA_OK) return lua.lua_gettop(L);
  lua.lua_remove(L, 1);
  if (lua.lua_istable(L, -1)) {
    lua.lua_getfield(L, -1, 'err');
    if (lua.lua_isstring(L, -1)) lua.lua_replace(L, -2);
    else lua.lua_pop(L, 1);
  }
  lua.lua_pushboolean(L, false);
  lua.lua_insert(L, 1);
  return lua.lua_gettop(L);
}

/** The argument numbers (from 2) that a format string's %s conversions consume. */
function stringConversions(format: Uint8Array): number[] {
  const args: number[] = [];
  let arg = 1;
  for (let i = 0; i < format.length; i++) {
    if (format[i] !== 0x25) continue; // '%'
    i++;
    if (format[i] === 0x25) continue;
    while (i < format.length && /[-+ #0-9.]/.test(String.fromCharCode(format[i] as number))) i++;
    arg++;
    if (format[i] === 0x73) args.push(arg); // 's'
  }
  return args;
}

/** string.format with numbers given to %s printed as tostring prints them. */
export function format(original: LuaJsFunction): LuaJsFunction {
  return (L) => {
    const spec = lua.lua_type(L, 1) === lua.LUA_TSTRING ? (lua.lua_tolstring(L, 1) as Uint8Array) : undefined;
    for (const arg of spec === undefined ? [] : stringConversions(spec)) {
      if (lua.lua_type(L, arg) !== lua.LUA_TNUMBER) continue;
      lua.lua_pushliteral(L, formatLuaNumber(lua.lua_tonumber(L, arg)));
      lua.lua_replace(L, arg);
    }
    return original(L);
  };
}
