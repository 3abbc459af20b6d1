// Base functions as Redis's Lua 5.1 behaves, where fengari's 5.3 differs: tostring and
// string.format's %s print numbers with "%.14g" (5.3 prints 5.0 as "5.0"), string.format's %d takes
// any number (5.3 refuses fractions, fengari anything past 32 bits); error adds the position
// to a number message too; and pcall is Redis's own (luaRedisPcall), which hands back the `err`
// text of an error table rather than the table.

import { Buffer } from 'node:buffer';
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

/** One conversion of a format string: where it sits, its flags/width/precision, its letter, its argument. */
interface Conversion {
  readonly start: number;
  readonly end: number;
  readonly spec: string;
  readonly letter: string;
  readonly arg: number;
}

function conversions(format: Uint8Array): Conversion[] {
  const found: Conversion[] = [];
  let arg = 1;
  for (let i = 0; i < format.length; i++) {
    if (format[i] !== 0x25) continue; // '%'
    const start = i++;
    if (format[i] === 0x25) continue;
    while (i < format.length && /[-+ #0-9.]/.test(String.fromCharCode(format[i] as number))) i++;
    arg++;
    const spec = Buffer.from(format.subarray(start + 1, i)).toString('latin1');
    found.push({ start, end: i + 1, spec, letter: String.fromCharCode(format[i] as number), arg });
  }
  return found;
}

/**
 * %d/%i/%u/%x/%X/%o as Lua 5.1 prints them: the number cast to a 64-bit integer (fengari's 5.3
 * refuses a fraction, and its integers are 32-bit, so 1700000000000 would fail), then C's flags.
 */
function formatInteger(spec: string, letter: string, value: number): string {
  const flags = /^[-+ #0]*/.exec(spec)![0];
  const [width = 0, precision] = spec.slice(flags.length).split('.').map((n) => (n === '' ? 0 : Number(n)));
  let n = Number.isFinite(value) && Math.abs(value) < 2 ** 63 ? BigInt(Math.trunc(value)) : -(2n ** 63n);
  const signed = letter === 'd' || letter === 'i';
  if (!signed && n < 0n) n += 2n ** 64n;
  const base = letter === 'o' ? 8 : letter === 'x' || letter === 'X' ? 16 : 10;
  let digits = (n < 0n ? -n : n).toString(base);
  if (letter === 'X') digits = digits.toUpperCase();
  if (precision !== undefined) digits = precision === 0 && n === 0n ? '' : digits.padStart(precision, '0');
  let prefix = n < 0n ? '-' : flags.includes('+') && signed ? '+' : flags.includes(' ') && signed ? ' ' : '';
  if (flags.includes('#') && n !== 0n) prefix += letter === 'x' ? '0x' : letter === 'X' ? '0X' : letter === 'o' && !digits.startsWith('0') ? '0' : '';
  if (flags.includes('-')) return (prefix + digits).padEnd(width, ' ');
  if (flags.includes('0') && precision === undefined) return prefix + digits.padStart(width - prefix.length, '0');
  return (prefix + digits).padStart(width, ' ');
}

/**
 * string.format as Lua 5.1's: integer conversions of numbers are printed here (formatInteger) and
 * put in the format as literal text, and a number given to %s prints as tostring prints it.
 */
export function format(original: LuaJsFunction): LuaJsFunction {
  return (L) => {
    if (lua.lua_type(L, 1) !== lua.LUA_TSTRING) return original(L);
    const spec = lua.lua_tolstring(L, 1) as Uint8Array;
    const parts: Uint8Array[] = [];
    const removed: number[] = [];
    let at = 0;
    for (const c of conversions(spec)) {
      if (lua.lua_type(L, c.arg) !== lua.LUA_TNUMBER) continue;
      const value = lua.lua_tonumber(L, c.arg);
      if (c.letter === 's') {
        lua.lua_pushliteral(L, formatLuaNumber(value));
        lua.lua_replace(L, c.arg);
      } else if ('diuxXo'.includes(c.letter)) {
        parts.push(spec.subarray(at, c.start), Buffer.from(formatInteger(c.spec, c.letter, value).replace(/%/g, '%%'), 'latin1'));
        at = c.end;
        removed.push(c.arg);
      }
    }
    if (removed.length === 0) return original(L);
    parts.push(spec.subarray(at));
    const rewritten = Buffer.concat(parts);
    for (const arg of removed.reverse()) lua.lua_remove(L, arg);
    lua.lua_pushlstring(L, rewritten, rewritten.length);
    lua.lua_replace(L, 1);
    return original(L);
  };
}
