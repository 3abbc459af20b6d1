// The ACL command as clients see it. Changes (SETUSER, DELUSER, LOAD) are checked here, their clear
// passwords turned into digests, and proposed as kv's replicated `acl` command (kv/acl/), so every
// node enforces them once the entry applies; the answers come from the applied entry. The reads
// (GETUSER, LIST, USERS, CAT, WHOAMI, DRYRUN) wait for this client's earlier writes and read this
// node's applied users; LOG is this node's own; GENPASS draws from the system's random source.

import { randomBytes } from 'node:crypto';
import { bulkReply, errorReply, NULL, OK, type Reply } from '../lib/reply.js';
import { parseRedisInteger } from '../resp/parser.js';
import { helpReply } from '../kv/subcommands.js';
import { CATALOG, CATEGORIES } from '../kv/acl/catalog.js';
import { channelsText, describeCommandRules, describeUser, keysText, userFlags } from '../kv/acl/describe.js';
import { AclUser } from '../kv/acl/user.js';
import { ERR_BAD_USERNAME, ERR_DELETE_DEFAULT, userWithRules } from '../kv/acl/registry.js';
import { hasSpaces } from '../kv/acl/selector.js';
import { userDenial } from '../kv/acl/permissions.js';
import { digestRule } from './acl-passwords.js';
import { aclFileCommands } from './acl-file.js';
import { aclCommand, aclMeta, afterCommitted, proposeAcl } from './acl-shared.js';
import type { TableEntry } from './command-table.js';
import type { Selector } from '../kv/acl/selector.js';

const text = (arg: Buffer): string => arg.toString('latin1');
const ERR_NOT_INTEGER = errorReply('ERR value is not an integer or out of range');
const GENPASS_BITS_MAX = 4096;

/** Redis's addReplySubcommandSyntaxError, naming the subcommand as sent. */
function syntaxError(argv: readonly Buffer[]): Reply {
  return errorReply(`ERR unknown subcommand or wrong number of arguments for '${text(argv[1]!).slice(0, 128)}'. Try ${text(argv[0]!).toUpperCase()} HELP.`);
}

const setuser = aclCommand(aclMeta('setuser', -3, ['admin', 'loading', 'stale'], 'Creates and modifies an ACL user and its rules'), (session, argv) => {
  const name = text(argv[2]!);
  if (hasSpaces(name)) return ERR_BAD_USERNAME;
  const rules = argv.slice(3).map(digestRule);
  // Checked against the user as this node has it now, so a refused rule costs no log entry;
  // the replicated apply checks again against the user as the log has it then.
  const checked = userWithRules(name, session.context.acl.registry.get(name)?.user, rules);
  if (!(checked instanceof AclUser)) return checked;
  return proposeAcl(session, ['setuser', name, ...rules]);
});

const deluser = aclCommand(aclMeta('deluser', -3, ['admin', 'loading', 'stale'], 'Deletes ACL users, and terminates their connections'), (session, argv) => {
  const names = argv.slice(2).map(text);
  if (names.includes('default')) return ERR_DELETE_DEFAULT;
  return proposeAcl(session, ['deluser', ...names]);
});

function selectorFields(selector: Selector): [Reply, Reply][] {
  return [
    [bulkReply('commands'), bulkReply(describeCommandRules(selector))],
    [bulkReply('keys'), bulkReply(Buffer.from(keysText(selector), 'latin1'))],
    [bulkReply('channels'), bulkReply(Buffer.from(channelsText(selector), 'latin1'))],
  ];
}

/** ACL GETUSER's map: flags, passwords, the root selector's fields, then the other selectors. */
export function getuserReply(user: AclUser): Reply {
  return {
    type: 'map',
    entries: [
      [bulkReply('flags'), { type: 'set', items: userFlags(user).map((f) => bulkReply(f)) }],
      [bulkReply('passwords'), { type: 'array', items: user.passwords.map((p) => bulkReply(p)) }],
      ...selectorFields(user.root),
      [bulkReply('selectors'), { type: 'array', items: user.selectors.slice(1).map((s) => ({ type: 'map', entries: selectorFields(s) })) }],
    ],
  };
}

const getuser = aclCommand(aclMeta('getuser', 3, ['admin', 'loading', 'stale'], 'Lists the ACL rules of a user'), (session, argv) =>
  afterCommitted(session, () => {
    const user = session.context.acl.registry.get(text(argv[2]!))?.user;
    return user === undefined ? NULL : getuserReply(user);
  }),
);

const list = aclCommand(aclMeta('list', 2, ['admin', 'loading', 'stale'], 'Dumps the effective rules in ACL file format'), (session) =>
  afterCommitted(session, () => ({
    type: 'array',
    items: session.context.acl.registry.sorted().map(({ user }) => bulkReply(Buffer.from(`user ${user.name} ${describeUser(user)}`, 'latin1'))),
  })),
);

const users = aclCommand(aclMeta('users', 2, ['admin', 'loading', 'stale'], 'Lists all ACL users'), (session) =>
  afterCommitted(session, () => ({ type: 'array', items: session.context.acl.registry.sorted().map(({ user }) => bulkReply(Buffer.from(user.name, 'latin1'))) })),
);

const whoami = aclCommand(aclMeta('whoami', 2, ['loading', 'stale'], 'Returns the authenticated username of the current connection'), (session) =>
  bulkReply(Buffer.from(session.user, 'latin1')),
);

const cat = aclCommand(aclMeta('cat', -2, ['loading', 'stale'], 'Lists the ACL categories, or the commands inside a category'), (_session, argv) => {
  if (argv.length > 3) return syntaxError(argv);
  if (argv.length === 2) return { type: 'array', items: CATEGORIES.map((c) => bulkReply(c)) };
  const commands = CATALOG.category(text(argv[2]!));
  if (commands === undefined) return errorReply(`ERR Unknown category '${text(argv[2]!).slice(0, 128)}'`);
  return { type: 'array', items: commands.map((c) => bulkReply(c.name)) };
});

const genpass = aclCommand(aclMeta('genpass', -2, ['loading', 'stale'], 'Generates a pseudorandom, secure password that can be used to identify ACL users'), (_session, argv) => {
  if (argv.length > 3) return syntaxError(argv);
  const bits = argv.length === 3 ? parseRedisInteger(argv[2]!, 0, argv[2]!.length) : 256;
  if (bits === undefined) return ERR_NOT_INTEGER;
  if (bits <= 0 || bits > GENPASS_BITS_MAX) {
    return errorReply(`ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to ${GENPASS_BITS_MAX}`);
  }
  const chars = Math.floor((bits + 3) / 4);
  return bulkReply(randomBytes(Math.ceil(chars / 2)).toString('hex').slice(0, chars));
});

const log = aclCommand(aclMeta('log', -2, ['admin', 'loading', 'stale'], 'Lists recent security events generated due to commands rejected by ACL rules'), (session, argv) => {
  if (argv.length > 3) return syntaxError(argv);
  const guard = session.context.acl;
  let count = 10;
  if (argv.length === 3) {
    if (text(argv[2]!).toLowerCase() === 'reset') {
      guard.log.reset();
      return OK;
    }
    const parsed = parseRedisInteger(argv[2]!, 0, argv[2]!.length);
    if (parsed === undefined) return ERR_NOT_INTEGER;
    count = Math.max(0, parsed);
  }
  return guard.log.reply(count, session.context.clock.nowMs());
});

const dryrun = aclCommand(aclMeta('dryrun', -4, ['admin', 'loading', 'stale'], 'Simulates the execution of a command by a user, without executing the command', '7.0.0'), (session, argv) =>
  afterCommitted(session, () => {
    const guard = session.context.acl;
    const user = guard.registry.get(text(argv[2]!))?.user;
    if (user === undefined) return errorReply(`ERR User '${text(argv[2]!)}' not found`);
    const args = argv.slice(3);
    const resolved = session.context.table.resolve(args);
    if (!resolved.ok) {
      const notFound = resolved.error.type === 'error' && resolved.error.message.startsWith('ERR wrong number') ? undefined : errorReply(`ERR Command '${text(args[0]!)}' not found`);
      return notFound ?? resolved.error;
    }
    const entry = resolved.entry;
    const command = guard.catalogCommand(entry, args);
    const denial = userDenial(user, command, entry.meta.flags.includes('noauth'), args);
    if (denial === undefined) return OK;
    if (denial.reason === 'command') return bulkReply(`This user has no permissions to run the '${command?.name ?? entry.meta.name}' command`);
    return bulkReply(Buffer.concat([Buffer.from(`This user has no permissions to access the '`), args[denial.index]!, Buffer.from(`' ${denial.reason}`)]));
  }),
);

const HELP_LINES = [
  'CAT [<category>]', '    List all commands that belong to <category>, or all command categories', '    when no category is specified.',
  'DELUSER <username> [<username> ...]', '    Delete a list of users.',
  'DRYRUN <username> <command> [<arg> ...]', '    Returns whether the user can execute the given command without executing the command.',
  'GETUSER <username>', "    Get the user's details.",
  'GENPASS [<bits>]', '    Generate a secure 256-bit user password. The optional `bits` argument can', '    be used to specify a different size.',
  'LIST', "    Show users details in config file format.", 'LOAD', '    Reload users from the ACL file.',
  'LOG [<count> | RESET]', '    Show the ACL log entries.', 'SAVE', '    Save the current config to the ACL file.',
  'SETUSER <username> <attribute> [<attribute> ...]', '    Create or modify a user with the specified attributes.',
  'USERS', '    List all the registered usernames.', 'WHOAMI', '    Return the current connection username.',
];

const help = aclCommand(aclMeta('help', 2, ['loading', 'stale'], 'Returns helpful text about the different subcommands'), () => helpReply('acl', HELP_LINES));

const subcommands = [cat, deluser, dryrun, genpass, getuser, list, log, setuser, users, whoami, help, ...aclFileCommands];

/** ACL, for the command table. */
export const aclContainer: TableEntry = {
  kind: 'container',
  meta: { name: 'acl', arity: -2, flags: ['sentinel'], firstKey: 0, lastKey: 0, keyStep: 0, group: 'server', since: '6.0.0', summary: 'A container for Access List Control commands', complexity: 'Depends on subcommand.' },
  subcommands: new Map(subcommands.map((s) => [s.meta.name.slice(4), s] as const)),
};
