// What a function library's code sees while it loads (Redis 7.0's function_lua.c): a `redis` table
// holding only register_function, log, the LOG_* levels and the version, and nothing else — no
// libraries, no redis.call — each read of anything else raising Redis's "nonexistent global"
// error, every write "Attempt to modify a readonly table". register_function checks its arguments
// with Redis's texts and collects the functions the library registers.

import { Buffer } from 'node:buffer';
import { lauxlib, lua, type LuaJsFunction, type LuaState } from 'fengari';
import { errorTableText, pushErrorTable } from './convert.js';

/** A function a library registered: its callback is a registry reference in the engine's state. */
export interface RegisteredFunction {
  readonly name: string;
  readonly ref: number;
  readonly flags: readonly string[];
  readonly description: string | undefined;
}

/** Function flags Redis 7.0 knows, in the order FUNCTION LIST reports them. */
const FUNCTION_FLAGS = ['no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'];
const NAME_PATTERN = /^[A-Za-z0-9_]+$/;
export const ERR_BAD_NAME = 'Library names can only contain letters, numbers, or underscores(_) and must be at least one character long';
const READONLY = 'Attempt to modify a readonly table';

/** Whether `name` is a valid library or function name (Redis's functionsVerifyName). */
export function validName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

function raise(L: LuaState, message: string): never {
  pushErrorTable(L, errorTableText(message));
  return lua.lua_error(L);
}

function text(L: LuaState, index: number): string {
  return Buffer.from(lua.lua_tolstring(L, index) as Uint8Array).toString('latin1');
}

/** The flags table at `index` as flag names, or raises Redis's error. */
function flagsOf(L: LuaState, index: number): string[] {
  if (lua.lua_type(L, index) !== lua.LUA_TTABLE) raise(L, 'flags argument to redis.register_function must be a table representing function flags');
  const given = new Set<string>();
  const n = lua.lua_rawlen(L, index);
  for (let i = 1; i <= n; i++) {
    lua.lua_rawgeti(L, index, i);
    const flag = lua.lua_type(L, -1) === lua.LUA_TSTRING ? text(L, -1) : '';
    lua.lua_pop(L, 1);
    if (!FUNCTION_FLAGS.includes(flag)) raise(L, 'unknown flag given');
    given.add(flag);
  }
  return FUNCTION_FLAGS.filter((flag) => given.has(flag));
}

interface Registration {
  name: string | undefined;
  callbackAt: number;
  flags: string[];
  description: string | undefined;
}

/** register_function{...}: the named arguments of the table at 1 (the callback left at the top). */
function namedArguments(L: LuaState): Registration {
  const found: Registration = { name: undefined, callbackAt: 0, flags: [], description: undefined };
  lua.lua_pushnil(L);
  while (lua.lua_next(L, 1)) {
    const key = lua.lua_type(L, -2) === lua.LUA_TSTRING ? text(L, -2) : '';
    if (key === 'function_name') {
      if (!lua.lua_isstring(L, -1)) raise(L, 'function_name argument given to redis.register_function must be a string');
      found.name = text(L, -1);
    } else if (key === 'description') {
      if (!lua.lua_isstring(L, -1)) raise(L, 'description argument given to redis.register_function must be a string');
      found.description = text(L, -1);
    } else if (key === 'callback') {
      if (!lua.lua_isfunction(L, -1)) raise(L, 'callback argument given to redis.register_function must be a function');
      lua.lua_pushvalue(L, -1);
      lua.lua_replace(L, 2);
      found.callbackAt = 2;
    } else if (key === 'flags') {
      found.flags = flagsOf(L, lua.lua_gettop(L));
    } else {
      raise(L, 'unknown argument given to redis.register_function');
    }
    lua.lua_pop(L, 1);
  }
  if (found.name === undefined) raise(L, 'redis.register_function must get a function name argument');
  if (found.callbackAt === 0) raise(L, 'redis.register_function must get a callback argument');
  return found;
}

function registration(L: LuaState): Registration {
  const argc = lua.lua_gettop(L);
  if (argc === 1) {
    if (lua.lua_type(L, 1) !== lua.LUA_TTABLE) raise(L, 'calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).');
    lua.lua_settop(L, 2);
    return namedArguments(L);
  }
  if (argc !== 2) raise(L, 'wrong number of arguments to redis.register_function');
  if (!lua.lua_isstring(L, 1)) raise(L, 'first argument to redis.register_function must be a string');
  if (!lua.lua_isfunction(L, 2)) raise(L, 'second argument to redis.register_function must be a function');
  return { name: text(L, 1), callbackAt: 2, flags: [], description: undefined };
}

/** redis.register_function, adding to `registered` (the library being loaded). */
export function registerFunction(registered: () => RegisteredFunction[]): LuaJsFunction {
  return (L: LuaState): number => {
    const found = registration(L);
    const name = found.name as string;
    if (!validName(name)) raise(L, ERR_BAD_NAME);
    const list = registered();
    if (list.some((fn) => fn.name === name)) raise(L, 'Function already exists in the library');
    lua.lua_pushvalue(L, found.callbackAt);
    list.push({ name, ref: lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX), flags: found.flags, description: found.description });
    return 0;
  };
}

/** A metatable for a load-time table: reads of missing names and all writes raise Redis's errors. */
function pushStrictMetatable(L: LuaState): void {
  lua.lua_createtable(L, 0, 2);
  lua.lua_pushjsfunction(L, (l) => lauxlib.luaL_error(l, `Script attempted to access nonexistent global variable '${lua.lua_tojsstring(l, 2)}'`));
  lua.lua_setfield(L, -2, '__index');
  lua.lua_pushjsfunction(L, (l) => lauxlib.luaL_error(l, READONLY));
  lua.lua_setfield(L, -2, '__newindex');
}

/** Pushes the load-time globals: {redis = {register_function, log, LOG_*, REDIS_VERSION*}}, all strict. */
export function pushLoadApi(L: LuaState, register: LuaJsFunction, log: LuaJsFunction): void {
  lua.lua_newtable(L); // the globals
  lua.lua_newtable(L); // their redis table
  lua.lua_pushjsfunction(L, register);
  lua.lua_setfield(L, -2, 'register_function');
  lua.lua_pushjsfunction(L, log);
  lua.lua_setfield(L, -2, 'log');
  const constants: Record<string, number | string> = { LOG_DEBUG: 0, LOG_VERBOSE: 1, LOG_NOTICE: 2, LOG_WARNING: 3, REDIS_VERSION: '7.0.15', REDIS_VERSION_NUM: 458767 };
  for (const [name, value] of Object.entries(constants)) {
    if (typeof value === 'number') lua.lua_pushnumber(L, value);
    else lua.lua_pushliteral(L, value);
    lua.lua_setfield(L, -2, name);
  }
  pushStrictMetatable(L);
  lua.lua_setmetatable(L, -2);
  lua.lua_setfield(L, -2, 'redis');
  pushStrictMetatable(L);
  lua.lua_setmetatable(L, -2);
}
