// The function libraries of one kv state (Redis 7 functions): libraries by name, each with its code
// and the functions it registered, and the index of every function by name — replicated state
// (FUNCTION LOAD/DELETE/FLUSH/RESTORE are log entries; the libraries are in snapshots) — and the
// Lua engine that runs them, made on first use. Library metadata is read as Redis 7.0's
// functionExtractLibMetaData reads it.

import { Buffer } from 'node:buffer';
import { assert } from '../lib/assert.js';
import { errorReply, type Reply } from '../lib/reply.js';
import { ERR_BAD_NAME, validName } from '../script/function-register.js';
import type { ScriptSteps } from '../script/coroutine-run.js';
import { FunctionEngine, type FunctionCall, type RegisteredFunction } from '../script/functions.js';

export interface Library {
  readonly name: string;
  readonly code: Uint8Array;
  readonly functions: readonly RegisteredFunction[];
}

/** The library name in a code's shebang ("#!lua name=<name>"), or Redis's error. */
function libraryName(code: Uint8Array): string | Reply {
  if (code.length < 2 || code[0] !== 0x23 || code[1] !== 0x21) return errorReply('ERR Missing library metadata');
  const newline = code.indexOf(0x0a);
  if (newline === -1) return errorReply('ERR Invalid library metadata');
  const parts = Buffer.from(code.subarray(2, newline)).toString('latin1').split(/[ \t\r\v\f]+/).filter((p) => p !== '');
  if (parts.length === 0) return errorReply('ERR Invalid library metadata');
  let name: string | undefined;
  for (const part of parts.slice(1)) {
    if (part.slice(0, 5).toLowerCase() !== 'name=') return errorReply(`ERR Invalid metadata value given: ${part}`);
    name = part.slice(5);
  }
  if (parts[0] !== 'lua') return errorReply(`ERR Engine '${parts[0] ?? ''}' not found`);
  if (name === undefined) return errorReply('ERR Library name was not given');
  if (!validName(name)) return errorReply(`ERR ${ERR_BAD_NAME}`);
  return name;
}

/** The code with its shebang line emptied (line numbers kept). */
function withoutShebang(code: Uint8Array): Uint8Array {
  return code.subarray(code.indexOf(0x0a));
}

export class Functions {
  /** Libraries by lowercase name (Redis's names are case-insensitive, kept as given). */
  private readonly libraries = new Map<string, Library>();
  /** Every registered function by lowercase name, with its library's lowercase name. */
  private readonly index = new Map<string, { readonly fn: RegisteredFunction; readonly library: string }>();
  private engineOrUndefined: FunctionEngine | undefined;

  constructor(private readonly maxInstructions?: number) {}

  private get engine(): FunctionEngine {
    this.engineOrUndefined ??= new FunctionEngine(this.maxInstructions);
    return this.engineOrUndefined;
  }

  get libraryCount(): number {
    return this.libraries.size;
  }

  get functionCount(): number {
    return this.index.size;
  }

  /** The libraries in name order (LIST, DUMP, snapshots: equal states give equal bytes). */
  sorted(): Library[] {
    return [...this.libraries.keys()].sort().map((name) => this.libraries.get(name) as Library);
  }

  lookup(name: string): { readonly fn: RegisteredFunction; readonly library: string } | undefined {
    return this.index.get(name.toLowerCase());
  }

  /** FUNCTION LOAD [REPLACE]: the library's name, or the error (nothing changed then). */
  load(code: Uint8Array, replace: boolean): string | Reply {
    const name = libraryName(code);
    if (typeof name !== 'string') return name;
    const old = this.libraries.get(name.toLowerCase());
    if (old !== undefined && !replace) return errorReply(`ERR Library '${name}' already exists`);
    const functions = this.engine.load(withoutShebang(code));
    if (!Array.isArray(functions)) return functions;
    const taken = functions.find((fn) => this.index.has(fn.name.toLowerCase()) && this.index.get(fn.name.toLowerCase())?.library !== name.toLowerCase());
    if (taken !== undefined) {
      this.engine.release(functions);
      return errorReply(`ERR Function ${taken.name} already exists`);
    }
    if (old !== undefined) this.remove(old);
    this.add({ name, code: Buffer.from(code), functions });
    return name;
  }

  private add(library: Library): void {
    assert(!this.libraries.has(library.name.toLowerCase()), 'a library is added once');
    this.libraries.set(library.name.toLowerCase(), library);
    for (const fn of library.functions) this.index.set(fn.name.toLowerCase(), { fn, library: library.name.toLowerCase() });
  }

  private remove(library: Library): void {
    this.libraries.delete(library.name.toLowerCase());
    for (const fn of library.functions) this.index.delete(fn.name.toLowerCase());
    this.engine.release(library.functions);
  }

  /** FUNCTION DELETE: whether the library existed. */
  delete(name: string): boolean {
    const library = this.libraries.get(name.toLowerCase());
    if (library === undefined) return false;
    this.remove(library);
    return true;
  }

  /** FUNCTION FLUSH: every library gone. */
  flush(): void {
    for (const library of [...this.libraries.values()]) this.remove(library);
  }

  /** FCALL: starts a registered function (its steps). */
  start(run: FunctionCall): ScriptSteps {
    return this.engine.start(run);
  }

  /**
   * FUNCTION RESTORE of libraries' codes with a policy: all loaded or none (the error then). As
   * Redis's functionsLibCtxJoin: the payload's libraries load on their own first (their errors come
   * first), then APPEND refuses a library that exists, REPLACE replaces it, FLUSH drops every
   * library first, and a function another library already registers is refused.
   */
  restore(codes: readonly Uint8Array[], policy: 'flush' | 'append' | 'replace'): Reply | undefined {
    const incoming = new Functions(this.maxInstructions);
    for (const code of codes) {
      const loaded = incoming.load(code, false);
      if (typeof loaded !== 'string') return loaded;
    }
    const before = this.sorted();
    if (policy === 'flush') this.flush();
    const refusal = this.joinRefusal(incoming, policy);
    if (refusal !== undefined) return refusal;
    for (const library of incoming.libraries.values()) {
      const old = this.libraries.get(library.name.toLowerCase());
      if (old !== undefined) this.remove(old);
    }
    for (const library of incoming.libraries.values()) {
      if (typeof this.load(library.code, false) === 'string') continue;
      this.flush();
      for (const library of before) assert(typeof this.load(library.code, false) === 'string', 'a library that loaded loads again');
      return errorReply('ERR a restored library did not load twice alike');
    }
    return undefined;
  }

  /** Why `incoming` cannot join these libraries under `policy`, if it cannot. */
  private joinRefusal(incoming: Functions, policy: 'flush' | 'append' | 'replace'): Reply | undefined {
    for (const library of incoming.libraries.values()) {
      if (policy === 'append' && this.libraries.has(library.name.toLowerCase())) return errorReply(`ERR Library ${library.name} already exists`);
      const replaced = policy === 'replace' ? library.name.toLowerCase() : undefined;
      for (const fn of library.functions) {
        const owner = this.index.get(fn.name.toLowerCase())?.library;
        if (owner !== undefined && owner !== replaced && !incoming.libraries.has(owner)) return errorReply(`ERR Function ${fn.name} already exists`);
      }
    }
    return undefined;
  }
}
