// The script cache of one kv state: the bodies SCRIPT LOAD and EVAL made known, by SHA-1 — replicated
// state (both are log entries, and the cache is in snapshots) — and the Lua engine that runs them,
// made on first use and rebuilt by SCRIPT FLUSH. A body's shebang (`#!lua flags=no-writes`) is
// read as Redis 7.0 reads it (evalExtractShebangFlags).

import { Buffer } from 'node:buffer';
import { assert } from '../lib/assert.js';
import { errorReply, type Reply } from '../lib/reply.js';
import { ScriptEngine, scriptSha, type ScriptSteps } from '../script/engine.js';

export interface ScriptsOptions {
  /** Lua instructions one script may run (script/engine.ts's default when absent). */
  readonly maxInstructions?: number;
}

/** What a body's shebang says; compat = no shebang (Redis's eval compatibility mode). */
export interface ScriptFlags {
  readonly compat: boolean;
  readonly noWrites: boolean;
}

const SHEBANG_FLAGS = new Set(['no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys']);
const COMPAT: ScriptFlags = Object.freeze({ compat: true, noWrites: false });

/** Whether argv is an EVAL whose shebang says `no-writes`: the server may serve it as a read. */
export function isReadOnlyEval(argv: readonly Uint8Array[]): boolean {
  if (argv.length < 3 || (argv[0] as Uint8Array).length !== 4) return false;
  if (Buffer.from(argv[0] as Uint8Array).toString('latin1').toLowerCase() !== 'eval') return false;
  const flags = scriptFlags(argv[1] as Uint8Array);
  return !('type' in flags) && flags.noWrites;
}

/** The flags of a body, or Redis's error for a malformed shebang. */
export function scriptFlags(body: Uint8Array): ScriptFlags | Reply {
  if (body.length < 2 || body[0] !== 0x23 || body[1] !== 0x21) return COMPAT;
  const newline = body.indexOf(0x0a);
  if (newline === -1) return errorReply('ERR Invalid script shebang');
  const parts = Buffer.from(body.subarray(0, newline)).toString('latin1').split(/[ \t\r\v\f]+/).filter((p) => p !== '');
  if (parts[0] !== '#!lua') return errorReply(`ERR Unexpected engine in script shebang: ${parts[0] ?? ''}`);
  let noWrites = false;
  for (const part of parts.slice(1)) {
    if (!part.startsWith('flags=')) return errorReply(`ERR Unknown lua shebang option: ${part}`);
    for (const flag of part.slice('flags='.length).split(',')) {
      if (flag === '') continue;
      if (!SHEBANG_FLAGS.has(flag)) return errorReply(`ERR Unexpected flag in script shebang: ${flag}`);
      if (flag === 'no-writes') noWrites = true;
    }
  }
  return { compat: false, noWrites };
}

/**
 * The reply of a script command whose script did not end within its first slice: the script waits
 * in `Scripts.pending`, and whoever ran the command runs it on (KvState.execute to its end, an
 * entry applied in steps one step at a time). Never a client's reply.
 */
export const SCRIPT_PENDING: Reply = Object.freeze({ type: 'simple', value: 'CAIRN-SCRIPT-PENDING' } as const);

/** Lua instructions a script runs at once before it is left to steps (about 10 ms here). */
export const SCRIPT_FIRST_SLICE_INSTRUCTIONS = 150_000;
/** Lua instructions per unit of a step's budget (keys' worth of snapshot work): 2,000 units, about 7 ms. */
export const SCRIPT_INSTRUCTIONS_PER_BUDGET = 50;

/** Runs a started script's first slice: its reply, or SCRIPT_PENDING with the script left in `scripts.pending`. */
export function runFirstSlice(scripts: Scripts, steps: ScriptSteps): Reply {
  const reply = steps.step(SCRIPT_FIRST_SLICE_INSTRUCTIONS);
  if (reply !== null) return reply;
  assert(scripts.pending === undefined, 'one script runs at a time');
  scripts.pending = steps;
  return SCRIPT_PENDING;
}

export class Scripts {
  /** The script a command left running (its reply was SCRIPT_PENDING), until it is run to its end. */
  pending: ScriptSteps | undefined;
  /** Body and shebang flags by lowercase hex SHA-1. */
  private readonly bodies = new Map<string, { readonly body: Uint8Array; readonly flags: ScriptFlags }>();
  private engineOrUndefined: ScriptEngine | undefined;

  constructor(private readonly options: ScriptsOptions = {}) {}

  get engine(): ScriptEngine {
    this.engineOrUndefined ??= new ScriptEngine(this.options.maxInstructions === undefined ? {} : { maxInstructions: this.options.maxInstructions });
    return this.engineOrUndefined;
  }

  get size(): number {
    return this.bodies.size;
  }

  body(sha: string): Uint8Array | undefined {
    return this.bodies.get(sha)?.body;
  }

  /** A cached script by SHA-1 (EVALSHA: no hashing, no shebang parsing per call). */
  cached(sha: string): { readonly sha: string; readonly body: Uint8Array; readonly flags: ScriptFlags } | undefined {
    const entry = this.bodies.get(sha);
    return entry === undefined ? undefined : { sha, ...entry };
  }

  /**
   * Compiles a body and, when `remember` says so for its flags, caches it: its SHA-1, or the error (shebang or compile)
   * that keeps it out of the cache, as Redis's luaCreateFunction.
   */
  load(body: Uint8Array, remember: (flags: ScriptFlags) => boolean): { readonly sha: string; readonly body: Uint8Array; readonly flags: ScriptFlags } | Reply {
    const sha = scriptSha(body);
    const known = this.cached(sha);
    if (known !== undefined) return known;
    const flags = scriptFlags(body);
    if ('type' in flags) return flags;
    const error = this.engine.compile(sha, body);
    if (error !== undefined) return error;
    if (remember(flags)) this.bodies.set(sha, { body: Buffer.from(body), flags });
    return { sha, body, flags };
  }

  /** SCRIPT FLUSH: every body forgotten, and the Lua state with them. */
  flush(): void {
    this.bodies.clear();
    this.engineOrUndefined?.reset();
  }

  /** The bodies in SHA-1 order (snapshots: equal caches give equal bytes). */
  sortedBodies(): Uint8Array[] {
    return [...this.bodies.keys()].sort().map((sha) => (this.bodies.get(sha) as { body: Uint8Array }).body);
  }

  /** Restores a body from a snapshot (compiled when first run). */
  restore(body: Uint8Array): void {
    const sha = scriptSha(body);
    const flags = scriptFlags(body);
    assert(!this.bodies.has(sha), 'a snapshot holds each script once');
    assert(!('type' in flags), 'a cached script has a valid shebang');
    this.bodies.set(sha, { body, flags });
  }
}
