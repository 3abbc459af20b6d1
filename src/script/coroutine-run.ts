// How both Lua engines (EVAL's engine.ts, FCALL's functions.ts) run one script or function: in a
// coroutine of their state, under a pcallk with Redis's message handler (so errors get their
// position), with a count hook that enforces the instruction limit and yields the coroutine once a
// step's instructions are spent (where Lua allows a yield: not inside the script's own pcall). The
// caller gets steps; a step with no instruction bound runs to the end.

import { lauxlib, lua, type LuaState } from 'fengari';
import { assert, AssertionError } from '../lib/assert.js';
import type { Reply } from '../lib/reply.js';
import { errorTableText, popResult, pushErrorTable } from './convert.js';
import type { ApiRun } from './redis-api.js';
import { errorHandler, errorReplyOf } from './script-errors.js';

/** Instructions between two calls of the count hook. */
export const HOOK_INTERVAL = 10_000;
/** Lua 5.1 stops at LUAI_MAXCALLS nested calls; fengari would grow its stack to a million slots. */
const CALL_DEPTH_MAX = 20_000;

/** A script's or function's run: the redis API's view of it and its instruction count. */
export interface Running extends ApiRun {
  instructions: number;
  stopped: boolean;
  /** Instructions left in this step before the coroutine yields (where it can). */
  sliceLeft: number;
  /** Set by ScriptSteps.kill (SCRIPT KILL of a script run as a read on one node): the next hook raises Redis's error. */
  killed: boolean;
}

export function newRunning(call: (argv: readonly Uint8Array[]) => Reply, mayRun: ApiRun['mayRun'] = () => true): Running {
  return { resp: 2, call, mayRun, instructions: 0, stopped: false, sliceLeft: 0, killed: false };
}

/**
 * A script started and not yet finished: each step runs about `instructions` more Lua instructions
 * and returns the reply once the script ends, else null. Its engine runs nothing else until then.
 */
export interface ScriptSteps {
  step(instructions: number): Reply | null;
  /**
   * SCRIPT KILL / FUNCTION KILL: the next step raises `Script killed by user with SCRIPT KILL...`
   * at its next count hook (and at every instruction after, so a pcall cannot swallow it), as
   * Redis's luaMaskCountHook does. Only for a run on one node (a read): never in the log.
   */
  kill(): void;
}

const KILLED_TEXT = 'Script killed by user with SCRIPT KILL...';

/** Runs steps to the end: one step with no instruction bound. */
export function runToEnd(steps: ScriptSteps | Reply): Reply {
  if (!('step' in steps)) return steps;
  const reply = steps.step(Number.POSITIVE_INFINITY);
  assert(reply !== null, 'a step without an instruction bound ends the script');
  return reply;
}

/**
 * A JavaScript exception inside the VM (a library's RangeError) becomes a Lua error with its
 * message; a Cairn assertion (a kv invariant broken under redis.call) is kept, to be rethrown.
 */
export class NativeErrors {
  broken: AssertionError | undefined;

  install(L: LuaState): void {
    lua.lua_atnativeerror(L, (l) => {
      const error = lua.lua_touserdata(l, -1);
      if (error instanceof AssertionError) this.broken = error;
      lua.lua_pushliteral(l, error instanceof Error ? error.message : String(error));
      return 1;
    });
  }
}

/** The count hook: call depth, then the instruction limit (raised again at every instruction once hit, so pcall cannot swallow it), then the step's yield. */
export function countHook(L: LuaState, running: Running, maxInstructions: number): void {
  if (running.killed) return raiseKilled(L, running, maxInstructions);
  if (!running.stopped && lua.lua_getstack(L, CALL_DEPTH_MAX, new lua.lua_Debug())) lauxlib.luaL_error(L, 'stack overflow');
  running.instructions += running.stopped ? 1 : HOOK_INTERVAL;
  if (running.instructions <= maxInstructions) {
    running.sliceLeft -= HOOK_INTERVAL;
    if (running.sliceLeft <= 0 && lua.lua_isyieldable(L)) lua.lua_yield(L, 0);
    return;
  }
  if (!running.stopped) {
    running.stopped = true;
    lua.lua_sethook(L, (l) => countHook(l, running, maxInstructions), lua.LUA_MASKCOUNT, 1);
  }
  pushErrorTable(L, errorTableText('Script stopped: instruction limit'));
  lua.lua_error(L);
}

/** A killed run's hook: Redis's error, raised at every instruction from the first on. */
function raiseKilled(L: LuaState, running: Running, maxInstructions: number): void {
  if (!running.stopped) {
    running.stopped = true;
    lua.lua_sethook(L, (l) => countHook(l, running, maxInstructions), lua.LUA_MASKCOUNT, 1);
  }
  pushErrorTable(L, errorTableText(KILLED_TEXT));
  lua.lua_error(L);
}

export interface CoroutineCall {
  /** The engine's state (its main thread): the coroutine lives on its stack until the run ends. */
  readonly L: LuaState;
  readonly running: Running;
  readonly maxInstructions: number;
  readonly errors: NativeErrors;
  /** The callee's name in an error reply (a script's SHA-1, a function's name). */
  readonly name: string;
  /** The reply when the instruction limit stopped the run. */
  readonly stopped: Reply;
  /** Pushes the callee and its arguments onto the coroutine; returns the argument count. */
  pushCall(C: LuaState): number;
  /** The run ended (reply given, or an assertion rethrown): the engine forgets it. */
  ended(): void;
}

/** Starts a call in a coroutine; nothing runs until the first step. */
export function startCoroutine(call: CoroutineCall): ScriptSteps {
  const { L, running } = call;
  const co = lua.lua_newthread(L);
  lua.lua_sethook(co, (l) => countHook(l, running, call.maxInstructions), lua.LUA_MASKCOUNT, HOOK_INTERVAL);
  // [result, ok]: ok false when the pcallk caught an error (the result is then the error object).
  const finished = (C: LuaState, status: number): number => {
    lua.lua_pushboolean(C, status === lua.LUA_OK || status === lua.LUA_YIELD);
    return 2;
  };
  lua.lua_pushjsfunction(co, (C) => {
    lua.lua_pushjsfunction(C, errorHandler);
    const nargs = call.pushCall(C);
    return finished(C, lua.lua_pcallk(C, nargs, 1, 1, 0, finished));
  });
  let ended = false;
  return {
    step: (instructions: number): Reply | null => {
      assert(!ended, 'a finished script is not stepped again');
      running.sliceLeft = instructions;
      let done = true;
      try {
        const status = lua.lua_resume(co, L, 0);
        if (status === lua.LUA_YIELD && call.errors.broken === undefined) {
          done = false;
          return null;
        }
        if (call.errors.broken !== undefined) throw call.errors.broken;
        if (running.stopped && !running.killed) return call.stopped;
        if (status !== lua.LUA_OK) return errorReplyOf(co, call.name);
        const ok = lua.lua_toboolean(co, -1);
        lua.lua_pop(co, 1);
        return ok ? popResult(co, running.resp) : errorReplyOf(co, call.name);
      } finally {
        if (done) {
          ended = true;
          call.errors.broken = undefined;
          lua.lua_settop(L, 0);
          call.ended();
        }
      }
    },
    kill: () => {
      assert(!ended, 'only a running script is killed');
      running.killed = true;
    },
  };
}
