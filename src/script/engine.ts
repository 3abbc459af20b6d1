// ScriptEngine: one Lua state (fengari) for one kv state. It compiles script bodies (kept by SHA-1,
// compiled once), runs them with KEYS/ARGV and a host that executes their commands, and turns the
// result or the error into a reply exactly as Redis 7.0 does (script_lua.c's luaCallFunction).
//
// Deterministic by construction: math.random is Redis's rand48 seeded by the caller for each run,
// table.sort has no random pivot, there is no clock, object ids (tostring of a table) restart at
// every run, and a runaway script is stopped by an instruction count (`maxInstructions`), not by
// wall-clock time, so every replica stops it at the same instruction with the same error.

import { createHash } from 'node:crypto';
import { Buffer } from 'node:buffer';
import { lauxlib, lua, to_luastring, type LuaState } from 'fengari';
import { assert } from '../lib/assert.js';
import type { Reply } from '../lib/reply.js';
import { luaName } from './convert.js';
import { NativeErrors, newRunning, runToEnd, startCoroutine, type Running, type ScriptSteps } from './coroutine-run.js';
import { Rand48 } from './rand48.js';
import { pushRedisApi, type ApiRun } from './redis-api.js';
import { openSandbox } from './sandbox.js';
import { VM_PATCHED } from './vm-patches.js';
import { VM_STACK_PATCHED } from './vm-stack.js';
import { errorHandler } from './script-errors.js';
import { pushBytes } from './lua-bytes.js';

/**
 * Lua instructions a script may run before it is stopped. fengari runs 6-18 million simple
 * instructions a second on this (shared, loaded) machine (bench/script.ts measures it), so the
 * default stops a runaway loop within about a second. An instruction that calls a library function
 * (string.rep, tostring, redis.call) counts once however long the call takes: the budget bounds
 * loops, not the work inside one call.
 */
export const SCRIPT_MAX_INSTRUCTIONS_DEFAULT = 10_000_000;
const CHUNK_NAME = to_luastring('@user_script');

export interface ScriptEngineOptions {
  readonly maxInstructions?: number;
}

/** One run: the script, its keys and arguments, the seed of its math.random, and its host. */
export interface ScriptRun {
  readonly sha: string;
  readonly body: Uint8Array;
  readonly keys: readonly Uint8Array[];
  readonly args: readonly Uint8Array[];
  readonly randomSeed: number;
  /** Runs one of the script's commands (redis.call/pcall); error replies are returned. */
  call(argv: readonly Uint8Array[]): Reply;
  /** redis.acl_check_cmd: whether the caller may run argv, undefined for no such command (every command when absent). */
  mayRun?(argv: readonly Uint8Array[]): boolean | undefined;
}

/** The SHA-1 of a body as 40 lowercase hex digits (a script's name for EVALSHA). */
export function scriptSha(body: Uint8Array): string {
  return createHash('sha1').update(body).digest('hex');
}

export type { ScriptSteps } from './coroutine-run.js';

export class ScriptEngine {
  readonly maxInstructions: number;
  private L: LuaState;
  private globalsRef: number;
  private readonly functions = new Map<string, number>();
  private readonly rand = new Rand48(0);
  private running: Running | undefined;
  private readonly errors = new NativeErrors();

  constructor(options: ScriptEngineOptions = {}) {
    assert(VM_PATCHED && VM_STACK_PATCHED, 'the VM patches are applied');
    this.maxInstructions = options.maxInstructions ?? SCRIPT_MAX_INSTRUCTIONS_DEFAULT;
    assert(Number.isSafeInteger(this.maxInstructions) && this.maxInstructions > 0, 'maxInstructions must be a positive integer');
    this.L = lauxlib.luaL_newstate();
    this.globalsRef = this.openState();
  }

  private openState(): number {
    const run = (): ApiRun => {
      assert(this.running !== undefined, 'the redis API is called only while a script runs');
      return this.running;
    };
    this.errors.install(this.L);
    return openSandbox(this.L, () => this.rand, (L) => pushRedisApi(L, run), errorHandler);
  }

  /** Whether the function for `sha` is compiled in this state. */
  compiled(sha: string): boolean {
    return this.functions.has(sha);
  }

  /** Compiles `body` under `sha` unless it is already; a compile error's reply, else undefined. */
  compile(sha: string, body: Uint8Array): Reply | undefined {
    if (this.functions.has(sha)) return undefined;
    const L = this.L;
    if (lauxlib.luaL_loadbuffer(L, withoutShebang(body), null, CHUNK_NAME) !== lua.LUA_OK) {
      // Lua 5.1 quotes the end of the input as a token ('<eof>'); 5.3 does not.
      const message = Buffer.from(lua.lua_tolstring(L, -1) ?? new Uint8Array(0)).toString('utf8').replace(/ near <eof>$/, " near '<eof>'");
      lua.lua_pop(L, 1);
      return { type: 'error', message: `ERR Error compiling script (new function): ${message}`.replace(/[\r\n]/g, ' ') };
    }
    this.functions.set(sha, lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX));
    return undefined;
  }

  /** SCRIPT FLUSH: every compiled function is dropped, with the Lua state that held them. */
  reset(): void {
    assert(this.running === undefined, 'no reset while a script runs');
    this.functions.clear();
    this.L = lauxlib.luaL_newstate();
    this.globalsRef = this.openState();
  }

  /** Runs a script (compiling it first if needed) to its end and returns its reply. */
  run(script: ScriptRun): Reply {
    return runToEnd(this.start(script));
  }

  /** Starts a script (coroutine-run.ts): its steps, or at once the compile error. */
  start(script: ScriptRun): ScriptSteps | Reply {
    assert(this.running === undefined, 'scripts do not nest');
    const compileError = this.compile(script.sha, script.body);
    if (compileError !== undefined) return compileError;
    const L = this.L;
    const running = newRunning((argv) => script.call(argv), script.mayRun?.bind(script));
    this.running = running;
    this.rand.seed(script.randomSeed);
    this.setArgs(script);
    (L as unknown as { l_G: { id_counter: number } }).l_G.id_counter = 1;
    const fnRef = this.functions.get(script.sha) as number;
    return startCoroutine({
      L, running, maxInstructions: this.maxInstructions, errors: this.errors, name: script.sha, stopped: this.stoppedReply(),
      pushCall: (C) => {
        lua.lua_rawgeti(C, lua.LUA_REGISTRYINDEX, fnRef);
        return 0;
      },
      ended: () => {
        this.running = undefined;
      },
    });
  }

  private stoppedReply(): Reply {
    return { type: 'error', message: `ERR Script stopped after ${this.maxInstructions} Lua instructions (cairn script-max-instructions): a script runs to completion on every replica, so a runaway one is stopped by instruction count rather than SCRIPT KILL` };
  }

  /** KEYS and ARGV as globals (set in the real globals table, behind the read-only proxy). */
  private setArgs(script: ScriptRun): void {
    const L = this.L;
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.globalsRef);
    for (const [name, values] of [['KEYS', script.keys], ['ARGV', script.args]] as const) {
      lua.lua_createtable(L, values.length, 0);
      for (let i = 0; i < values.length; i++) {
        const value = values[i] as Uint8Array;
        pushBytes(L, value);
        lua.lua_rawseti(L, -2, i + 1);
      }
      lua.lua_setfield(L, -2, luaName(name));
    }
    lua.lua_pop(L, 1);
  }
}

/** A body whose first line is a shebang ("#!lua ...") compiles without it, its line kept empty. */
function withoutShebang(body: Uint8Array): Uint8Array {
  if (body.length < 2 || body[0] !== 0x23 || body[1] !== 0x21) return body;
  const newline = body.indexOf(0x0a);
  return newline === -1 ? new Uint8Array(0) : body.subarray(newline);
}
