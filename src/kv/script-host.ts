// How a script's redis.call/pcall runs a command (Redis 7.0's scriptCall): the checks and error texts
// Redis gives scripts (unknown command, arity, commands scripts may not use, writes from read-only
// scripts), then kv's own dispatch in the script's database. SELECT changes that database for the
// rest of the script only; PING, ECHO and TIME, which the server answers for clients, are answered
// here (TIME from the entry's time, the only clock a script has). A caller with ACL restrictions
// (kv/acl/script-caller.ts) has each command checked against its rules, as Redis's scriptVerifyACL.

import { Buffer } from 'node:buffer';
import { errorReply, type Reply } from '../lib/reply.js';
import { Prng } from '../lib/prng.js';
import { lowerName } from './bytes.js';
import type { CommandSpec, ExecContext } from './command-types.js';
import { parseDbIndex } from './databases.js';

const ERR_UNKNOWN = errorReply('ERR Unknown Redis command called from script');
const ERR_ARITY = errorReply('ERR Wrong number of args calling Redis command from script');
const ERR_NOT_ALLOWED = errorReply('ERR This Redis command is not allowed from script');
const ERR_READ_ONLY = errorReply('ERR Write commands are not allowed from read-only scripts.');

/** Commands Redis 7.0 flags `noscript` (COMMAND INFO), whether or not Cairn implements them. */
const NOT_IN_SCRIPTS = new Set([
  'auth', 'bgrewriteaof', 'bgsave', 'blmove', 'blpop', 'brpop', 'brpoplpush', 'bzpopmax', 'bzpopmin', 'debug', 'discard',
  'eval', 'eval_ro', 'evalsha', 'evalsha_ro', 'exec', 'failover', 'fcall', 'fcall_ro', 'hello', 'monitor', 'multi',
  'psubscribe', 'psync', 'punsubscribe', 'quit', 'replconf', 'replicaof', 'reset', 'role', 'save', 'shutdown', 'slaveof',
  'ssubscribe', 'subscribe', 'sunsubscribe', 'sync', 'unsubscribe', 'unwatch', 'wait', 'watch', 'script', 'function',
  'client', 'config', 'readonly', 'readwrite', 'cluster', 'acl',
]);

/** Commands of the server's own table that scripts may call, with their arity, answered here. */
const HOST_COMMANDS: ReadonlyMap<string, number> = new Map([['select', 2], ['ping', -1], ['echo', 2], ['time', 1]]);

/** kv's dispatch and command lookup, passed in (commands.ts builds its table from this folder). */
export interface Dispatcher {
  run(ctx: ExecContext, argv: readonly Uint8Array[]): Reply;
  lookup(name: Uint8Array): CommandSpec | undefined;
  arityOk(arity: number, argc: number): boolean;
}

/** A script's view of kv: its database (SELECT moves it) and whether it may write. */
export class ScriptHost {
  private ctx: ExecContext;

  constructor(
    ctx: ExecContext,
    private readonly readOnly: boolean,
    private readonly kv: Dispatcher,
  ) {
    // Commands that read at random (SRANDMEMBER, RANDOMKEY) draw from a generator every replica
    // seeds alike, since a script's writes may depend on what they drew.
    this.ctx = { ...ctx, prng: new Prng(ctx.db.versionCounter) };
  }

  call(argv: readonly Uint8Array[]): Reply {
    const name = lowerName(argv[0] as Uint8Array);
    const hostArity = HOST_COMMANDS.get(name);
    if (hostArity !== undefined) return this.kv.arityOk(hostArity, argv.length) ? this.ctx.caller?.refuses(argv) ?? this.hostCommand(name, argv) : ERR_ARITY;
    const spec = this.kv.lookup(argv[0] as Uint8Array);
    if (spec === undefined || spec.flags.includes('internal')) return NOT_IN_SCRIPTS.has(name) ? ERR_NOT_ALLOWED : ERR_UNKNOWN;
    if (!this.kv.arityOk(spec.arity, argv.length)) return ERR_ARITY;
    if (NOT_IN_SCRIPTS.has(spec.name)) return ERR_NOT_ALLOWED;
    // The caller's ACL, as scriptVerifyACL: after arity and noscript, before the read-only check.
    const refused = this.ctx.caller?.refuses(argv);
    if (refused !== undefined) return refused;
    if (this.readOnly && spec.flags.includes('write')) return ERR_READ_ONLY;
    return this.kv.run(this.ctx, argv);
  }

  private hostCommand(name: string, argv: readonly Uint8Array[]): Reply {
    switch (name) {
      case 'select': {
        const index = parseDbIndex(argv[1] as Uint8Array);
        if (typeof index !== 'number') return index;
        this.ctx = { ...this.ctx, db: this.ctx.databases.get(index), dbIndex: index };
        return { type: 'simple', value: 'OK' };
      }
      case 'ping':
        if (argv.length > 2) return errorReply("ERR wrong number of arguments for 'ping' command");
        return argv.length === 2 ? { type: 'bulk', value: argv[1] as Uint8Array } : { type: 'simple', value: 'PONG' };
      case 'echo':
        return { type: 'bulk', value: argv[1] as Uint8Array };
      default: {
        const nowMs = this.ctx.nowMs;
        const seconds = Math.floor(nowMs / 1000);
        return { type: 'array', items: [{ type: 'bulk', value: Buffer.from(String(seconds)) }, { type: 'bulk', value: Buffer.from(String((nowMs - seconds * 1000) * 1000)) }] };
      }
    }
  }
}
