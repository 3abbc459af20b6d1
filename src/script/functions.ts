// FunctionEngine: the Lua state of Redis 7 functions (FUNCTION LOAD, FCALL) for one kv state, apart
// from the EVAL state (SCRIPT FLUSH does not touch functions). A library's code runs once at load
// time with only redis.register_function/log (function-register.ts); the functions it registers
// run later with Redis's full script environment. As in Redis 7.0, every library's code sees one
// globals table whose lookups switch between the load-time API and the runtime one, and which no
// library can write.
//
// Deterministic as engine.ts is: rand48 seeded per call by the caller, object ids restarting at
// every call, an instruction budget instead of a clock (for loading as for calls).

import { Buffer } from 'node:buffer';
import { lauxlib, lua, to_luastring, type LuaState } from 'fengari';
import { assert } from '../lib/assert.js';
import type { Reply } from '../lib/reply.js';
import { countHook, HOOK_INTERVAL, NativeErrors, newRunning, runToEnd, startCoroutine, type Running, type ScriptSteps } from './coroutine-run.js';
import { SCRIPT_MAX_INSTRUCTIONS_DEFAULT } from './engine.js';
import { pushLoadApi, registerFunction, type RegisteredFunction } from './function-register.js';
import { Rand48 } from './rand48.js';
import { log, pushRedisApi, type ApiRun } from './redis-api.js';
import { openSandbox } from './sandbox.js';
import { errorHandler } from './script-errors.js';
import { VM_PATCHED } from './vm-patches.js';
import { VM_STACK_PATCHED } from './vm-stack.js';
import { pushBytes } from './lua-bytes.js';

export type { RegisteredFunction } from './function-register.js';

const CHUNK_NAME = to_luastring('@user_function');

/** One call of a registered function. */
export interface FunctionCall {
  readonly fn: RegisteredFunction;
  readonly keys: readonly Uint8Array[];
  readonly args: readonly Uint8Array[];
  readonly randomSeed: number;
  call(argv: readonly Uint8Array[]): Reply;
  /** redis.acl_check_cmd: whether the caller may run argv, undefined for no such command (every command when absent). */
  mayRun?(argv: readonly Uint8Array[]): boolean | undefined;
}

export class FunctionEngine {
  private readonly L: LuaState = lauxlib.luaL_newstate();
  private readonly rand = new Rand48(0);
  private readonly globalsRef: number;
  private readonly loadApiRef: number;
  private readonly envRef: number;
  private loading: RegisteredFunction[] | undefined;
  private running: Running | undefined;
  private readonly errors = new NativeErrors();

  constructor(readonly maxInstructions = SCRIPT_MAX_INSTRUCTIONS_DEFAULT) {
    assert(VM_PATCHED && VM_STACK_PATCHED, 'the VM patches are applied');
    assert(Number.isSafeInteger(maxInstructions) && maxInstructions > 0, 'maxInstructions must be a positive integer');
    const L = this.L;
    this.errors.install(L);
    const run = (): ApiRun => {
      assert(this.running !== undefined, 'the redis API is called only while a function runs');
      return this.running;
    };
    this.globalsRef = openSandbox(L, () => this.rand, (l) => pushRedisApi(l, run), errorHandler);
    pushLoadApi(L, registerFunction(() => {
      assert(this.loading !== undefined, 'register_function is reachable only while a library loads');
      return this.loading;
    }), log);
    this.loadApiRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    this.envRef = this.libraryEnv();
    assert(lua.lua_gettop(L) === 0, 'the engine leaves the stack empty');
  }

  /** The globals every library's code sees: empty, read through to the load or the runtime API. */
  private libraryEnv(): number {
    const L = this.L;
    lua.lua_newtable(L);
    lua.lua_createtable(L, 0, 2);
    lua.lua_pushjsfunction(L, (l) => {
      lua.lua_rawgeti(l, lua.LUA_REGISTRYINDEX, this.loading === undefined ? this.globalsRef : this.loadApiRef);
      lua.lua_pushvalue(l, 2);
      if (lua.lua_rawget(l, -2) === lua.LUA_TNIL) lauxlib.luaL_error(l, `Script attempted to access nonexistent global variable '${lua.lua_tojsstring(l, 2)}'`);
      return 1;
    });
    lua.lua_setfield(L, -2, '__index');
    lua.lua_pushjsfunction(L, (l) => lauxlib.luaL_error(l, 'Attempt to modify a readonly table'));
    lua.lua_setfield(L, -2, '__newindex');
    lua.lua_setmetatable(L, -2);
    return lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
  }

  /** Runs a library's code (its shebang line already blanked): the functions it registers, or the error. */
  load(code: Uint8Array): RegisteredFunction[] | Reply {
    assert(this.running === undefined && this.loading === undefined, 'one load or call at a time');
    const L = this.L;
    if (lauxlib.luaL_loadbuffer(L, code, null, CHUNK_NAME) !== lua.LUA_OK) {
      const message = Buffer.from(lua.lua_tolstring(L, -1) ?? new Uint8Array(0)).toString('utf8').replace(/ near <eof>$/, " near '<eof>'");
      lua.lua_settop(L, 0);
      return { type: 'error', message: `ERR Error compiling function: ${message}`.replace(/[\r\n]/g, ' ') };
    }
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.envRef);
    lua.lua_setupvalue(L, -2, 1);
    const registered: RegisteredFunction[] = [];
    this.loading = registered;
    const running = newRunning(() => ({ type: 'error', message: 'ERR not while loading' }));
    running.sliceLeft = Number.POSITIVE_INFINITY;
    try {
      lua.lua_sethook(L, (l) => countHook(l, running, this.maxInstructions), lua.LUA_MASKCOUNT, HOOK_INTERVAL);
      const status = lua.lua_pcall(L, 0, 0, 0);
      if (this.errors.broken !== undefined) throw this.errors.broken;
      if (status === lua.LUA_OK && registered.length > 0) return registered;
      const message = status === lua.LUA_OK ? 'ERR No functions registered' : `ERR Error registering functions: ${loadErrorText(L)}`;
      this.release(registered);
      return { type: 'error', message: message.replace(/[\r\n]/g, ' ') };
    } finally {
      this.errors.broken = undefined;
      this.loading = undefined;
      lua.lua_sethook(L, null, 0, 0);
      lua.lua_settop(L, 0);
    }
  }

  /** Drops the callbacks of functions no library holds any more. */
  release(functions: readonly RegisteredFunction[]): void {
    for (const fn of functions) lauxlib.luaL_unref(this.L, lua.LUA_REGISTRYINDEX, fn.ref);
  }

  /** FCALL: runs a function with its keys and arguments (Lua tables, its two parameters) to its end. */
  call(run: FunctionCall): Reply {
    return runToEnd(this.start(run));
  }

  /** Starts a function call (coroutine-run.ts): its steps. */
  start(run: FunctionCall): ScriptSteps {
    assert(this.running === undefined && this.loading === undefined, 'functions do not nest');
    const L = this.L;
    const running = newRunning((argv) => run.call(argv), run.mayRun?.bind(run));
    this.running = running;
    this.rand.seed(run.randomSeed);
    (L as unknown as { l_G: { id_counter: number } }).l_G.id_counter = 1;
    return startCoroutine({
      L, running, maxInstructions: this.maxInstructions, errors: this.errors, name: run.fn.name,
      stopped: { type: 'error', message: `ERR Function stopped after ${this.maxInstructions} Lua instructions (cairn script-max-instructions)` },
      pushCall: (C) => {
        lua.lua_rawgeti(C, lua.LUA_REGISTRYINDEX, run.fn.ref);
        pushStrings(C, run.keys);
        pushStrings(C, run.args);
        return 2;
      },
      ended: () => {
        this.running = undefined;
      },
    });
  }
}

/** Redis's luaExtractErrorInformation for a load error: a table's err, or "ERR " and the string. */
function loadErrorText(L: LuaState): string {
  if (lua.lua_type(L, -1) === lua.LUA_TTABLE) {
    lua.lua_getfield(L, -1, 'err');
    const err = lua.lua_isstring(L, -1) ? Buffer.from(lua.lua_tolstring(L, -1) as Uint8Array).toString('utf8') : '';
    lua.lua_pop(L, 1);
    return err;
  }
  return `ERR ${lua.lua_isstring(L, -1) ? Buffer.from(lua.lua_tolstring(L, -1) as Uint8Array).toString('utf8') : 'unknown error'}`;
}

function pushStrings(L: LuaState, values: readonly Uint8Array[]): void {
  lua.lua_createtable(L, values.length, 0);
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as Uint8Array;
    pushBytes(L, value);
    lua.lua_rawseti(L, -2, i + 1);
  }
}
