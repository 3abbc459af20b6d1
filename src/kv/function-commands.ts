// FUNCTION LOAD/LIST/DELETE/FLUSH/DUMP/RESTORE/STATS/KILL/HELP, FCALL and FCALL_RO, as Redis 7.0's
// functions.c. FCALL runs at apply time on every replica (the command is the log entry), FCALL_RO as
// a read; both run the function inside one kv command, as EVAL runs a script (scripting.ts).
// FUNCTION DUMP's payload is Redis's own RDB bytes (function-rdb-dump.ts), so dumps move both ways.

import { Buffer } from 'node:buffer';
import { assert } from '../lib/assert.js';
import { errorReply, NULL, OK, type Reply } from '../lib/reply.js';
import { parseInt64 } from './args.js';
import { isOption, textOf } from './bytes.js';
import type { CommandSpec, ExecContext } from './command-types.js';
import { decodeRdbFunctionDump, encodeRdbFunctionDump } from './function-rdb-dump.js';
import type { Functions, Library } from './functions.js';
import { globMatchNoCase } from './glob.js';
import { ScriptHost, type Dispatcher } from './script-host.js';
import { callerMayRun } from './acl/script-caller.js';
import { runFirstSlice } from './scripts.js';
import { helpReply, subcommandHandler, type Subcommand } from './subcommands.js';

const ERR_NOT_FOUND = errorReply('ERR Function not found');
const ERR_WRITE_FLAG_RO = errorReply('ERR Can not execute a script with write flag using *_ro command.');
const ERR_BAD_NUMKEYS = errorReply('ERR Bad number of keys provided');
const ERR_TOO_MANY_KEYS = errorReply("ERR Number of keys can't be greater than number of args");
const ERR_NEGATIVE_KEYS = errorReply("ERR Number of keys can't be negative");
const NOTBUSY = errorReply('NOTBUSY No scripts in execution right now.');

function functionsOf(ctx: ExecContext): Functions {
  assert(ctx.functions !== undefined, 'functions run only in a kv state with function libraries');
  return ctx.functions;
}

const bulk = (text: string): Reply => ({ type: 'bulk', value: Buffer.from(text, 'latin1') });
const syntaxError = (argv: readonly Uint8Array[]): Reply => errorReply(`ERR unknown subcommand or wrong number of arguments for '${textOf(argv[1] as Uint8Array)}'. Try FUNCTION HELP.`);

function fcall(kv: Dispatcher, readOnly: boolean): CommandSpec['handler'] {
  return (ctx, argv) => {
    const found = functionsOf(ctx).lookup(textOf(argv[1] as Uint8Array));
    if (found === undefined) return ERR_NOT_FOUND;
    const noWrites = found.fn.flags.includes('no-writes');
    if (readOnly && !noWrites) return ERR_WRITE_FLAG_RO;
    const numkeys = parseInt64(argv[2] as Uint8Array);
    if (numkeys === undefined) return ERR_BAD_NUMKEYS;
    if (numkeys > BigInt(argv.length - 3)) return ERR_TOO_MANY_KEYS;
    if (numkeys < 0n) return ERR_NEGATIVE_KEYS;
    const host = new ScriptHost(ctx, readOnly || noWrites, kv);
    assert(ctx.scripts !== undefined, 'functions run in a kv state with a script cache');
    return runFirstSlice(ctx.scripts, functionsOf(ctx).start({
      fn: found.fn,
      keys: argv.slice(3, 3 + Number(numkeys)),
      args: argv.slice(3 + Number(numkeys)),
      randomSeed: ctx.db.versionCounter,
      call: (command) => host.call(command),
      mayRun: (command) => callerMayRun(ctx.caller, command),
    }));
  };
}

function libraryReply(library: Library, withCode: boolean): Reply {
  const functions: Reply = {
    type: 'array',
    items: library.functions.map((fn): Reply => ({ type: 'map', entries: [
      [bulk('name'), bulk(fn.name)],
      [bulk('description'), fn.description === undefined ? NULL : bulk(fn.description)],
      [bulk('flags'), { type: 'set', items: fn.flags.map((value) => ({ type: 'simple', value })) }],
    ] })),
  };
  const entries: [Reply, Reply][] = [[bulk('library_name'), bulk(library.name)], [bulk('engine'), bulk('LUA')], [bulk('functions'), functions]];
  if (withCode) entries.push([bulk('library_code'), { type: 'bulk', value: library.code }]);
  return { type: 'map', entries };
}

function list(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  let withCode = false;
  let pattern: Uint8Array | undefined;
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i] as Uint8Array;
    if (!withCode && isOption(arg, 'withcode')) withCode = true;
    else if (pattern === undefined && isOption(arg, 'libraryname')) {
      if (i >= argv.length - 1) return errorReply('ERR library name argument was not given');
      pattern = argv[++i] as Uint8Array;
    } else return errorReply(`ERR Unknown argument ${textOf(arg)}`);
  }
  const libraries = functionsOf(ctx).sorted().filter((library) => pattern === undefined || globMatchNoCase(pattern, Buffer.from(library.name, 'latin1')));
  return { type: 'array', items: libraries.map((library) => libraryReply(library, withCode)) };
}

function load(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  let replace = false;
  let at = 2;
  for (; at < argv.length - 1; at++) {
    if (!isOption(argv[at] as Uint8Array, 'replace')) return errorReply(`ERR Unknown option given: ${textOf(argv[at] as Uint8Array)}`);
    replace = true;
  }
  if (at !== argv.length - 1) return errorReply('ERR Function code is missing');
  const loaded = functionsOf(ctx).load(argv[at] as Uint8Array, replace);
  return typeof loaded === 'string' ? bulk(loaded) : loaded;
}

function restore(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  if (argv.length > 4) return syntaxError(argv);
  let policy: 'flush' | 'append' | 'replace' = 'append';
  if (argv.length === 4) {
    const given = textOf(argv[3] as Uint8Array).toLowerCase();
    if (given !== 'flush' && given !== 'append' && given !== 'replace') return errorReply('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
    policy = given;
  }
  const codes = decodeRdbFunctionDump(argv[2] as Uint8Array);
  if (typeof codes === 'string') return errorReply(`ERR ${codes}`);
  return functionsOf(ctx).restore(codes, policy) ?? OK;
}

/** FUNCTION STATS' reply: the function running (its command and for how long; nil when none, or a script runs), and the library counts. */
export function functionStatsReply(functions: Functions, running?: { readonly argv: readonly Uint8Array[]; readonly durationMs: number }): Reply {
  const lua: Reply = { type: 'map', entries: [[bulk('libraries_count'), { type: 'integer', value: functions.libraryCount }], [bulk('functions_count'), { type: 'integer', value: functions.functionCount }]] };
  let script: Reply = NULL;
  if (running !== undefined) {
    const called = textOf(running.argv[1] as Uint8Array);
    script = { type: 'map', entries: [
      [bulk('name'), bulk(functions.lookup(called)?.fn.name ?? called)],
      [bulk('command'), { type: 'array', items: running.argv.map((arg): Reply => ({ type: 'bulk', value: arg })) }],
      [bulk('duration_ms'), { type: 'integer', value: running.durationMs }],
    ] };
  }
  return { type: 'map', entries: [[bulk('running_script'), script], [bulk('engines'), { type: 'map', entries: [[bulk('LUA'), lua]] }]] };
}

const FUNCTION_HELP = [
  'LOAD [REPLACE] <FUNCTION CODE>', '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>', '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]', '    Return general information on all the libraries:', '    * Library name',
  '    * The engine used to run the Library', '    * Library description', '    * Functions list', '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS', '    Return information about the current function running:', '    * Function name', '    * Command used to run the function',
  '    * Duration in MS that the function is running', '    If no function is running, return nil', '    In addition, returns a list of available engines.',
  'KILL', '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]', '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.', '    * SYNC: Synchronously flush the libraries.',
  'DUMP', '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):', '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
];

const FUNCTION_SUBCOMMANDS: ReadonlyMap<string, Subcommand> = new Map<string, Subcommand>([
  ['load', { arity: -3, handler: load }],
  ['list', { arity: -2, handler: list }],
  ['delete', { arity: 3, handler: (ctx, argv) => (functionsOf(ctx).delete(textOf(argv[2] as Uint8Array)) ? OK : errorReply('ERR Library not found')) }],
  ['flush', { arity: -2, handler: (ctx, argv) => {
    if (argv.length > 3) return syntaxError(argv);
    if (argv.length === 3 && !isOption(argv[2] as Uint8Array, 'sync') && !isOption(argv[2] as Uint8Array, 'async')) return errorReply('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
    functionsOf(ctx).flush();
    return OK;
  } }],
  ['dump', { arity: 2, handler: (ctx) => ({ type: 'bulk', value: encodeRdbFunctionDump(functionsOf(ctx).sorted().map((library) => library.code)) }) }],
  ['restore', { arity: -3, handler: restore }],
  ['stats', { arity: 2, handler: (ctx) => functionStatsReply(functionsOf(ctx)) }],
  ['kill', { arity: 2, handler: () => NOTBUSY }],
  ['help', { arity: 2, handler: () => helpReply('function', FUNCTION_HELP) }],
]);

/** FUNCTION, FCALL and FCALL_RO, running functions' commands through `kv` (commands.ts's dispatch). */
export function functionCommands(kv: Dispatcher): readonly CommandSpec[] {
  const common = { firstKey: 0, lastKey: 0, keyStep: 0, group: 'scripting', since: '7.0.0' } as const;
  return [
    { ...common, name: 'function', arity: -2, flags: ['write', 'noscript'], summary: 'A container for function commands.', complexity: 'Depends on subcommand.', handler: subcommandHandler('function', FUNCTION_SUBCOMMANDS) },
    { ...common, name: 'fcall', arity: -3, flags: ['write', 'noscript', 'movablekeys'], summary: 'Invoke a function.', complexity: 'Depends on the function that is executed.', handler: fcall(kv, false) },
    { ...common, name: 'fcall_ro', arity: -3, flags: ['readonly', 'noscript', 'movablekeys'], summary: 'Invoke a read-only function.', complexity: 'Depends on the function that is executed.', handler: fcall(kv, true) },
  ];
}
