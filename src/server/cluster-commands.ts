// The CLUSTER command of a replicated node: the cluster is one shard holding all 16384 slots whose
// primary is the Raft leader, so Redis Cluster clients (ioredis Cluster, redis-cli -c) send every
// key to the leader. SLOTS, SHARDS, NODES, INFO and MYID are answered from the node's own view
// (ADDNODE, REMOVENODE, TRANSFER, FAILOVER and MEMBERS go to the runtime's membership control;
// ANNOUNCE, a member telling the leader its client address, is refused here: members send it on
// the peer links, runtime/cluster/call-server.ts). Members
// whose client address is not known yet (not announced) are left out, never guessed; with no known
// leader, or none whose address is known, the topology commands answer CLUSTERDOWN rather than a
// wrong primary.

import { bulkReply, errorReply, integerReply, type Reply } from '../lib/reply.js';
import { arityError } from '../kv/args.js';
import { unknownSubcommand, type CommandMeta } from './command-table.js';
import { ClusterTopology, redisNodeId, type ClientAddress } from './cluster-topology.js';

export const CLUSTER_DOWN = 'CLUSTERDOWN The cluster is down';
/** What a client sending CLUSTER ANNOUNCE hears: only members announce, on the peer links. */
export const ANNOUNCE_FROM_CLIENT = 'ERR CLUSTER ANNOUNCE is internal: members announce their client addresses to the leader over the authenticated peer links, never a client connection';
const lastSlot = 16383;

function meta(name: string, arity: number, flags: readonly string[], summary: string): CommandMeta {
  return { name, arity, flags, firstKey: 0, lastKey: 0, keyStep: 0, group: 'cluster', since: '3.0.0', summary, complexity: 'O(N) where N is the number of nodes' };
}

/** Registered as read-only data commands: the backend answers them without touching the log. */
export const CLUSTER_COMMAND_METAS: readonly CommandMeta[] = [
  meta('cluster', -2, ['stale', 'loading'], 'Describes the cluster (SLOTS, SHARDS, NODES, INFO, MYID, MEMBERS), changes its membership (ADDNODE, REMOVENODE) and moves leadership (TRANSFER, FAILOVER)'),
  // A follower relaying its clients' write entries to the leader (cluster-relay.ts): on the peer
  // links only; named here so a client sending it hears why it is refused (replica-backend.ts).
  meta('cairn.relay', -2, ['stale'], 'Proposes entries relayed by a follower (internal: refused on client connections)'),
  // This node's applied index and a digest of its kv state there: equal pairs on two nodes mean equal states.
  meta('cairn.digest', 1, ['stale', 'loading'], 'Returns this node\'s applied index and a SHA-256 of its kv snapshot bytes at that index (replicas converge)'),
];

/** The subcommands the runtime's membership control answers, with their argument counts. */
const membershipArities = new Map<string, number>([['addnode', 3], ['removenode', 1], ['transfer', 1], ['failover', 0], ['members', 0]]);

const subcommands: Record<string, (topology: ClusterTopology) => Reply> = {
  slots: clusterSlots,
  shards: clusterShards,
  nodes: clusterNodes,
  info: clusterInfo,
  myid: (topology) => bulkReply(redisNodeId(topology.myId)),
  help: () => ({
    type: 'array',
    items: ['SLOTS', 'SHARDS', 'NODES', 'INFO', 'MYID', 'MEMBERS', 'ADDNODE <id> <peer-host:port> <client-host:port>', 'REMOVENODE <id>', 'TRANSFER <id>', 'FAILOVER'].map((name) => ({ type: 'simple', value: name }) as const),
  }),
};

/** CLUSTER <subcommand>: argv[0] is "cluster" in any case. */
export function clusterCommand(topology: ClusterTopology, argv: readonly Uint8Array[]): Reply | Promise<Reply> {
  const sub = Buffer.from(argv[1]!).toString('utf8');
  const name = sub.toLowerCase();
  const args = argv.slice(2).map((arg) => Buffer.from(arg).toString('utf8'));
  const wrongArity = arityError(`cluster|${name}`);
  const membershipArity = membershipArities.get(name);
  // Members announce to each other on the peer links (runtime/cluster/call-server.ts), never through a client.
  if (name === 'announce') return errorReply(ANNOUNCE_FROM_CLIENT);
  if (membershipArity !== undefined) {
    if (args.length !== membershipArity) return wrongArity;
    const membership = topology.membership;
    if (membership === undefined) return errorReply('ERR membership changes are not available on this node');
    if (name === 'addnode') return membership.add(args[0]!, args[1]!, args[2]!);
    if (name === 'removenode') return membership.remove(args[0]!);
    if (name === 'transfer') return membership.transfer(args[0]!);
    return name === 'failover' ? membership.failover() : membership.members();
  }
  // Own properties only: `CLUSTER constructor` must not reach Object.prototype.
  const handler = Object.hasOwn(subcommands, name) ? subcommands[name] : undefined;
  if (handler === undefined) return unknownSubcommand('cluster', sub);
  if (args.length !== 0) return wrongArity;
  return handler(topology);
}

interface Described {
  readonly id: string;
  readonly address: ClientAddress;
  readonly leader: boolean;
}

/** The leader first, then the followers whose address is known; a CLUSTERDOWN reply when no leader (with a known address) is. */
function describe(topology: ClusterTopology): Described[] | Reply {
  const leaderId = topology.raft.leaderId();
  if (leaderId === null) return errorReply(CLUSTER_DOWN);
  if (topology.clientAddress(leaderId) === undefined) return errorReply(`CLUSTERDOWN the leader ${leaderId} has not announced its client address yet`);
  const members = topology.knownMembers().map((m) => ({ ...m, leader: m.id === leaderId }));
  return [...members.filter((m) => m.leader), ...members.filter((m) => !m.leader)];
}

function clusterSlots(topology: ClusterTopology): Reply {
  const nodes = describe(topology);
  if (!Array.isArray(nodes)) return nodes;
  const endpoint = (n: Described): Reply => ({
    type: 'array',
    items: [bulkReply(n.address.host), integerReply(n.address.port), bulkReply(redisNodeId(n.id))],
  });
  return { type: 'array', items: [{ type: 'array', items: [integerReply(0), integerReply(lastSlot), ...nodes.map(endpoint)] }] };
}

function clusterShards(topology: ClusterTopology): Reply {
  const nodes = describe(topology);
  if (!Array.isArray(nodes)) return nodes;
  const applied = topology.raft.appliedIndex();
  const node = (n: Described): Reply => ({
    type: 'map',
    entries: [
      [bulkReply('id'), bulkReply(redisNodeId(n.id))],
      [bulkReply('port'), integerReply(n.address.port)],
      [bulkReply('ip'), bulkReply(n.address.host)],
      [bulkReply('endpoint'), bulkReply(n.address.host)],
      [bulkReply('role'), bulkReply(n.leader ? 'master' : 'replica')],
      [bulkReply('replication-offset'), integerReply(n.id === topology.myId ? applied : 0)],
      [bulkReply('health'), bulkReply('online')],
    ],
  });
  const shard: Reply = {
    type: 'map',
    entries: [
      [bulkReply('slots'), { type: 'array', items: [integerReply(0), integerReply(lastSlot)] }],
      [bulkReply('nodes'), { type: 'array', items: nodes.map(node) }],
    ],
  };
  return { type: 'array', items: [shard] };
}

/** One line per member in Redis's CLUSTER NODES format; only the leader owns slots. */
function clusterNodes(topology: ClusterTopology): Reply {
  const nodes = describe(topology);
  if (!Array.isArray(nodes)) return nodes;
  const leader = nodes.find((n) => n.leader)!;
  const epoch = topology.raft.term();
  const lines = nodes.map((n) => {
    const myself = n.id === topology.myId ? 'myself,' : '';
    const role = n.leader ? `${myself}master -` : `${myself}slave ${redisNodeId(leader.id)}`;
    const slots = n.leader ? ` 0-${lastSlot}` : '';
    return `${redisNodeId(n.id)} ${n.address.host}:${n.address.port}@0 ${role} 0 0 ${epoch} connected${slots}`;
  });
  return bulkReply(`${lines.join('\n')}\n`);
}

/** Redis's CLUSTER INFO fields, then Cairn's Raft facts (role, term, leader, indexes, follower lag). */
function clusterInfo(topology: ClusterTopology): Reply {
  const raft = topology.raft;
  const leaderId = raft.leaderId();
  const ok = leaderId !== null;
  const fields: [string, string | number][] = [
    ['cluster_enabled', 1],
    ['cluster_state', ok ? 'ok' : 'fail'],
    ['cluster_slots_assigned', ok ? lastSlot + 1 : 0],
    ['cluster_slots_ok', ok ? lastSlot + 1 : 0],
    ['cluster_slots_pfail', 0],
    ['cluster_slots_fail', 0],
    ['cluster_known_nodes', raft.members().length],
    ['cluster_size', 1],
    ['cluster_current_epoch', raft.term()],
    ['cluster_my_epoch', raft.term()],
    ['cairn_node_id', topology.myId],
    ['cairn_cluster_id', topology.clusterId],
    ['cairn_incarnation', raft.incarnation()],
    ['cairn_role', raft.role()],
    ['cairn_term', raft.term()],
    ['cairn_leader', leaderId ?? ''],
    ['cairn_members', raft.members().join(',')],
    ['cairn_learners', raft.learners().join(',')],
    ['cairn_commit_index', raft.commitIndex()],
    ['cairn_applied_index', raft.appliedIndex()],
    ['cairn_last_index', raft.lastIndex()],
    ['cairn_client_address', formatAddress(topology.clientAddress(topology.myId))],
    ['cairn_client_address_announced', topology.addresses?.announced() === true ? 'yes' : 'no'],
    ['cairn_client_addresses_unknown', topology.unknownMembers().join(',')],
    ...raft.followerMatch().map((f): [string, number] => [`cairn_follower_lag_${f.id}`, Math.max(0, raft.lastIndex() - f.matchIndex)]),
  ];
  return bulkReply(fields.map(([key, value]) => `${key}:${value}\r\n`).join(''));
}

function formatAddress(address: ClientAddress | undefined): string {
  if (address === undefined) return '';
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
