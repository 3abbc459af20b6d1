// The shape of one command in the table: Redis's metadata (arity, flags, key positions, and what
// COMMAND INFO / COMMAND DOCS report) plus the handler that runs it against the keyspace.

import type { Prng } from '../lib/prng.js';
import type { Reply } from '../lib/reply.js';
import type { Databases } from './databases.js';
import type { Db } from './db.js';
import type { Functions } from './functions.js';
import type { Scripts } from './scripts.js';
import type { AclRegistry } from './acl/registry.js';
import type { CallerAcl } from './acl/script-caller.js';

export type CommandFlag =
  | 'write' // modifies the keyspace: must go through the log
  | 'readonly' // only reads
  | 'denyoom' // may grow memory
  | 'fast' // O(1) or O(log N)
  | 'random' // the reply is not a function of the keyspace alone (RANDOMKEY)
  | 'blocking' // may block the client (BLPOP): kv/ never blocks, the server waits and retries
  | 'internal' // proposed by Cairn itself; the server refuses it from clients
  | 'noscript' // scripts may not call it (EVAL, SCRIPT)
  | 'movablekeys'; // its keys are found by parsing its arguments (EVAL's numkeys)

/** What a handler may touch: the keyspace, the time of the entry, a seeded source of randomness. */
export interface ExecContext {
  /** The database the command runs in (the client's SELECTed one). */
  readonly db: Db;
  /** Every database, for FLUSHALL, MOVE, SWAPDB, COPY ... DB. */
  readonly databases: Databases;
  readonly dbIndex: number;
  readonly nowMs: number;
  readonly prng: Prng;
  /** The state's script cache and Lua engine (EVAL); absent in contexts built without one. */
  readonly scripts?: Scripts;
  /** The state's function libraries (FUNCTION, FCALL); absent in contexts built without them. */
  readonly functions?: Functions;
  /** The state's ACL users (the `acl` command); absent in contexts built without them. */
  readonly acl?: AclRegistry;
  /** The rules of the user running the script (CAIRN.ASCALLER), when they restrict anything: each redis.call is checked. */
  readonly caller?: CallerAcl;
}

export type Handler = (ctx: ExecContext, argv: readonly Uint8Array[]) => Reply;

/** Redis's command groups, as COMMAND DOCS names them. */
export type CommandGroup =
  | 'string' | 'generic' | 'server' | 'hash' | 'list' | 'set' | 'sorted-set' | 'bitmap' | 'hyperloglog' | 'stream' | 'geo' | 'scripting' | 'pubsub';

export interface CommandSpec {
  /** Lowercase, as Redis reports it. */
  readonly name: string;
  /** Argument count including the name; negative means "at least -arity". */
  readonly arity: number;
  readonly flags: readonly CommandFlag[];
  /** 1-based argv positions of the first and last key (-1 = the last argument), and the step. 0 = no keys. */
  readonly firstKey: number;
  readonly lastKey: number;
  readonly keyStep: number;
  readonly group: CommandGroup;
  readonly since: string;
  readonly summary: string;
  readonly complexity: string;
  readonly handler: Handler;
}
