// Who runs a script, so its redis.call/pcall is checked against that user's rules as Redis 7.0's
// scriptVerifyACL does. Scripts run at apply time on every replica, so the caller travels in the
// log: the server wraps a client's EVAL/EVALSHA/FCALL (and the _RO forms it runs as local reads)
// as `CAIRN.ASCALLER <user> <incarnation> <command...>`, and each replica checks the script's
// commands against its replicated users at that index — every replica decides alike. A caller
// whose user was deleted or replaced since (another incarnation) runs nothing: its connection is
// being closed, as Redis frees such clients before they run anything more. A caller with no
// restriction (the default user) is not checked at all: one lookup per script, none per call.
//
// The refusals a script met are handed to the node that serves the client (ACL LOG is per node,
// context `lua`): the script's reply is a fresh object the registry maps to them (takeDenials).

import { Buffer } from 'node:buffer';
import { errorReply, type Reply } from '../../lib/reply.js';
import { isOption, textOf } from '../bytes.js';
import type { CommandSpec, ExecContext, Handler } from '../command-types.js';
import { SCRIPT_PENDING } from '../scripts.js';
import { CATALOG, type CatalogCommand } from './catalog.js';
import { catalogCommandOf, deniedObject, unrestricted, userDenial, type DenialReason } from './permissions.js';
import type { AclUser } from './user.js';

export const AS_CALLER = 'cairn.ascaller';
const AS_CALLER_ARGS = 3;
const SCRIPT_COMMANDS = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

/** A script's caller as the server names it. */
export interface ScriptCaller {
  readonly user: string;
  readonly incarnation: number;
}

/** One of a script's commands refused by the ACL: what ACL LOG records. */
export interface ScriptDenial {
  readonly reason: DenialReason;
  readonly object: string;
}

const SCRIPT_ERRORS: Record<DenialReason, Reply> = {
  command: errorReply("ERR The user executing the script can't run this command or subcommand"),
  key: errorReply("ERR The user executing the script can't access at least one of the keys mentioned in the command arguments"),
  channel: errorReply("ERR The user executing the script can't publish to the channel mentioned in the command"),
};
const NOAUTH = errorReply('NOAUTH Authentication required.');
const ERR_NOT_SCRIPT = errorReply('ERR CAIRN.ASCALLER runs only a script command');

/** Whether a command (lowercase name) is one the server wraps with its caller. */
export function isScriptCommand(name: string): boolean {
  return SCRIPT_COMMANDS.has(name);
}

/** argv wrapped with its caller. */
export function withCaller<T extends Uint8Array>(caller: ScriptCaller, argv: readonly T[]): (T | Buffer)[] {
  return [Buffer.from(AS_CALLER), Buffer.from(caller.user, 'latin1'), Buffer.from(String(caller.incarnation)), ...argv];
}

/** The command inside a CAIRN.ASCALLER wrapper, or argv itself. */
export function withoutCaller(argv: readonly Uint8Array[]): readonly Uint8Array[] {
  const name = argv[0];
  return name !== undefined && name.length === AS_CALLER.length && argv.length > AS_CALLER_ARGS && isOption(name, AS_CALLER) ? argv.slice(AS_CALLER_ARGS) : argv;
}

/** The caller's rules as a running script sees them: each command checked, each refusal kept. */
export class CallerAcl {
  readonly denials: ScriptDenial[] = [];

  constructor(private readonly user: AclUser) {}

  /** The error a script's command gets when the caller may not run it (scriptVerifyACL), else undefined. */
  refuses(argv: readonly Uint8Array[]): Reply | undefined {
    const command = catalogCommandOf(argv);
    const denial = userDenial(this.user, command, false, argv);
    if (denial === undefined) return undefined;
    this.denials.push({ reason: denial.reason, object: deniedObject(denial, command?.name ?? textOf(argv[0]!).toLowerCase(), argv) });
    return SCRIPT_ERRORS[denial.reason];
  }

  /** Whether the caller may run argv as `command` (redis.acl_check_cmd: nothing is recorded). */
  allows(command: CatalogCommand, argv: readonly Uint8Array[]): boolean {
    return userDenial(this.user, command, false, argv) === undefined;
  }
}

/**
 * redis.acl_check_cmd: whether the caller may run argv; undefined when Redis's command table has no
 * such command or subcommand (lookupCommand). Without a checker, every command is allowed.
 */
export function callerMayRun(acl: CallerAcl | undefined, argv: readonly Uint8Array[]): boolean | undefined {
  const base = CATALOG.lookup(textOf(argv[0]!));
  if (base === undefined) return undefined;
  const command = base.subcommands.length > 0 && argv.length > 1 ? CATALOG.lookup(`${base.name}|${textOf(argv[1]!)}`) : base;
  if (command === undefined) return undefined;
  return acl === undefined || acl.allows(command, argv);
}

/** The script's reply, handed on with the refusals it met (a fresh object the registry maps to them). */
function withDenials(ctx: ExecContext, acl: CallerAcl, reply: Reply): Reply {
  if (acl.denials.length === 0 || ctx.acl === undefined) return reply;
  const tagged = { ...reply } as Reply;
  ctx.acl.noteDenials(tagged, acl.denials);
  return tagged;
}

function asCaller(run: Handler): Handler {
  return (ctx, argv) => {
    const inner = argv.slice(AS_CALLER_ARGS);
    if (!SCRIPT_COMMANDS.has(textOf(inner[0]!).toLowerCase())) return ERR_NOT_SCRIPT;
    const registered = ctx.acl?.get(textOf(argv[1]!));
    if (registered === undefined || String(registered.incarnation) !== textOf(argv[2]!)) return NOAUTH;
    if (unrestricted(registered.user)) return run(ctx, inner);
    const acl = new CallerAcl(registered.user);
    const reply = run({ ...ctx, caller: acl }, inner);
    const steps = ctx.scripts?.pending;
    if (reply !== SCRIPT_PENDING || steps === undefined) return withDenials(ctx, acl, reply);
    // The script goes on in steps: its last step's reply carries the refusals.
    ctx.scripts!.pending = {
      step: (instructions) => {
        const done = steps.step(instructions);
        return done === null ? null : withDenials(ctx, acl, done);
      },
      kill: () => steps.kill(),
    };
    return reply;
  };
}

/** CAIRN.ASCALLER, dispatching its script command through `run` (commands.ts's dispatch). */
export function callerCommands(run: Handler): readonly CommandSpec[] {
  return [{
    name: AS_CALLER, arity: -5, flags: ['write', 'internal', 'noscript'], firstKey: 0, lastKey: 0, keyStep: 0, group: 'scripting', since: '0.1.0',
    summary: "Runs a script command as a user: its commands are checked against the user's rules", complexity: 'As the script', handler: asCaller(run),
  }];
}
