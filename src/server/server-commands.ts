// The commands the server answers itself, about the connection and the server rather than the
// data: PING, ECHO, HELLO, AUTH, SELECT, QUIT, RESET, READONLY, READWRITE, CLIENT, INFO, CONFIG,
// COMMAND, MULTI, EXEC, DISCARD, WATCH, UNWATCH, TIME. Each is data (metadata + handler), like kv's commands.

import { bulkReply, errorReply, integerReply, NULL, OK, type Reply } from '../lib/reply.js';
import { arityError } from '../kv/args.js';
import { parseRedisInteger } from '../resp/parser.js';
import { commandDocs, commandDocsFor, commandInfo, commandInfoFor } from './command-docs.js';
import type { CommandMeta, ConnectionHandler, TableEntry } from './command-table.js';
import { configGet, configSet } from './config.js';
import type { Session } from './session.js';
import { parseDbIndex } from '../kv/databases.js';
import { trackingCommands, trackingListing } from './tracking-commands.js';
import { afterCommitted } from './acl-shared.js';

const syntaxError = errorReply('ERR syntax error');
const wrongPass = errorReply('WRONGPASS invalid username-password pair or user is disabled.');

export function meta(name: string, arity: number, flags: readonly string[], summary: string, since: string, complexity = 'O(1)'): CommandMeta {
  return { name, arity, flags, firstKey: 0, lastKey: 0, keyStep: 0, group: 'connection', since, summary, complexity };
}

export function command(m: CommandMeta, handler: ConnectionHandler): TableEntry {
  return { kind: 'connection', meta: m, handler };
}

function container(m: CommandMeta, subs: readonly TableEntry[], bare?: ConnectionHandler): TableEntry {
  const help: TableEntry = command(meta(`${m.name}|help`, 2, ['loading', 'stale'], 'Show helpful text about the different subcommands', m.since), () => ({
    type: 'array',
    items: subs.map((s) => ({ type: 'simple', value: `${s.meta.name.split('|')[1]!.toUpperCase()}: ${s.meta.summary}` })),
  }));
  const subcommands = new Map([...subs, help].map((s) => [s.meta.name.split('|')[1]!, s] as const));
  return bare === undefined ? { kind: 'container', meta: m, subcommands } : { kind: 'container', meta: m, subcommands, bare };
}

function text(session: Session, body: string): Reply {
  return session.protocol === 3 ? { type: 'verbatim', format: 'txt', value: body } : bulkReply(body);
}

// --- connection -----------------------------------------------------------------------------

const ping = command(meta('ping', -1, ['fast', 'stale'], 'Returns the server\'s liveliness response', '1.0.0'), (s, argv) => {
  if (argv.length > 2) return arityError('ping');
  // RESP2's subscribe mode answers as a message would come: ["pong", the argument or ""].
  if (s.protocol === 2 && s.pubsub.subscribed) return { type: 'array', items: [bulkReply('pong'), bulkReply(argv[1] ?? '')] };
  return argv.length === 2 ? { type: 'bulk', value: argv[1]! } : { type: 'simple', value: 'PONG' };
});

const echo = command(meta('echo', 2, ['fast'], 'Returns the given string', '1.0.0'), (_s, argv) => ({ type: 'bulk', value: argv[1]! }));

const select = command(meta('select', 2, ['fast', 'loading', 'stale'], 'Changes the selected database', '1.0.0'), (session, argv) => {
  const index = parseDbIndex(argv[1]!);
  if (typeof index !== 'number') return index;
  session.db = index;
  return OK;
});

const quit = command(meta('quit', -1, ['fast', 'noauth'], 'Closes the connection', '1.0.0'), (session) => {
  session.closeAfterReply = true;
  return OK;
});

const reset = command(meta('reset', 1, ['fast', 'noauth'], 'Resets the connection', '6.2.0'), (session) => {
  session.reset();
  session.context.tracking?.forget(session);
  return { type: 'simple', value: 'RESET' };
});

// READONLY / READWRITE as in Redis Cluster: opt this connection's reads into (or out of) being
// served from the local applied state without ReadIndex, possibly stale. Writes are unaffected.
const readonly = command(
  { ...meta('readonly', 1, ['fast', 'loading', 'stale'], 'Enables read-only queries for a connection to a Redis Cluster replica node.', '3.0.0'), group: 'cluster' },
  (session) => {
    session.readConsistency = 'local';
    return OK;
  },
);

const readwrite = command(
  { ...meta('readwrite', 1, ['fast', 'loading', 'stale'], 'Enables read-write queries for a connection to a Redis Cluster replica node.', '3.0.0'), group: 'cluster' },
  (session) => {
    session.readConsistency = 'linearizable';
    return OK;
  },
);

/** Authenticates the session as `user` when the password is right for it (acl-guard.ts). */
function login(session: Session, user: string, password: Buffer, commandName: Buffer, logFailure = true): boolean {
  const registered = session.context.acl.authenticate(session, user, password, commandName.toString('latin1'), logFailure);
  if (registered === undefined) return false;
  session.user = user;
  session.userIncarnation = registered.incarnation;
  session.authenticated = true;
  return true;
}

const auth = command(meta('auth', -2, ['fast', 'noauth'], 'Authenticates the connection', '1.0.0'), (session, argv) => {
  if (argv.length > 3) return syntaxError;
  if (argv.length === 2 && !session.context.acl.defaultHasPassword()) {
    return errorReply('ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?');
  }
  const user = argv.length === 3 ? argv[1]!.toString('latin1') : 'default';
  // At once when this node's users let it in (the commands pipelined after it run as that user);
  // otherwise again once this client's earlier writes (an ACL SETUSER just before it) and every
  // committed ACL change have applied here, which a restarting or lagging node may not have yet.
  if (login(session, user, argv[argv.length - 1]!, argv[0]!, false)) return OK;
  return afterCommitted(session, () => (login(session, user, argv[argv.length - 1]!, argv[0]!) ? OK : wrongPass));
});

const hello = command(meta('hello', -1, ['fast', 'noauth'], 'Handshakes with the server', '6.0.0'), (session, argv) => {
  let protocol = session.protocol;
  if (argv.length >= 2) {
    const version = parseRedisInteger(argv[1]!, 0, argv[1]!.length);
    if (version === undefined) return errorReply('ERR Protocol version is not an integer or out of range');
    if (version !== 2 && version !== 3) return errorReply('NOPROTO unsupported protocol version');
    protocol = version;
  }
  let name: string | undefined;
  let credentials: [string, Buffer] | undefined;
  for (let i = 2; i < argv.length; i++) {
    const option = argv[i]!.toString('utf8');
    const left = argv.length - i - 1;
    if (option.toLowerCase() === 'auth' && left >= 2) {
      credentials = [argv[i + 1]!.toString('latin1'), argv[i + 2]!];
      i += 2;
    } else if (option.toLowerCase() === 'setname' && left >= 1) {
      name = argv[++i]!.toString('utf8');
    } else return errorReply(`ERR Syntax error in HELLO option '${option}'`);
  }
  if (credentials === undefined || login(session, credentials[0], credentials[1], argv[0]!, false)) return helloDone(session, protocol, name);
  // As AUTH: again once every committed ACL change has applied on this node.
  const [user, password] = credentials;
  return afterCommitted(session, () => (login(session, user, password, argv[0]!) ? helloDone(session, protocol, name) : wrongPass));
});

/** HELLO's answer once its credentials (if any) were checked: refuses an unauthenticated client, else switches protocol and names it. */
function helloDone(session: Session, protocol: 2 | 3, name: string | undefined): Reply {
  if (!session.authenticated) {
    return errorReply('NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time');
  }
  if (name !== undefined && !validName(name)) return badName;
  if (name !== undefined) session.name = name;
  session.protocol = protocol;
  return helloReply(session);
}

function helloReply(session: Session): Reply {
  const fields: [string, Reply][] = [
    ['server', bulkReply('redis')],
    ['version', bulkReply('7.2.0')],
    ['proto', integerReply(session.protocol)],
    ['id', integerReply(session.id)],
    ['mode', bulkReply('standalone')],
    ['role', bulkReply('master')],
    ['modules', { type: 'array', items: [] }],
  ];
  return { type: 'map', entries: fields.map(([k, v]) => [bulkReply(k), v] as const) };
}

// --- CLIENT ---------------------------------------------------------------------------------

const badName = errorReply('ERR Client names cannot contain spaces, newlines or special characters.');

/** Redis allows only the printable ASCII range '!'..'~' in client names and library fields. */
function validName(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code < 0x21 || code > 0x7e) return false;
  }
  return true;
}

/** CLIENT LIST's flags in Redis's order: P subscribed, x in MULTI, the tracking ones (t R B), r after READONLY, N for none. */
function clientFlags(session: Session, trackingFlags: string): string {
  const flags = (session.pubsub.subscribed ? 'P' : '') + (session.inMulti ? 'x' : '') + trackingFlags + (session.readConsistency === 'local' ? 'r' : '');
  return flags === '' ? 'N' : flags;
}

/** One CLIENT LIST / CLIENT INFO line: every field redis-server 7.2 gives (7.0's and watch, lib-name, lib-ver), in its order. */
export function clientLine(session: Session, nowMs: number): string {
  const ageSeconds = Math.floor((nowMs - session.createdAtMs) / 1000);
  const idleSeconds = Math.floor((nowMs - session.lastCommandAtMs) / 1000);
  const queryBytes = session.peer.queryBufferBytes();
  const outputBytes = session.peer.outputBufferBytes();
  const multiBytes = session.multiQueueBytes;
  const tracking = trackingListing(session);
  // Cairn parses from the socket's chunks: no fixed query or reply buffer (qbuf-free, rbs, rbp).
  const fields: [string, string | number][] = [
    ['id', session.id], ['addr', session.peer.addr], ['laddr', session.peer.laddr], ['fd', session.peer.fd],
    ['name', session.name], ['age', ageSeconds], ['idle', idleSeconds], ['flags', clientFlags(session, tracking.flags)],
    ['db', session.db], ['sub', session.pubsub.count('channel')], ['psub', session.pubsub.count('pattern')], ['ssub', session.pubsub.count('shard')], ['multi', session.multiQueueLength],
    ['watch', session.watchCount], ['qbuf', queryBytes], ['qbuf-free', 0], ['argv-mem', 0], ['multi-mem', multiBytes],
    ['rbs', 0], ['rbp', 0], ['obl', 0], ['oll', 0], ['omem', outputBytes], ['tot-mem', queryBytes + outputBytes + multiBytes],
    ['events', 'r'], ['cmd', session.lastCommandName], ['user', session.user], ['redir', tracking.redir], ['resp', session.protocol],
    ['lib-name', session.libName], ['lib-ver', session.libVersion],
  ];
  return fields.map(([k, v]) => `${k}=${v}`).join(' ') + '\n';
}

const client = container(meta('client', -2, [], 'A container for client connection commands', '2.4.0'), [
  command(meta('client|id', 2, ['loading', 'stale'], 'Returns the unique client ID of the connection', '5.0.0'), (s) => integerReply(s.id)),
  command(meta('client|getname', 2, ['loading', 'stale'], 'Returns the name of the connection', '2.6.9'), (s) =>
    s.name === '' ? NULL : bulkReply(s.name),
  ),
  command(meta('client|setname', 3, ['loading', 'stale'], 'Sets the connection name', '2.6.9'), (s, argv) => {
    const name = argv[2]!.toString('utf8');
    if (!validName(name)) return badName;
    s.name = name;
    return OK;
  }),
  command(meta('client|setinfo', 4, ['loading', 'stale'], 'Sets information specific to the client or connection', '7.2.0'), (s, argv) => {
    const attribute = argv[2]!.toString('utf8').toLowerCase();
    const value = argv[3]!.toString('utf8');
    if (attribute !== 'lib-name' && attribute !== 'lib-ver') return errorReply(`ERR Unrecognized option '${argv[2]!.toString('utf8')}'`);
    if (!validName(value)) return errorReply(`ERR ${attribute} cannot contain spaces, newlines or special characters.`);
    if (attribute === 'lib-name') s.libName = value;
    else s.libVersion = value;
    return OK;
  }),
  command(meta('client|info', 2, ['loading', 'stale'], 'Returns information about the connection', '6.2.0'), (s) =>
    text(s, clientLine(s, s.context.clock.nowMs())),
  ),
  command(meta('client|list', -2, ['loading', 'stale'], 'Lists open connections', '2.4.0', 'O(N)'), clientList),
  ...trackingCommands,
]);

function clientList(session: Session, argv: readonly Buffer[]): Reply {
  let ids: Set<number> | undefined;
  for (let i = 2; i < argv.length; i++) {
    const option = argv[i]!.toString('utf8').toLowerCase();
    if (option === 'type' && i + 1 < argv.length) {
      const type = argv[++i]!.toString('utf8').toLowerCase();
      if (!['normal', 'master', 'replica', 'slave', 'pubsub'].includes(type)) return errorReply(`ERR Unknown client type '${type}'`);
      // Normal: not subscribed; pubsub: subscribed (Redis's CLIENT_PUBSUB); no masters or replicas here.
      const clients = [...session.context.clients()];
      if (type === 'normal' || type === 'pubsub') ids = new Set(clients.filter((c) => c.pubsub.subscribed === (type === 'pubsub')).map((c) => c.id));
      else ids = new Set();
    } else if (option === 'id' && i + 1 < argv.length) {
      ids = new Set();
      for (i++; i < argv.length; i++) {
        const id = parseRedisInteger(argv[i]!, 0, argv[i]!.length);
        if (id === undefined || id <= 0) return errorReply('ERR Invalid client ID');
        ids.add(id);
      }
    } else return syntaxError;
  }
  const nowMs = session.context.clock.nowMs();
  let body = '';
  for (const other of session.context.clients()) {
    if (ids === undefined || ids.has(other.id)) body += clientLine(other, nowMs);
  }
  return text(session, body);
}

// --- server ---------------------------------------------------------------------------------

const info = command(meta('info', -1, ['loading', 'stale'], 'Returns information and statistics about the server', '1.0.0', 'O(1)'), (s, argv) =>
  text(s, s.context.info(argv.slice(1).map((a) => a.toString('utf8')))),
);

const time = command(meta('time', 1, ['loading', 'stale', 'fast'], 'Returns the server time', '2.6.0'), (s) => {
  const nowMs = s.context.clock.nowMs();
  const seconds = Math.floor(nowMs / 1000);
  const micros = Math.floor((nowMs - seconds * 1000) * 1000);
  return { type: 'array', items: [bulkReply(String(seconds)), bulkReply(String(micros))] };
});

const config = container(meta('config', -2, [], 'A container for server configuration commands', '2.0.0'), [
  command(meta('config|get', -3, ['loading', 'stale'], 'Returns the effective values of configuration parameters', '2.0.0', 'O(N)'), (s, argv) => {
    const pairs = configGet(s.context.settings, argv.slice(2));
    return { type: 'map', entries: pairs.map(([k, v]) => [bulkReply(k), bulkReply(v)] as const) };
  }),
  command(meta('config|set', -4, ['loading', 'stale'], 'Sets configuration parameters in-flight', '2.0.0', 'O(N)'), (s, argv) => {
    if (argv.length % 2 !== 0) return arityError('config|set');
    const pairs: [string, string][] = [];
    for (let i = 2; i < argv.length; i += 2) pairs.push([argv[i]!.toString('utf8'), argv[i + 1]!.toString('utf8')]);
    const problem = configSet(s.context.settings, pairs, (draft, names) => s.context.settingsChanging?.(draft, names));
    return problem === undefined ? OK : errorReply(problem);
  }),
]);

const commandCommand = container(
  meta('command', -1, ['loading', 'stale'], 'Returns detailed information about all commands', '2.8.13', 'O(N)'),
  [
    command(meta('command|count', 2, ['loading', 'stale'], 'Returns a count of commands', '2.8.13'), (s) => integerReply(s.context.table.count)),
    command(meta('command|info', -2, ['loading', 'stale'], 'Returns information about one, multiple or all commands', '2.8.13', 'O(N)'), (s, argv) =>
      argv.length === 2 ? allInfo(s) : commandInfoFor(argv.slice(2).map((a) => s.context.table.lookup(a.toString('latin1')))),
    ),
    command(meta('command|docs', -2, ['loading', 'stale'], 'Returns documentary information about one, multiple or all commands', '7.0.0', 'O(N)'), (s, argv) =>
      argv.length === 2
        ? { type: 'map', entries: s.context.table.all().map((e) => [bulkReply(e.meta.name), commandDocs(e)] as const) }
        : commandDocsFor(argv.slice(2).map((a) => s.context.table.lookup(a.toString('latin1')))),
    ),
    command(meta('command|list', -2, ['loading', 'stale'], 'Returns a list of command names', '7.0.0', 'O(N)'), (s) => ({
      type: 'array',
      items: s.context.table.all().map((e) => bulkReply(e.meta.name)),
    })),
  ],
  allInfo,
);

function allInfo(session: Session): Reply {
  return { type: 'array', items: session.context.table.all().map(commandInfo) };
}

// --- transactions ---------------------------------------------------------------------------

const multi = command(meta('multi', 1, ['loading', 'stale', 'fast'], 'Starts a transaction', '1.2.0'), (s) => s.beginMulti());
const exec = command(meta('exec', 1, ['loading', 'stale'], 'Executes all commands in a transaction', '1.2.0', 'O(N)'), (s) => s.exec());
const discard = command(meta('discard', 1, ['loading', 'stale', 'fast'], 'Discards a transaction', '2.0.0', 'O(N)'), (s) => s.discard());
const watchMeta = { ...meta('watch', -2, ['loading', 'stale', 'fast'], 'Monitors changes to keys to determine the execution of a transaction', '2.2.0', 'O(1) for every key'), firstKey: 1, lastKey: -1, keyStep: 1 };
const watch = command(watchMeta, (s, argv) =>
  s.watch(argv.slice(1)),
);
const unwatch = command(meta('unwatch', 1, ['loading', 'stale', 'fast'], 'Forgets about watched keys of a transaction', '2.2.0'), (s) => {
  s.unwatch();
  return OK;
});

/** Every server-side command, for the command table. */
export const serverCommands: readonly TableEntry[] = [
  ping, echo, hello, auth, select, quit, reset, readonly, readwrite, client, info, config, commandCommand, time,
  multi, exec, discard, watch, unwatch,
];
