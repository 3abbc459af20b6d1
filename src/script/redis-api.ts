// The `redis` table scripts see, as Redis 7.0 defines it (script_lua.c): call and pcall run a
// command through the host, error_reply/status_reply build reply tables, sha1hex, setresp, and
// the accepted no-ops of a replicated store (log, set_repl, replicate_commands, breakpoint, debug).
// Errors the API raises are Redis's error tables ({err = "ERR ..."}), so the caller sees Redis's text.

import { createHash } from 'node:crypto';
import { Buffer } from 'node:buffer';
import { lua, lauxlib, type LuaJsFunction, type LuaState } from 'fengari';
import { formatDouble } from '../lib/double-text.js';
import type { Reply } from '../lib/reply.js';
import { errorTableText, pushErrorTable, pushReply, pushSingleField, type ScriptResp } from './convert.js';

/** What the API needs from the run in progress. */
export interface ApiRun {
  resp: ScriptResp;
  /** Runs one command for the script; error replies are returned, not thrown. */
  call(argv: readonly Uint8Array[]): Reply;
  /** Whether the script's caller may run argv (redis.acl_check_cmd); undefined when there is no such command. */
  mayRun(argv: readonly Uint8Array[]): boolean | undefined;
}

/** Redis's REDIS_VERSION_NUM for 7.0.15 (0x00070f). */
const REDIS_VERSION_NUM = 458767;
const REPL_ALL = 3;

/** Raises {err = "ERR <message>"}, as luaPushError + luaError. */
function raise(L: LuaState, message: string): never {
  pushErrorTable(L, errorTableText(message));
  return lua.lua_error(L);
}

/** "%.17g" of a number; an integer below 1e17 prints all its digits, as String does. */
function numberArgument(value: number): string {
  return Number.isInteger(value) && Math.abs(value) < INTEGER_DIGITS_MAX && !Object.is(value, -0) ? String(value) : formatDouble(value);
}

/** The integers "%.17g" prints without an exponent. */
const INTEGER_DIGITS_MAX = 1e17;

/** The arguments of call/pcall as a command's argv, or the error text Redis gives. */
function commandArgs(L: LuaState): Uint8Array[] | string {
  const argc = lua.lua_gettop(L);
  if (argc === 0) return 'Please specify at least one argument for this redis lib call';
  const argv: Uint8Array[] = new Array<Uint8Array>(argc);
  for (let j = 1; j <= argc; j++) {
    const type = lua.lua_type(L, j);
    // Numbers go as "%.17g" (Lua's own "%.14g" would lose precision), strings as their bytes.
    if (type === lua.LUA_TNUMBER) argv[j - 1] = Buffer.from(numberArgument(lua.lua_tonumber(L, j)), 'latin1');
    else if (type === lua.LUA_TSTRING) argv[j - 1] = lua.lua_tolstring(L, j) as Uint8Array;
    else return 'Lua redis lib command arguments must be strings or integers';
  }
  return argv;
}

/** redis.call (raising errors) or redis.pcall (returning them as tables). */
function callFunction(run: () => ApiRun, raiseErrors: boolean): LuaJsFunction {
  return (L: LuaState): number => {
    const argv = commandArgs(L);
    const current = run();
    const reply = typeof argv === 'string' ? ({ type: 'error', message: `ERR ${argv}` } as const) : current.call(argv);
    lua.lua_settop(L, 0);
    pushReply(L, reply, current.resp);
    if (reply.type === 'error' && raiseErrors) return lua.lua_error(L);
    return 1;
  };
}

/** A table {field = s} for a single string argument, else Redis's {err=...} (returned, not raised). */
function singleFieldTable(field: string): LuaJsFunction {
  return (L: LuaState): number => {
    if (lua.lua_gettop(L) !== 1 || lua.lua_type(L, -1) !== lua.LUA_TSTRING) {
      pushErrorTable(L, errorTableText('wrong number or type of arguments'));
      return 1;
    }
    const text = lua.lua_tolstring(L, -1) as Uint8Array;
    if (field === 'err') {
      // error_reply adds the '-' a reply line starts with when it lacks one, then stores it as any error.
      const message = Buffer.from(text).toString('utf8');
      pushErrorTable(L, errorTableText(message.startsWith('-') ? message : `-${message}`));
      return 1;
    }
    pushSingleField(L, field, () => lua.lua_pushvalue(L, 1));
    return 1;
  };
}

/** redis.acl_check_cmd (luaRedisAclCheckCmdPermissionsCommand): whether the caller may run the command given. */
function aclCheckCmd(run: () => ApiRun): LuaJsFunction {
  return (L: LuaState): number => {
    const argv = commandArgs(L);
    if (typeof argv === 'string') return raise(L, argv);
    const allowed = run().mayRun(argv);
    if (allowed === undefined) return raise(L, 'Invalid command passed to redis.acl_check_cmd()');
    lua.lua_pushboolean(L, allowed);
    return 1;
  };
}

function sha1hex(L: LuaState): number {
  if (lua.lua_gettop(L) !== 1) raise(L, 'wrong number of arguments');
  const bytes = lua.lua_tolstring(L, 1) ?? new Uint8Array(0);
  lua.lua_pushliteral(L, createHash('sha1').update(bytes).digest('hex'));
  return 1;
}

function setrespFunction(run: () => ApiRun): LuaJsFunction {
  return (L: LuaState): number => {
    if (lua.lua_gettop(L) !== 1) raise(L, 'redis.setresp() requires one argument.');
    const resp = Math.trunc(lua.lua_tonumber(L, 1));
    if (resp !== 2 && resp !== 3) raise(L, 'RESP version must be 2 or 3.');
    run().resp = resp;
    return 0;
  };
}

/** redis.log: checked as Redis checks it; Cairn writes no script log. */
export function log(L: LuaState): number {
  const argc = lua.lua_gettop(L);
  if (argc < 2) raise(L, 'redis.log() requires two arguments or more.');
  if (!lua.lua_isnumber(L, 1)) raise(L, 'First argument must be a number (log level).');
  const level = lua.lua_tonumber(L, 1);
  if (level < 0 || level > 3) raise(L, 'Invalid debug level.');
  return 0;
}

/** redis.set_repl: checked and accepted; Cairn replicates the whole script, never its effects apart. */
function setRepl(L: LuaState): number {
  if (lua.lua_gettop(L) !== 1) raise(L, 'redis.set_repl() requires one argument.');
  const flags = Math.trunc(lua.lua_tonumber(L, 1));
  if ((flags & ~REPL_ALL) !== 0) raise(L, 'Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.');
  return 0;
}

function pushConstant(L: LuaState): (value: number | string) => void {
  return (value) => (typeof value === 'number' ? lua.lua_pushnumber(L, value) : lua.lua_pushliteral(L, value));
}

/** Pushes the `redis` table for runs reached through `run`. */
export function pushRedisApi(L: LuaState, run: () => ApiRun): void {
  const functions: Record<string, LuaJsFunction> = {
    call: callFunction(run, true),
    pcall: callFunction(run, false),
    error_reply: singleFieldTable('err'),
    status_reply: singleFieldTable('ok'),
    sha1hex,
    setresp: setrespFunction(run),
    log,
    set_repl: setRepl,
    replicate_commands: (l) => (lua.lua_pushboolean(l, true), 1),
    breakpoint: (l) => (lua.lua_pushboolean(l, false), 1),
    debug: () => 0,
    acl_check_cmd: aclCheckCmd(run),
  };
  lauxlib.luaL_newlib(L, functions);
  const constants: Record<string, number | string> = {
    LOG_DEBUG: 0, LOG_VERBOSE: 1, LOG_NOTICE: 2, LOG_WARNING: 3,
    REPL_NONE: 0, REPL_AOF: 1, REPL_SLAVE: 2, REPL_REPLICA: 2, REPL_ALL,
    REDIS_VERSION: '7.0.15', REDIS_VERSION_NUM,
  };
  const push = pushConstant(L);
  for (const [name, value] of Object.entries(constants)) {
    push(value);
    lua.lua_setfield(L, -2, name);
  }
}
