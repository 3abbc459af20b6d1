// Differential harness for the script libraries (src/script/lib/): runs a Lua snippet with
// `EVAL <snippet> 0` on redis-server 7.0 and in a bare fengari state with base/string/table/math
// and Cairn's cjson/cmsgpack/bit/struct loaded, converts what the snippet returns as Redis does
// for the simple cases (string → bulk, number → integer, boolean, nil, array table, {err=}), and
// lists every reply that differs byte for byte. Snippets pcall what may fail and return the message.

import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { lauxlib, lua, lualib, to_luastring, type LuaState } from 'fengari';
import { SCRIPT_LIBRARIES } from '../../src/script/lib/index.js';
import type { RedisProcess } from '../kv/redis-server.js';

/** Lua helpers prepended to every snippet, on both sides: hex of bytes and a canonical dump of any value. */
export const PRELUDE = `
local function hex(s) return (string.gsub(s, '.', function(c) return string.format('%02x', string.byte(c)) end)) end
local function dump(v)
  local t = type(v)
  if t == 'number' and v ~= v then return 'nan' end
  if t == 'number' then return 'n' .. hex(struct.pack('>d', v)) end
  if t == 'string' then return 's' .. hex(v) end
  if t == 'userdata' then return (v == cjson.null) and 'null' or 'userdata' end
  if t ~= 'table' then return tostring(v) end
  local keys, parts = {}, {}
  for k in pairs(v) do keys[#keys + 1] = dump(k) .. '=' .. dump(v[k]) end
  table.sort(keys)
  return '{' .. table.concat(keys, ',') .. '}'
end
-- -0 made at run time: Lua 5.1 merges the constant -0.0 with an earlier 0 in the same function.
local NEGZERO = -tonumber('0.0')
local function try(f) local ok, r = pcall(f) if ok then return r end return 'ERR:' .. tostring(r) end
`;

let shared: LuaState | undefined;

/** PRELUDE's lines as newlines: snippets keep their line numbers (in error messages) without it. */
const PRELUDE_LINES = '\n'.repeat(PRELUDE.split('\n').length - 1);

/**
 * A fengari state with base/string/table/math and the script libraries freshly opened (new cjson
 * settings each time). The base libraries and PRELUDE (its helpers as globals, compiled once: the
 * compiler is the slow part) are set up once: snippets only make locals.
 */
function libState(): LuaState {
  if (shared === undefined) {
    const L = lauxlib.luaL_newstate();
    lauxlib.luaL_requiref(L, '_G', lualib.luaopen_base, 1);
    lauxlib.luaL_requiref(L, 'string', lualib.luaopen_string, 1);
    lauxlib.luaL_requiref(L, 'table', lualib.luaopen_table, 1);
    lauxlib.luaL_requiref(L, 'math', lualib.luaopen_math, 1);
    for (const library of SCRIPT_LIBRARIES) lauxlib.luaL_requiref(L, library.name, library.open, 1);
    const globals = to_luastring(PRELUDE.replace(/^local (function )?/gm, '$1'));
    assert(lauxlib.luaL_loadbuffer(L, globals, globals.length, to_luastring('=prelude')) === lua.LUA_OK);
    lua.lua_call(L, 0, 0);
    shared = L;
  }
  const L = shared;
  // Opened directly: luaL_requiref would keep the table package.loaded already holds.
  for (const library of SCRIPT_LIBRARIES) {
    library.open(L);
    lua.lua_setglobal(L, library.name);
  }
  lua.lua_settop(L, 0);
  return L;
}

function bulk(bytes: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`$${bytes.length}\r\n`), Buffer.from(bytes), Buffer.from('\r\n')]);
}

/** The RESP2 reply Redis 7.0 makes of the value on top of the stack (luaReplyToRedisReply, simple cases). */
function toReply(L: LuaState): Buffer {
  const type = lua.lua_type(L, -1);
  if (type === lua.LUA_TSTRING) return bulk(lua.lua_tolstring(L, -1) ?? new Uint8Array(0));
  if (type === lua.LUA_TNUMBER) return Buffer.from(`:${BigInt(Math.trunc(lua.lua_tonumber(L, -1)))}\r\n`);
  if (type === lua.LUA_TBOOLEAN) return Buffer.from(lua.lua_toboolean(L, -1) ? ':1\r\n' : '$-1\r\n');
  if (type !== lua.LUA_TTABLE) return Buffer.from('$-1\r\n');
  lua.lua_getfield(L, -1, 'err');
  if (lua.lua_type(L, -1) === lua.LUA_TSTRING) {
    const message = Buffer.from(lua.lua_tolstring(L, -1) ?? new Uint8Array(0));
    lua.lua_pop(L, 1);
    return Buffer.concat([Buffer.from('-'), message, Buffer.from('\r\n')]);
  }
  lua.lua_pop(L, 1);
  const items: Buffer[] = [];
  for (let i = 1; lua.lua_rawgeti(L, -1, i) !== lua.LUA_TNIL; i++) {
    items.push(toReply(L));
    lua.lua_pop(L, 1);
  }
  lua.lua_pop(L, 1);
  return Buffer.concat([Buffer.from(`*${items.length}\r\n`), ...items]);
}

/** Runs one snippet (with the prelude's helpers) in a fengari state with fresh libraries; a Lua error becomes "-ERR <message>". */
export function evalInFengari(snippet: string): Buffer {
  const L = libState();
  const code = new Uint8Array(Buffer.from(PRELUDE_LINES + snippet, 'latin1'));
  const status = lauxlib.luaL_loadbuffer(L, code, code.length, to_luastring('=user_script'));
  if (status !== lua.LUA_OK || lua.lua_pcall(L, 0, 1, 0) !== lua.LUA_OK) {
    return Buffer.from(`-ERR ${Buffer.from(lua.lua_tolstring(L, -1) ?? new Uint8Array(0)).toString('latin1')}\r\n`);
  }
  return toReply(L);
}

/**
 * \`try(function() return <expression> end)\`: the value, or "ERR:" and the message. Snippets never
 * pcall a library function directly: Lua 5.3 names such a function in argument errors by its
 * global name ('cjson.encode') where 5.1 says '?', a difference of the VM, not of the libraries.
 */
export function attempt(expression: string): string {
  return `try(function() return ${expression} end)`;
}

/** A Lua string literal for any bytes (given as a latin1 JS string): printable ASCII as is, the rest as \ddd. */
export function luaQuote(text: string): string {
  let out = "'";
  for (const char of text) {
    const code = char.charCodeAt(0);
    const plain = code >= 0x20 && code < 0x7f && char !== "'" && char !== '\\';
    out += plain ? char : `\\${String(code).padStart(3, '0')}`;
  }
  return `${out}'`;
}

/** Runs every snippet on both sides; one description per reply that differs. */
export async function compareSnippets(redis: RedisProcess, snippets: readonly string[]): Promise<string[]> {
  const mismatches: string[] = [];
  const batchSize = 50;
  for (let start = 0; start < snippets.length; start += batchSize) {
    const batch = snippets.slice(start, start + batchSize);
    // SCRIPT FLUSH after each snippet: Redis keeps one Lua state (and cjson's settings) across EVALs.
    const commands = batch.flatMap((s) => [[Buffer.from('EVAL'), Buffer.from(PRELUDE + s, 'latin1'), Buffer.from('0')], [Buffer.from('SCRIPT'), Buffer.from('FLUSH')]]);
    const theirs = await redis.sendRaw(commands);
    batch.forEach((snippet, i) => {
      const ours = evalInFengari(snippet);
      const reference = theirs[2 * i] as Buffer;
      if (ours.equals(reference)) return;
      mismatches.push(`${snippet}\n   cairn: ${JSON.stringify(ours.toString('latin1'))}\n   redis: ${JSON.stringify(reference.toString('latin1'))}`);
    });
  }
  return mismatches;
}

/** A small seeded generator (mulberry32) so generated corpora are the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
