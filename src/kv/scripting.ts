// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT LOAD/EXISTS/FLUSH/KILL/HELP, as Redis 7.0's eval.c.
// A script runs inside one kv command: at apply time for EVAL/EVALSHA (the command is the log entry,
// and every replica runs it against the same state, with the entry's time and a random seed taken
// from the replicated version counter), or as a read for the _RO forms. EVAL caches its body as
// Redis does; EVAL_RO, which may run as a local read on one node, runs its body without caching it
// (the cache is replicated state).
//
// SCRIPT KILL reaching kv answers NOTBUSY: no script runs while kv runs a command. A script running
// in steps is killed (a read-only one) or refused UNKILLABLE (one in the log) by the server
// (server/busy-script.ts) before its KILL gets here.

import { Buffer } from 'node:buffer';
import { assert } from '../lib/assert.js';
import { errorReply, integerReply, OK, type Reply } from '../lib/reply.js';
import { ERR_NOT_INTEGER, parseInt64 } from './args.js';
import { isOption, textOf } from './bytes.js';
import type { CommandFlag, CommandSpec, ExecContext } from './command-types.js';
import { ScriptHost, type Dispatcher } from './script-host.js';
import { callerMayRun } from './acl/script-caller.js';
import { runFirstSlice, type ScriptFlags } from './scripts.js';
import { helpReply, subcommandHandler, type Subcommand } from './subcommands.js';

const NOSCRIPT = errorReply('NOSCRIPT No matching script. Please use EVAL.');
const ERR_TOO_MANY_KEYS = errorReply("ERR Number of keys can't be greater than number of args");
const ERR_NEGATIVE_KEYS = errorReply("ERR Number of keys can't be negative");
const ERR_WRITE_FLAG_RO = errorReply('ERR Can not execute a script with write flag using *_ro command.');
const NOTBUSY = errorReply('NOTBUSY No scripts in execution right now.');
const ERR_FLUSH_MODE = errorReply('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
const SHA_HEX_CHARS = 40;

interface EvalForm {
  readonly bySha: boolean;
  readonly readOnly: boolean;
}

function scriptsOf(ctx: ExecContext): NonNullable<ExecContext['scripts']> {
  assert(ctx.scripts !== undefined, 'scripts run only in a kv state with a script cache');
  return ctx.scripts;
}

/** numkeys checked as evalGenericCommand does: the count, or the error. */
function keyCount(argv: readonly Uint8Array[]): number | Reply {
  const numkeys = parseInt64(argv[2] as Uint8Array);
  if (numkeys === undefined) return ERR_NOT_INTEGER;
  if (numkeys > BigInt(argv.length - 3)) return ERR_TOO_MANY_KEYS;
  if (numkeys < 0n) return ERR_NEGATIVE_KEYS;
  return Number(numkeys);
}

/** The script an EVAL form names: its sha, body and flags, or the error reply. */
function resolveScript(ctx: ExecContext, argv: readonly Uint8Array[], form: EvalForm): { sha: string; body: Uint8Array; flags: ScriptFlags } | Reply {
  const scripts = scriptsOf(ctx);
  // EVAL caches its body as Redis does, except where it may run as a read on one node: EVAL_RO, and
  // EVAL of a no-writes script (the cache is replicated state).
  if (!form.bySha) return scripts.load(argv[1] as Uint8Array, (flags) => !form.readOnly && !flags.noWrites);
  return scripts.cached(textOf(argv[1] as Uint8Array).toLowerCase()) ?? NOSCRIPT;
}

function evalGeneric(kv: Dispatcher, form: EvalForm): (ctx: ExecContext, argv: readonly Uint8Array[]) => Reply {
  return (ctx, argv) => {
    if (form.bySha && (argv[1] as Uint8Array).length !== SHA_HEX_CHARS) return NOSCRIPT;
    const numkeys = keyCount(argv);
    if (typeof numkeys !== 'number') return numkeys;
    const script = resolveScript(ctx, argv, form);
    if ('type' in script) return script;
    if (!script.flags.compat && form.readOnly && !script.flags.noWrites) return ERR_WRITE_FLAG_RO;
    const host = new ScriptHost(ctx, form.readOnly || script.flags.noWrites, kv);
    const scripts = scriptsOf(ctx);
    const steps = scripts.engine.start({
      sha: script.sha,
      body: script.body,
      keys: argv.slice(3, 3 + numkeys),
      args: argv.slice(3 + numkeys),
      randomSeed: ctx.db.versionCounter,
      call: (command) => host.call(command),
      mayRun: (command) => callerMayRun(ctx.caller, command),
    });
    // Most scripts end within the first slice; a longer one is run on by whoever ran this command.
    return 'step' in steps ? runFirstSlice(scripts, steps) : steps;
  };
}

const SCRIPT_HELP = [
  'DEBUG (YES|SYNC|NO)',
  '    Set the debug mode for subsequent scripts executed.',
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache. Very dangerous on replicas.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the scripts cache.',
  '    * SYNC: Synchronously flush the scripts cache.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
];

const SCRIPT_SUBCOMMANDS: ReadonlyMap<string, Subcommand> = new Map<string, Subcommand>([
  ['load', { arity: 3, handler: (ctx, argv) => {
    const loaded = scriptsOf(ctx).load(argv[2] as Uint8Array, () => true);
    return 'type' in loaded ? loaded : { type: 'bulk', value: Buffer.from(loaded.sha, 'latin1') };
  } }],
  ['exists', { arity: -3, handler: (ctx, argv) => ({
    type: 'array',
    items: argv.slice(2).map((sha) => integerReply(scriptsOf(ctx).body(textOf(sha).toLowerCase()) === undefined ? 0 : 1)),
  }) }],
  ['flush', { arity: -2, handler: (ctx, argv) => {
    if (argv.length > 3 || (argv.length === 3 && !isOption(argv[2] as Uint8Array, 'sync') && !isOption(argv[2] as Uint8Array, 'async'))) return ERR_FLUSH_MODE;
    scriptsOf(ctx).flush();
    return OK;
  } }],
  ['kill', { arity: 2, handler: () => NOTBUSY }],
  ['help', { arity: 2, handler: () => helpReply('script', SCRIPT_HELP) }],
]);

function spec(name: string, flags: readonly CommandFlag[], summary: string, handler: CommandSpec['handler'], arity = -3): CommandSpec {
  return { name, arity, flags, firstKey: 0, lastKey: 0, keyStep: 0, group: 'scripting', since: name.endsWith('_ro') ? '7.0.0' : '2.6.0', summary, complexity: 'Depends on the script that is executed.', handler };
}

/** The scripting commands, running scripts' commands through `kv` (commands.ts's dispatch). */
export function scriptingCommands(kv: Dispatcher): readonly CommandSpec[] {
  return [
    spec('eval', ['write', 'noscript', 'movablekeys'], 'Executes a server-side Lua script.', evalGeneric(kv, { bySha: false, readOnly: false })),
    spec('evalsha', ['write', 'noscript', 'movablekeys'], 'Executes a server-side Lua script by SHA1 digest.', evalGeneric(kv, { bySha: true, readOnly: false })),
    spec('eval_ro', ['readonly', 'noscript', 'movablekeys'], 'Executes a read-only server-side Lua script.', evalGeneric(kv, { bySha: false, readOnly: true })),
    spec('evalsha_ro', ['readonly', 'noscript', 'movablekeys'], 'Executes a read-only server-side Lua script by SHA1 digest.', evalGeneric(kv, { bySha: true, readOnly: true })),
    spec('script', ['write', 'noscript'], 'A container for Lua scripts management commands.', subcommandHandler('script', SCRIPT_SUBCOMMANDS), -2),
  ];
}
