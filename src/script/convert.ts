// Values between Redis replies and Lua, as Redis 7.0 converts them (script_lua.c):
// - a command's reply → Lua (redisProtocolToLuaType), in the script's RESP version (redis.setresp):
//   RESP2: integer → number, bulk → string, null → false, status → {ok=s}, error → {err=s},
//   array → table (RESP3-only types degrade as a RESP2 client would see them);
//   RESP3 adds map → {map={k=v}}, set → {set={m=true}}, null → nil, double → {double=n},
//   boolean → boolean, verbatim → {verbatim_string={format=f, string=s}}.
// - the script's result → a reply (luaReplyToRedisReply): string → bulk, number → integer
//   (truncated), true → 1 (or #t after setresp(3)), false/nil → null, a table with a string `err` →
//   error, `ok` → status, `double`, `big_number`, `verbatim_string`, `map`, `set`, else an array
//   that stops at the first nil.

import { Buffer } from 'node:buffer';
import { lua, to_luastring, type LuaState } from 'fengari';
import { formatDouble } from '../lib/double-text.js';
import { assert } from '../lib/assert.js';
import type { Reply } from '../lib/reply.js';
import { pushBytes } from './lua-bytes.js';

export type ScriptResp = 2 | 3;

/**
 * How deep a script's result may nest: below resp/'s replyDepthMax (64), which a reply must never
 * pass. Redis goes as deep as Lua's C stack allows; past this depth Cairn puts the error Redis puts
 * at the bottom of a too-deep reply ("reached lua stack limit"), so `t[1] = t; return t` is safe.
 */
const RESULT_DEPTH_MAX = 60;

/** A field name as Lua bytes, converted once (fengari converts a JS string at every push). */
export function luaName(name: string): Uint8Array {
  return to_luastring(name, true);
}

function setField(L: LuaState, name: string, push: () => void): void {
  lua.lua_pushstring(L, luaName(name));
  push();
  lua.lua_rawset(L, -3);
}

/** A table {name = <value pushed by push>}. */
export function pushSingleField(L: LuaState, name: string, push: () => void): void {
  lua.lua_createtable(L, 0, 1);
  setField(L, name, push);
}

function pushText(L: LuaState, text: string): void {
  pushBytes(L, Buffer.from(text, 'utf8'));
}

/**
 * luaPushErrorBuff: an error text as Redis stores it in a Lua error table: "-CODE msg" keeps its
 * code, text without a leading '-' gets "ERR", and a trailing CR/LF is trimmed.
 */
export function errorTableText(message: string): string {
  let code = 'ERR';
  let msg = message;
  if (message.startsWith('-')) {
    const space = message.indexOf(' ');
    if (space === -1) msg = message.slice(1);
    else {
      code = message.slice(1, space);
      msg = message.slice(space + 1);
    }
  }
  return `${code} ${msg.replace(/^[\r\n]+|[\r\n]+$/g, '')}`;
}

/** Pushes {err = text} (text already in its stored form). */
export function pushErrorTable(L: LuaState, text: string): void {
  pushSingleField(L, 'err', () => pushText(L, text));
}

/** Pushes a command's reply as Lua sees it in RESP `resp`. An error reply becomes {err=...}. */
export function pushReply(L: LuaState, reply: Reply, resp: ScriptResp): void {
  lua.lua_checkstack(L, 4);
  switch (reply.type) {
    case 'simple':
      return pushSingleField(L, 'ok', () => pushText(L, reply.value));
    case 'error':
      // Replies carry "CODE msg" without the '-' of the wire.
      return pushErrorTable(L, errorTableText(`-${reply.message}`));
    case 'integer':
      return lua.lua_pushnumber(L, Number(reply.value));
    case 'bulk':
      return pushBytes(L, reply.value);
    case 'null':
    case 'nullArray':
      return resp === 3 ? lua.lua_pushnil(L) : lua.lua_pushboolean(L, false);
    case 'array':
    case 'push':
    case 'replies':
      return pushArray(L, reply.items, resp);
    case 'set':
      if (resp === 2) return pushArray(L, reply.items, resp);
      return pushSet(L, reply.items);
    case 'map':
    case 'nestedMap':
      if (resp === 3) return pushMap(L, reply.entries);
      return reply.type === 'map' ? pushArray(L, reply.entries.flat(), resp) : pushArray(L, reply.entries.map(pairArray), resp);
    case 'pairs':
      return resp === 3 ? pushArray(L, reply.entries.map(pairArray), resp) : pushArray(L, reply.entries.flat(), resp);
    case 'double':
      if (resp === 2) return pushText(L, formatDouble(reply.value));
      return pushSingleField(L, 'double', () => lua.lua_pushnumber(L, reply.value));
    case 'boolean':
      if (resp === 2) return lua.lua_pushnumber(L, reply.value ? 1 : 0);
      return lua.lua_pushboolean(L, reply.value);
    case 'verbatim':
      if (resp === 2) return pushText(L, reply.value);
      return pushSingleField(L, 'verbatim_string', () => {
        lua.lua_createtable(L, 0, 2);
        setField(L, 'format', () => pushText(L, reply.format));
        setField(L, 'string', () => pushText(L, reply.value));
      });
  }
}

function pairArray(pair: readonly [Reply, Reply]): Reply {
  return { type: 'array', items: pair };
}

function pushArray(L: LuaState, items: readonly Reply[], resp: ScriptResp): void {
  lua.lua_createtable(L, items.length, 0);
  for (let i = 0; i < items.length; i++) {
    pushReply(L, items[i] as Reply, resp);
    lua.lua_rawseti(L, -2, i + 1);
  }
}

function pushSet(L: LuaState, items: readonly Reply[]): void {
  pushSingleField(L, 'set', () => {
    lua.lua_createtable(L, 0, items.length);
    for (const item of items) {
      pushReply(L, item, 3);
      lua.lua_pushboolean(L, true);
      lua.lua_rawset(L, -3);
    }
  });
}

function pushMap(L: LuaState, entries: readonly (readonly [Reply, Reply])[]): void {
  pushSingleField(L, 'map', () => {
    lua.lua_createtable(L, 0, entries.length);
    for (const [key, value] of entries) {
      pushReply(L, key, 3);
      pushReply(L, value, 3);
      lua.lua_rawset(L, -3);
    }
  });
}

// --- Lua → reply -------------------------------------------------------------------------------

/** The string field `name` of the table at the top, or undefined (raw access, as Redis). */
function stringField(L: LuaState, name: string): Uint8Array | undefined {
  lua.lua_pushstring(L, luaName(name));
  lua.lua_rawget(L, -2);
  const value = lua.lua_type(L, -1) === lua.LUA_TSTRING ? (lua.lua_tolstring(L, -1) as Uint8Array) : undefined;
  lua.lua_pop(L, 1);
  return value;
}

/** The value at the top of the stack as a reply (popped). `resp` is the script's RESP version. */
export function popResult(L: LuaState, resp: ScriptResp, depth = 0): Reply {
  if (depth > RESULT_DEPTH_MAX || !lua.lua_checkstack(L, 4)) {
    lua.lua_pop(L, 1);
    return { type: 'error', message: 'ERR reached lua stack limit' };
  }
  let reply: Reply;
  switch (lua.lua_type(L, -1)) {
    case lua.LUA_TSTRING:
      reply = { type: 'bulk', value: Buffer.from(lua.lua_tolstring(L, -1) as Uint8Array) };
      break;
    case lua.LUA_TBOOLEAN:
      if (resp === 3) reply = { type: 'boolean', value: lua.lua_toboolean(L, -1) };
      else reply = lua.lua_toboolean(L, -1) ? { type: 'integer', value: 1 } : { type: 'null' };
      break;
    case lua.LUA_TNUMBER:
      reply = { type: 'integer', value: toLongLong(lua.lua_tonumber(L, -1)) };
      break;
    case lua.LUA_TTABLE:
      reply = tableResult(L, resp, depth);
      break;
    default:
      reply = { type: 'null' };
  }
  lua.lua_pop(L, 1);
  return reply;
}

/** C's (long long) cast of a double on x86-64: truncation, and LLONG_MIN for NaN or out of range. */
export function toLongLong(value: number): number | bigint {
  if (!Number.isFinite(value) || value >= 2 ** 63 || value < -(2 ** 63)) return -(2n ** 63n);
  const truncated = Math.trunc(value);
  return Number.isSafeInteger(truncated) ? truncated : BigInt(truncated);
}

/** Replaces CR and LF by spaces, as Redis does for status and error lines. */
function oneLine(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('utf8').replace(/[\r\n]/g, ' ');
}

/** A table result: err, ok, double, big_number, verbatim_string, map, set, else an array. The table stays on the stack. */
function tableResult(L: LuaState, resp: ScriptResp, depth: number): Reply {
  const err = stringField(L, 'err');
  if (err !== undefined) return { type: 'error', message: oneLine(err) };
  const ok = stringField(L, 'ok');
  if (ok !== undefined) return { type: 'simple', value: oneLine(ok) };
  lua.lua_pushstring(L, luaName('double'));
  lua.lua_rawget(L, -2);
  const isDouble = lua.lua_type(L, -1) === lua.LUA_TNUMBER;
  const double = lua.lua_tonumber(L, -1);
  lua.lua_pop(L, 1);
  if (isDouble) return { type: 'double', value: double };
  const bigNumber = stringField(L, 'big_number');
  // RESP3's big number: Cairn's replies have no such type, so it goes as RESP2 does (a bulk string).
  if (bigNumber !== undefined) return { type: 'bulk', value: Buffer.from(oneLine(bigNumber), 'utf8') };
  const verbatim = verbatimField(L);
  if (verbatim !== undefined) return verbatim;
  lua.lua_pushstring(L, luaName('map'));
  lua.lua_rawget(L, -2);
  if (lua.lua_type(L, -1) === lua.LUA_TTABLE) return collectPairs(L, resp, depth, 'map');
  lua.lua_pop(L, 1);
  lua.lua_pushstring(L, luaName('set'));
  lua.lua_rawget(L, -2);
  if (lua.lua_type(L, -1) === lua.LUA_TTABLE) return collectPairs(L, resp, depth, 'set');
  lua.lua_pop(L, 1);
  const items: Reply[] = [];
  for (let j = 1; ; j++) {
    lua.lua_rawgeti(L, -1, j);
    if (lua.lua_type(L, -1) === lua.LUA_TNIL) {
      lua.lua_pop(L, 1);
      break;
    }
    items.push(popResult(L, resp, depth + 1));
  }
  return { type: 'array', items };
}

/** {verbatim_string = {format = f, string = s}} as a verbatim reply, or undefined. */
function verbatimField(L: LuaState): Reply | undefined {
  lua.lua_pushstring(L, luaName('verbatim_string'));
  lua.lua_rawget(L, -2);
  let reply: Reply | undefined;
  if (lua.lua_type(L, -1) === lua.LUA_TTABLE) {
    const format = stringField(L, 'format');
    const text = stringField(L, 'string');
    if (format !== undefined && text !== undefined) {
      reply = { type: 'verbatim', format: Buffer.from(format).toString('latin1'), value: Buffer.from(text).toString('utf8') };
    }
  }
  lua.lua_pop(L, 1);
  return reply;
}

/** The map or set table at the top (popped) as a map or set reply, in lua_next's order. */
function collectPairs(L: LuaState, resp: ScriptResp, depth: number, kind: 'map' | 'set'): Reply {
  const entries: [Reply, Reply][] = [];
  const members: Reply[] = [];
  lua.lua_pushnil(L);
  while (lua.lua_next(L, -2)) {
    if (kind === 'set') {
      lua.lua_pop(L, 1);
      lua.lua_pushvalue(L, -1);
      members.push(popResult(L, resp, depth + 1));
    } else {
      lua.lua_pushvalue(L, -2);
      const key = popResult(L, resp, depth + 1);
      entries.push([key, popResult(L, resp, depth + 1)]);
    }
  }
  lua.lua_pop(L, 1);
  assert(kind === 'set' || members.length === 0, 'a map has no members');
  return kind === 'map' ? { type: 'map', entries } : { type: 'set', items: members };
}
