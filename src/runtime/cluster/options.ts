// The cluster flags of a node (`cairn server --id n1 --peers ...`), their defaults and checks:
// which members form the initial cluster (etcd's --initial-cluster), this node's own addresses
// (its client address it announces to the cluster, cluster/announce.ts), the --client-addrs
// overrides, the cluster id and the Raft timings. Without --peers a node
// is alone: id n1 unless --id says otherwise, no peer port unless --peer-port is given. Bad input
// throws CAIRN_INVALID_ARGUMENT naming the flag.

import { createHash } from 'node:crypto';
import { CairnError } from '../../lib/errors.js';
import { formatPeerAddress, parsePeerAddress, parsePeerList } from '../peer/address.js';
import { peerAuthSettings, refuseAddressIds, type PeerAuthFlags, type PeerAuthSettings } from './peer-auth.js';

export interface ClusterFlags extends PeerAuthFlags {
  id?: string | undefined;
  peerHost?: string | undefined;
  peerPort?: string | undefined;
  peers?: string | undefined;
  clientAddrs?: string | undefined;
  advertise?: string | undefined;
  clusterId?: string | undefined;
  tickMs?: string | undefined;
  electionTicks?: string | undefined;
  heartbeatTicks?: string | undefined;
  leaderWaitMs?: string | undefined;
  snapshotEvery?: string | undefined;
  join?: boolean | undefined;
  leaseReads?: boolean | undefined;
  httpPort?: string | undefined;
}

export interface ClusterSettings {
  readonly id: string;
  readonly clusterId: string;
  readonly peerHost: string;
  readonly peerPort: number;
  /** Every initial member's peer address, this node included. */
  readonly peers: ReadonlyMap<string, string>;
  /**
   * This node's own client address (--advertise, else its host and --port), which it announces
   * to the cluster, and the --client-addrs overrides for other members. Other members' addresses
   * come from the members themselves (the replicated address book), never from these flags' guesses.
   */
  readonly clients: ReadonlyMap<string, { host: string; port: number }>;
  readonly tickMs: number;
  readonly electionTimeoutTicks: number;
  readonly heartbeatIntervalTicks: number;
  readonly leaderWaitMs: number;
  readonly snapshotEveryEntries: number;
  /** A new node joining a running cluster (added with CLUSTER ADDNODE): it bootstraps no membership. */
  readonly join: boolean;
  /** Leader answers ReadIndex from its lease instead of a heartbeat round (assumes bounded clock drift). */
  readonly leaseReads: boolean;
  /** Where /health and /metrics are served (on the peer host), or null for none. */
  readonly httpPort: number | null;
  /** Peer TLS and the cluster secret (peer-auth.ts). */
  readonly peerAuth: PeerAuthSettings;
}

/** The id of a node started without --id or --peers: a one-member cluster. */
export const SOLO_NODE_ID = 'n1';

export const CLUSTER_DEFAULTS = {
  tickMs: 50,
  electionTimeoutTicks: 10,
  heartbeatIntervalTicks: 1,
  leaderWaitMs: 3000,
  snapshotEveryEntries: 10_000,
} as const;

function bad(message: string): CairnError {
  return new CairnError('CAIRN_INVALID_ARGUMENT', message);
}

function integer(flag: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^\d{1,9}$/.test(text)) throw bad(`${flag}: expected a whole number, got '${text}'`);
  const value = Number(text);
  if (value < min || value > max) throw bad(`${flag}: ${value} is outside ${min}..${max}`);
  return value;
}

/** Resolves the cluster flags of a node whose clients are served on clientHost:clientPort. */
export function clusterSettings(flags: ClusterFlags, clientHost: string, clientPort: number): ClusterSettings {
  // Alone, a node is n1 unless told otherwise; among --peers it must say which member it is.
  const id = flags.id ?? (flags.peers === undefined ? SOLO_NODE_ID : undefined);
  if (id === undefined || id === '') throw bad('--id: with --peers, say which member this node is (--id n1)');
  const peerHost = flags.peerHost ?? clientHost;
  // The derived id hashes the member list, which a joining node's list no longer matches.
  if (flags.join === true && flags.clusterId === undefined) throw bad('--join: give the running cluster\'s --cluster-id (CLUSTER INFO shows cairn_cluster_id)');
  const peers = flags.peers === undefined ? new Map<string, string>() : parsePeerList(flags.peers);
  const ownPeer = peers.get(id);
  const peerPort = integer('--peer-port', flags.peerPort, ownPeer === undefined ? 0 : parsePeerAddress(ownPeer).port, 1, 65_535);
  // A one-member cluster needs no fixed peer port (until members are added, nobody dials it).
  const alone = peers.size === 0 || (peers.size === 1 && ownPeer !== undefined);
  if (peerPort === 0 && !alone) throw bad('--peer-port: give the port peers connect to (or list this node in --peers)');
  if (ownPeer === undefined) peers.set(id, formatPeerAddress({ host: peerHost, port: peerPort }));
  const electionTimeoutTicks = integer('--election-ticks', flags.electionTicks, CLUSTER_DEFAULTS.electionTimeoutTicks, 2, 1000);
  const heartbeatIntervalTicks = integer('--heartbeat-ticks', flags.heartbeatTicks, CLUSTER_DEFAULTS.heartbeatIntervalTicks, 1, 1000);
  if (heartbeatIntervalTicks >= electionTimeoutTicks) throw bad('--heartbeat-ticks must be below --election-ticks');
  const peerAuth = peerAuthSettings(flags);
  refuseAddressIds(peerAuth, peers.keys());
  return {
    id,
    clusterId: flags.clusterId ?? derivedClusterId(peers),
    peerHost,
    peerPort,
    peers,
    clients: clientAddresses(flags, id, peers, clientHost, clientPort),
    tickMs: integer('--tick-ms', flags.tickMs, CLUSTER_DEFAULTS.tickMs, 1, 60_000),
    electionTimeoutTicks,
    heartbeatIntervalTicks,
    leaderWaitMs: integer('--leader-wait-ms', flags.leaderWaitMs, CLUSTER_DEFAULTS.leaderWaitMs, 1, 600_000),
    snapshotEveryEntries: integer('--snapshot-every', flags.snapshotEvery, CLUSTER_DEFAULTS.snapshotEveryEntries, 1, 100_000_000),
    join: flags.join === true,
    leaseReads: flags.leaseReads === true,
    httpPort: flags.httpPort === undefined ? null : integer('--http-port', flags.httpPort, 0, 0, 65_535),
    peerAuth,
  };
}

/**
 * This node's own client address — --advertise, else its --client-addrs entry, else its client
 * host (its peer host when that is 0.0.0.0 or ::) and port — and the --client-addrs overrides
 * for other members.
 */
function clientAddresses(
  flags: ClusterFlags,
  id: string,
  peers: ReadonlyMap<string, string>,
  clientHost: string,
  clientPort: number,
): Map<string, { host: string; port: number }> {
  const clients = new Map<string, { host: string; port: number }>();
  const listed = flags.clientAddrs === undefined ? new Map<string, string>() : parsePeerList(flags.clientAddrs);
  // Overrides for members not in --peers are kept: a member added later may be one of them.
  for (const [member, address] of listed) if (member !== id) clients.set(member, parsePeerAddress(address));
  const advertised = flags.advertise === undefined ? undefined : parsePeerAddress(flags.advertise);
  const ownListed = listed.get(id);
  // Listening on every interface says nothing about where others reach us: use our peer host then.
  const wildcard = clientHost === '0.0.0.0' || clientHost === '::';
  const ownPeer = peers.get(id);
  const ownHost = wildcard && ownPeer !== undefined ? parsePeerAddress(ownPeer).host : clientHost;
  clients.set(id, advertised ?? (ownListed === undefined ? { host: ownHost, port: clientPort } : parsePeerAddress(ownListed)));
  return clients;
}

/** The same on every node started with the same --peers: a hash of the sorted member list. */
export function derivedClusterId(peers: ReadonlyMap<string, string>): string {
  const members = [...peers.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([member, address]) => `${member}=${address}`);
  return `cairn-${createHash('sha256').update(members.join(',')).digest('hex').slice(0, 16)}`;
}
