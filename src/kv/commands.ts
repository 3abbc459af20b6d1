// The command table as data and the one place that dispatches: name lookup (any case), arity
// checked with Redis's exact text, then the handler. The server merges KV_COMMANDS with its own
// connection commands (PING, HELLO, MULTI, ...) for COMMAND INFO / DOCS.

import { assert } from '../lib/assert.js';
import { Prng } from '../lib/prng.js';
import { errorReply, type Reply } from '../lib/reply.js';
import { arityError } from './args.js';
import { lowerName, textOf } from './bytes.js';
import type { CommandSpec, ExecContext } from './command-types.js';
import { BITMAP_COMMANDS } from './bits.js';
import { CHANGE_COMMANDS } from './change-commands.js';
import { runOnFeed } from './changes-stream.js';
import { COPY_COMMANDS } from './copy.js';
import { COUNTER_COMMANDS } from './counters.js';
import { DATABASE_COMMANDS } from './db-commands.js';
import { EXPIRY_COMMANDS } from './expiry.js';
import { EVICTION_COMMANDS } from './eviction.js';
import { HASH_COMMANDS } from './hashes.js';
import { HLL_COMMANDS } from './hll/commands.js';
import { KEYSPACE_COMMANDS } from './keyspace.js';
import { LCS_COMMANDS } from './lcs.js';
import { LISTING_COMMANDS } from './listing.js';
import { LIST_COMMANDS } from './lists.js';
import { MEMORY_COMMANDS } from './memory-usage.js';
import { OBJECT_COMMANDS } from './object.js';
import { PUBLISH_COMMANDS } from './publish.js';
import { RANGE_COMMANDS } from './ranges.js';
import { scriptingCommands } from './scripting.js';
import { functionCommands } from './function-commands.js';
import { SET_COMMANDS } from './sets.js';
import { sortCommands } from './sort.js';
import { STREAM_COMMANDS } from './streams.js';
import { STRING_COMMANDS } from './strings.js';
import { ZSET_COMMANDS } from './zsets.js';
import { ACL_COMMANDS } from './acl/acl-command.js';
import { callerCommands } from './acl/script-caller.js';

export type { CommandFlag, CommandSpec, ExecContext, Handler } from './command-types.js';

function buildTable(groups: readonly (readonly CommandSpec[])[]): ReadonlyMap<string, CommandSpec> {
  const table = new Map<string, CommandSpec>();
  for (const group of groups) {
    for (const spec of group) {
      assert(!table.has(spec.name), `duplicate command ${spec.name}`);
      assert(spec.name === spec.name.toLowerCase(), `command name ${spec.name} must be lowercase`);
      table.set(spec.name, Object.freeze(spec));
      if (spec.flags.includes('write') && spec.flags.includes('random')) RANDOM_WRITES.add(spec);
    }
  }
  return table;
}

/**
 * Commands that change the keyspace by a random choice (SPOP): each replica must choose alike, so
 * they draw from a Prng seeded by the keyspace's version counter (replicated, and in snapshots)
 * rather than the state's own, which local reads (RANDOMKEY, SRANDMEMBER) advance on one node only.
 */
const RANDOM_WRITES = new WeakSet<CommandSpec>();

/** Every command kv/ implements, by lowercase name. */
export const KV_COMMANDS: ReadonlyMap<string, CommandSpec> = buildTable([
  STRING_COMMANDS, COUNTER_COMMANDS, RANGE_COMMANDS, KEYSPACE_COMMANDS, LISTING_COMMANDS, EXPIRY_COMMANDS, EVICTION_COMMANDS,
  DATABASE_COMMANDS, HASH_COMMANDS,
  SET_COMMANDS,
  LIST_COMMANDS,
  BITMAP_COMMANDS, HLL_COMMANDS, LCS_COMMANDS,
  COPY_COMMANDS, OBJECT_COMMANDS, MEMORY_COMMANDS, sortCommands({ run: dispatch, has: (name) => KV_COMMANDS.has(name) }),
  ZSET_COMMANDS,
  STREAM_COMMANDS, PUBLISH_COMMANDS, CHANGE_COMMANDS, ACL_COMMANDS,
  scriptingCommands({ run: dispatch, lookup: lookupCommand, arityOk }),
  functionCommands({ run: dispatch, lookup: lookupCommand, arityOk }),
  callerCommands(dispatch),
]);

/** The spec for argv[0], in any case, or undefined. */
export function lookupCommand(name: Uint8Array): CommandSpec | undefined {
  return KV_COMMANDS.get(lowerName(name));
}

/** Whether an argument count fits a command's arity (negative: at least -arity). */
export function arityOk(arity: number, argc: number): boolean {
  return arity >= 0 ? argc === arity : argc >= -arity;
}

/** How much of a name, and of the arguments together, an unknown-command error quotes (Redis: 128). */
export const ERROR_QUOTE_CHARS_MAX = 128;

/** Runs one command. Unknown names and wrong arity get Redis's exact error replies. */
export function dispatch(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const name = argv[0];
  if (name === undefined) return errorReply('ERR empty command');
  const spec = lookupCommand(name);
  if (spec === undefined) return unknownCommand(argv);
  if (!arityOk(spec.arity, argv.length)) return arityError(spec.name);
  const onFeed = runOnFeed(ctx, spec, argv);
  if (onFeed !== undefined) return onFeed;
  if (RANDOM_WRITES.has(spec)) return spec.handler({ ...ctx, prng: new Prng(ctx.db.versionCounter) }, argv);
  return spec.handler(ctx, argv);
}

/** `ERR unknown command 'x', with args beginning with: 'a' 'b' ` (Redis caps the args at 128 chars). */
export function unknownCommand(argv: readonly Uint8Array[]): Reply {
  let args = '';
  for (let i = 1; i < argv.length && args.length < ERROR_QUOTE_CHARS_MAX; i++) {
    const remaining = ERROR_QUOTE_CHARS_MAX - args.length;
    args += `'${textOf(argv[i] as Uint8Array).slice(0, remaining)}' `;
  }
  const name = textOf(argv[0] as Uint8Array).slice(0, ERROR_QUOTE_CHARS_MAX);
  // Newlines would break the protocol line; Redis maps them to spaces too.
  return errorReply(`ERR unknown command '${name}', with args beginning with: ${args}`.replace(/[\r\n]/g, ' '));
}
