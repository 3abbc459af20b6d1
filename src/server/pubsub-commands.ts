// The pub/sub commands as Redis 7.0 answers them: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE,
// SSUBSCRIBE, SUNSUBSCRIBE (this connection's subscriptions, pubsub-client.ts), PUBLISH and
// SPUBLISH (through the log: kv/publish.ts), and PUBSUB's introspection of this node. PUBLISH
// answers, as in Redis Cluster, with the number of subscribers on the node that was asked, counted
// once the message's entry is applied (docs/PUBSUB.md).

import { bulkReply, errorReply, integerReply, type Reply } from '../lib/reply.js';
import { helpReply } from '../kv/subcommands.js';
import type { CommandMeta, TableEntry } from './command-table.js';
import { command, meta } from './server-commands.js';
import type { Session } from './session.js';

function pubsubMeta(name: string, arity: number, flags: readonly string[], summary: string, since: string, complexity: string): CommandMeta {
  return { ...meta(name, arity, ['pubsub', ...flags], summary, since, complexity), group: 'pubsub' };
}

const subscribeFlags = ['noscript', 'loading', 'stale'];

const subscribe = command(pubsubMeta('subscribe', -2, subscribeFlags, 'Listen for messages published to the given channels', '2.0.0', 'O(N) where N is the number of channels to subscribe to.'),
  (s, argv) => s.pubsub.subscribe('channel', argv.slice(1)));
const unsubscribe = command(pubsubMeta('unsubscribe', -1, subscribeFlags, 'Stop listening for messages posted to the given channels', '2.0.0', 'O(N) where N is the number of clients already subscribed to a channel.'),
  (s, argv) => s.pubsub.unsubscribe('channel', argv.slice(1)));
const psubscribe = command(pubsubMeta('psubscribe', -2, subscribeFlags, 'Listen for messages published to channels matching the given patterns', '2.0.0', 'O(N) where N is the number of patterns the client is already subscribed to.'),
  (s, argv) => s.pubsub.subscribe('pattern', argv.slice(1)));
const punsubscribe = command(pubsubMeta('punsubscribe', -1, subscribeFlags, 'Stop listening for messages posted to channels matching the given patterns', '2.0.0', 'O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).'),
  (s, argv) => s.pubsub.unsubscribe('pattern', argv.slice(1)));
const ssubscribe = command({ ...pubsubMeta('ssubscribe', -2, subscribeFlags, 'Listen for messages published to the given shard channels', '7.0.0', 'O(N) where N is the number of shard channels to subscribe to.'), firstKey: 1, lastKey: -1, keyStep: 1 },
  (s, argv) => s.pubsub.subscribe('shard', argv.slice(1)));
const sunsubscribe = command({ ...pubsubMeta('sunsubscribe', -1, subscribeFlags, 'Stop listening for messages posted to the given shard channels', '7.0.0', 'O(N) where N is the number of clients already subscribed to a shard channel.'), firstKey: 1, lastKey: -1, keyStep: 1 },
  (s, argv) => s.pubsub.unsubscribe('shard', argv.slice(1)));

/** Appends the message to the log; once applied here, answers with this node's receiver count. */
async function publish(session: Session, argv: readonly Buffer[], shard: boolean): Promise<Reply> {
  const [reply] = await session.write(() => ({ commands: [argv], watches: [] }));
  if (reply === undefined || reply.type === 'error') return reply ?? errorReply('ERR PUBLISH was not applied');
  return integerReply(session.context.pubsub.receivers(argv[1]!, shard));
}

const publishCommand = command(pubsubMeta('publish', 3, ['loading', 'stale', 'fast', 'may-replicate'], 'Post a message to a channel', '2.0.0', 'O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).'),
  (s, argv) => publish(s, argv, false));
const spublish = command({ ...pubsubMeta('spublish', 3, ['loading', 'stale', 'fast', 'may-replicate'], 'Post a message to a shard channel', '7.0.0', 'O(N) where N is the number of clients subscribed to the receiving shard channel.'), firstKey: 1, lastKey: 1, keyStep: 1 },
  (s, argv) => publish(s, argv, true));

// --- PUBSUB ---------------------------------------------------------------------------------

const HELP = [
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
];

function channels(kind: 'channel' | 'shard') {
  return (s: Session, argv: readonly Buffer[]): Reply => {
    // Redis quotes the subcommand as the client typed it.
    if (argv.length > 3) return errorReply(`ERR unknown subcommand or wrong number of arguments for '${argv[1]!.toString('utf8')}'. Try PUBSUB HELP.`);
    return { type: 'array', items: s.context.pubsub.names(kind, argv[2]).map((name) => bulkReply(Buffer.from(name, 'latin1'))) };
  };
}

function numsub(kind: 'channel' | 'shard') {
  return (s: Session, argv: readonly Buffer[]): Reply => ({
    type: 'array',
    items: argv.slice(2).flatMap((name) => [bulkReply(name), integerReply(s.context.pubsub.count(kind, name.toString('latin1')))]),
  });
}

const introspection = (name: string, arity: number, summary: string, since: string, complexity: string) =>
  pubsubMeta(`pubsub|${name}`, arity, ['loading', 'stale'], summary, since, complexity);

const pubsubSubcommands: readonly TableEntry[] = [
  command(introspection('channels', -2, 'Returns the active channels', '2.8.0', 'O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)'), channels('channel')),
  command(introspection('numpat', 2, 'Get the count of unique patterns pattern subscriptions', '2.8.0', 'O(1)'), (s) => integerReply(s.context.pubsub.patternCount)),
  command(introspection('numsub', -2, 'Get the count of subscribers for channels', '2.8.0', 'O(N) for the NUMSUB subcommand, where N is the number of requested channels'), numsub('channel')),
  command(introspection('shardchannels', -2, 'Returns the active shard channels', '7.0.0', 'O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).'), channels('shard')),
  command(introspection('shardnumsub', -2, 'Get the count of subscribers for shard channels', '7.0.0', 'O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels'), numsub('shard')),
  command(introspection('help', 2, 'Show helpful text about the different subcommands', '6.2.0', 'O(1)'), () => helpReply('pubsub', HELP)),
];

const pubsub: TableEntry = {
  kind: 'container',
  meta: pubsubMeta('pubsub', -2, [], 'A container for Pub/Sub commands', '2.8.0', 'Depends on subcommand.'),
  subcommands: new Map(pubsubSubcommands.map((entry) => [entry.meta.name.split('|')[1]!, entry] as const)),
};

/** The pub/sub commands, for the command table. */
export const pubsubCommands: readonly TableEntry[] = [subscribe, unsubscribe, psubscribe, punsubscribe, ssubscribe, sunsubscribe, publishCommand, spublish, pubsub];
