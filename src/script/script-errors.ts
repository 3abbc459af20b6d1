// A script's error as Redis 7.0 reports it. The message handler (Redis's __redis__err__handler)
// turns any error into a table {err = "ERR <message>"} (a table raised by redis.call or error({err=})
// stays as it is) and notes where it happened (source, line: the innermost Lua function); the reply
// is "-<err> script: <sha>, on @user_script:<line>.".

import { Buffer } from 'node:buffer';
import { lauxlib, lua, type LuaState } from 'fengari';
import type { Reply } from '../lib/reply.js';
import { formatLuaNumber } from './number-text.js';

/** Where the error happened: level 1 is what raised it, or its Lua caller when that was a JS function. */
function errorPosition(L: LuaState): { source: Uint8Array; line: number } | undefined {
  for (const level of [1, 2]) {
    const ar = new lua.lua_Debug();
    if (!lua.lua_getstack(L, level, ar)) return undefined;
    lua.lua_getinfo(L, 'Sl', ar);
    const what = Buffer.from(ar.what ?? new Uint8Array(0)).toString('latin1');
    if (what === 'Lua' || what === 'main') return ar.source === null ? undefined : { source: ar.source, line: ar.currentline };
  }
  return undefined;
}

/**
 * Lua 5.3 names the culprit after the operation ("attempt to index a nil value (local 'x')"), 5.1
 * before it ("attempt to index local 'x' (a nil value)"): the message is given in 5.1's order.
 * fengari's "JS stack overflow" is Lua's C-call limit (200 nested calls, deterministic), "C stack overflow" in 5.1.
 */
export function as51Message(text: string): string {
  // fengari names C's call-depth limit after JavaScript.
  if (text.endsWith('JS stack overflow')) return `${text.slice(0, -'JS stack overflow'.length)}C stack overflow`;
  return text.replace(/attempt to (.+?) an? (\w+) value \((global|local|field|upvalue|method|constant) '([^']*)'\)/, "attempt to $1 $3 '$4' (a $2 value)");
}

/** The message handler (also the global __redis__err__handler scripts see, as in Redis). */
export function errorHandler(L: LuaState): number {
  const position = errorPosition(L);
  if (lua.lua_type(L, 1) !== lua.LUA_TTABLE) {
    const type = lua.lua_type(L, 1);
    const original = type === lua.LUA_TNUMBER ? Buffer.from(formatLuaNumber(lua.lua_tonumber(L, 1)), 'latin1') : lauxlib.luaL_tolstring(L, 1);
    const text = type === lua.LUA_TSTRING ? Buffer.from(as51Message(Buffer.from(original).toString('latin1')), 'latin1') : original;
    lua.lua_createtable(L, 0, 3);
    lua.lua_pushliteral(L, 'ERR ');
    lua.lua_pushlstring(L, text, text.length);
    lua.lua_concat(L, 2);
    lua.lua_setfield(L, -2, 'err');
    lua.lua_replace(L, 1);
    lua.lua_settop(L, 1);
  }
  if (position !== undefined) {
    lua.lua_pushlstring(L, position.source, position.source.length);
    lua.lua_setfield(L, 1, 'source');
    lua.lua_pushnumber(L, position.line);
    lua.lua_setfield(L, 1, 'line');
  }
  lua.lua_settop(L, 1);
  return 1;
}

/** The reply for the error object at the top of the stack. */
export function errorReplyOf(L: LuaState, sha: string): Reply {
  if (lua.lua_type(L, -1) !== lua.LUA_TTABLE) {
    const text = lua.lua_isstring(L, -1) ? Buffer.from(lua.lua_tolstring(L, -1) as Uint8Array).toString('utf8') : 'execution failure';
    return { type: 'error', message: `ERR Error running script f_${sha}, ${text.slice(0, 100)}` };
  }
  const field = (name: string): string | undefined => {
    lua.lua_getfield(L, -1, name);
    const value = lua.lua_isstring(L, -1) ? fieldText(L) : undefined;
    lua.lua_pop(L, 1);
    return value;
  };
  const message = field('err') ?? '';
  const source = field('source');
  const line = field('line');
  const where = source !== undefined && line !== undefined ? ` script: ${sha}, on ${source}:${line}.` : '';
  return { type: 'error', message: (message + where).replace(/[\r\n]/g, ' ') };
}

/** The string or number at the top as text (numbers as Lua 5.1 prints them). */
function fieldText(L: LuaState): string {
  if (lua.lua_type(L, -1) === lua.LUA_TNUMBER) return formatLuaNumber(lua.lua_tonumber(L, -1));
  return Buffer.from(lua.lua_tolstring(L, -1) as Uint8Array).toString('utf8');
}
