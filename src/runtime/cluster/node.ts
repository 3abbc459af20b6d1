// One replicated Cairn node: the Raft replica over the real disk (NodeDisk), clock (SystemClock)
// and peer transport (TcpPeerTransport), the state machine (kv plus the address book), a
// ReplicaBackend in front and the RESP server serving clients. Checks the data directory's cluster
// id, refuses a blank data dir under an id the running cluster already used (before it can vote),
// logs every role change with its reason. Used by `cairn server` with --id/--peers, by
// `cairn local-cluster` and by the cluster tests.

import { randomBytes, randomInt } from 'node:crypto';
import type { Server } from 'node:http';
import { assert } from '../../lib/assert.js';
import { Prng } from '../../lib/prng.js';
import { KV_COMMANDS } from '../../kv/commands.js';
import { RaftNode } from '../../raft/node.js';
import type { Message, Snapshot, SoftState } from '../../raft/types.js';
import type { KvMachine } from '../../replica/kv-machine.js';
import { RaftStorage } from '../../replica/raft-storage.js';
import { Replica } from '../../replica/replica.js';
import { listSnapshots } from '../../storage/snapshot.js';
import { CLUSTER_COMMAND_METAS } from '../../server/cluster-commands.js';
import { replicationFields } from '../../server/cluster-info.js';
import { ClusterMetrics } from '../../server/cluster-metrics.js';
import { ClusterTopology, type RaftView } from '../../server/cluster-topology.js';
import type { ServerSettings } from '../../server/config.js';
import { ReplicaBackend } from '../../server/replica-backend.js';
import { CairnServer } from '../../server/server.js';
import { WriteCoalescer } from '../../server/write-coalescer.js';
import { SystemClock } from '../clock.js';
import { derivedClusterId, type ClusterSettings } from './options.js';
import { startHttpEndpoint } from './http.js';
import { checkClusterId, settleClusterId } from './identity.js';
import { roleChangeReason, type ClusterLog, type RoleFacts } from './log.js';
import { ClusterMachine } from './machine.js';
import { MemberDirectory } from './members.js';
import { MembershipController } from './membership.js';
import { RemovalWatch } from './removal-watch.js';
import { refuseTakenIdentity } from './startup-check.js';
import { mostCaughtUpVoter, transferAndWait } from './transfer.js';
import { NodeDisk } from '../disk.js';
import { NoPeerTransport } from '../no-peer-transport.js';
import { TcpPeerTransport } from '../peer/transport.js';
import { TimedStorage } from './timed-storage.js';
import { cairnVersion } from '../server-main.js';

export interface ClusterNode {
  readonly server: CairnServer;
  readonly replica: Replica<KvMachine>;
  readonly topology: ClusterTopology;
  /** The peer transport, or null for a node alone started without a peer port (it listens for no peers). */
  readonly transport: TcpPeerTransport | null;
  /** Where this node listens for peers, or null when it does not. */
  readonly peerPort: number | null;
  /** The cluster id this node runs with: the one its data directory was first started with. */
  readonly clusterId: string;
  /** The /health and /metrics endpoint, when --http-port was given. */
  readonly http: Server | null;
  /**
   * Resolves with the reason when the node must stop on its own: a peer refused its data
   * directory's incarnation (the directory is a new one under an id the cluster knew with another).
   */
  readonly fatal: Promise<string>;
  /** Graceful stop: hands leadership to an up-to-date voter first (if leading), then closes. */
  close(): Promise<void>;
}

/** What `cairn server` says before exiting 1 when a peer refused this data directory's incarnation. */
export function staleIncarnationMessage(id: string, reportedBy: string): string {
  return `this data directory is a new incarnation of node ${id}, which the cluster knew as another ` +
    `(${reportedBy} refused it); a node that lost its data must rejoin under a new id ` +
    `(CLUSTER REMOVENODE ${id}, then CLUSTER ADDNODE <newid> and start with --join --id <newid>)`;
}

/** Longest a graceful stop waits for a leadership transfer to finish. */
const transferWaitMs = 2000;

export async function startClusterNode(settings: ServerSettings, cluster: ClusterSettings, log: ClusterLog, configFile?: string): Promise<ClusterNode> {
  assert(cluster.peers.has(cluster.id), 'the member list includes this node');
  const clock = new SystemClock();
  const { storage, clusterId, directory } = await openDataDir(settings, cluster, clock, log);
  const otherPeers = (): Map<string, string> => new Map([...directory.peers].filter(([id]) => id !== cluster.id));
  // A node alone without a peer port (plain `cairn server`) has nobody to talk to: no listener.
  const alone = cluster.peerPort === 0;
  assert(!alone || cluster.peers.size === 1, 'only a node alone runs without a peer port');
  let transport: TcpPeerTransport | null = null;
  try {
    if (!alone) transport = await TcpPeerTransport.start({
      nodeId: cluster.id,
      clusterId,
      listenHost: cluster.peerHost,
      listenPort: cluster.peerPort,
      // The others only: this node's own entry may carry port 0 (a one-member cluster).
      peers: otherPeers(),
      log,
    });
  } catch (error) {
    await storage.close();
    throw error;
  }
  const machine = new ClusterMachine(directory, (change, saved) => {
    // The transport learns the change at once; the book's file follows (a failed save is logged, the log or a snapshot brings it again).
    transport?.setPeers(otherPeers());
    log('cluster.addresses', change === 'restored' ? { change: 'restored from a snapshot', members: [...directory.peers.keys()] } : { change: change.kind, member: change.id });
    saved.catch((error: unknown) => log('cluster.addresses_not_saved', { error: error instanceof Error ? error.message : String(error) }));
  });
  const metrics = new ClusterMetrics();
  let facts: RoleFacts = { role: 'follower', term: 0, leaderId: null };
  let onLeaderChange = (): void => undefined;
  const observer = {
    softState(_id: string, soft: SoftState, term: number): void {
      const next: RoleFacts = { role: soft.role, term, leaderId: soft.leaderId };
      log('raft.role', { role: next.role, term, leader: next.leaderId, previousRole: facts.role, reason: roleChangeReason(facts, next) });
      facts = next;
      metrics.leaderChangesTotal++;
      onLeaderChange();
    },
    restored(_id: string, snapshot: Snapshot): void {
      log('raft.snapshot_installed', { index: snapshot.meta.index, term: snapshot.meta.term, bytes: snapshot.data.length, reason: 'too far behind the leader\'s compacted log' });
    },
    compacted(_id: string, snapshot: Snapshot): void {
      log('raft.compacted', { index: snapshot.meta.index, bytes: snapshot.data.length });
    },
  };
  const replica = await Replica.start(
    {
      id: cluster.id,
      initialVoters: [...cluster.peers.keys()],
      join: cluster.join,
      tickMs: cluster.tickMs,
      raft: { electionTimeoutTicks: cluster.electionTimeoutTicks, heartbeatIntervalTicks: cluster.heartbeatIntervalTicks, leaseBasedReads: cluster.leaseReads },
      prng: new Prng(randomInt(2 ** 47)),
      maxPendingProposals: 100_000,
      maxPendingReads: 100_000,
      requestTimeoutMs: Math.max(5000, cluster.leaderWaitMs),
      snapshotEveryEntries: cluster.snapshotEveryEntries,
      // 64 random bits for a data directory that has no incarnation yet (types.ts Incarnation).
      newIncarnation: () => randomBytes(8).toString('hex'),
    },
    { clock, transport: transport ?? new NoPeerTransport<Message>(), storage: new TimedStorage(storage, metrics.fsyncLatency), createNode: (config, persisted) => new RaftNode(config, persisted), observer },
    machine,
  ).catch(async (error: unknown) => {
    await transport?.close();
    await storage.close();
    throw error;
  });
  // Set once this node was removed from the cluster: it then names no leader and its role is 'removed'.
  let retired = false;
  const topology = new ClusterTopology(cluster.id, clusterId, directory.clients, raftView(replica, () => retired));
  const backend = new ReplicaBackend({
    replica,
    machine,
    topology,
    clock,
    leaderWaitMs: cluster.leaderWaitMs,
    fsync: settings.fsync,
    storageStats: () => storage.stats(),
    relayConnectTimeoutMs: 1000,
    password: () => settings.requirepass,
    metrics,
  });
  onLeaderChange = () => backend.leaderChanged();
  // Removed from the cluster: no more votes or log; clients get CLUSTERDOWN until the process stops.
  let watch: RemovalWatch | undefined;
  const retire = async (): Promise<void> => {
    retired = true;
    watch?.stop();
    onLeaderChange();
    await replica.close();
  };
  topology.membership = new MembershipController({
    replica,
    // Proposed here only, never relayed: a leader refuses a relayed CAIRN.MEMBER (relay-guard.ts).
    write: (entry) => backend.writeAsLeader(entry),
    book: directory,
    password: () => settings.requirepass,
    log,
    canGrow: !alone,
    transferWaitMs,
    retire,
  });
  let server: CairnServer;
  try {
    server = await CairnServer.listen({
      backend: new WriteCoalescer(backend),
      dataCommands: [...KV_COMMANDS.values(), ...CLUSTER_COMMAND_METAS],
      replicationInfo: () => replicationFields(topology),
      settings,
      clock,
      version: cairnVersion,
      ...(configFile === undefined ? {} : { configFile }),
    });
  } catch (error) {
    await backend.close();
    throw error;
  }
  // --port 0 (a node alone): the book and the topology carry the port the server got.
  if (settings.port === 0) directory.setOwnClient({ host: directory.clients.get(cluster.id)!.host, port: server.port });
  let http: Server | null = null;
  if (cluster.httpPort !== null) {
    try {
      http = await startHttpEndpoint(cluster.peerHost, cluster.httpPort, { topology, metrics, dataDir: settings.dir, failed: () => replica.failed() });
    } catch (error) {
      await server.close();
      throw error;
    }
  }
  let fail: (reason: string) => void = () => undefined;
  const fatal = new Promise<string>((resolve) => (fail = resolve));
  const refused = (reportedBy: string): void => {
    const reason = staleIncarnationMessage(cluster.id, reportedBy);
    log('cluster.stale_incarnation', { member: cluster.id, incarnation: replica.status().incarnation, reportedBy, reason });
    fail(reason);
  };
  // Started last: nothing after it can fail, so no error path has to stop it.
  watch = new RemovalWatch({ replica, book: directory, password: () => settings.requirepass, log, retire, refused });
  log('node.started', { clients: `${settings.host}:${server.port}`, peers: transport === null ? 'none' : `${cluster.peerHost}:${transport.listenPort}`, clusterId, incarnation: replica.status().incarnation, members: [...directory.peers.keys()] });
  return {
    server,
    replica,
    topology,
    transport,
    peerPort: transport === null ? null : transport.listenPort,
    clusterId,
    http,
    fatal,
    close: async () => {
      watch?.stop();
      await handOverLeadership(replica, log);
      await new Promise<void>((resolve) => (http === null ? resolve() : http.close(() => resolve())));
      await server.close();
    },
  };
}

/**
 * Opens the Raft log (taking the directory lock); a directory with no Raft state yet is first
 * checked against the running cluster (cluster/startup-check.ts), before this node can vote. Then
 * settles the directory's cluster id and loads its address book.
 */
async function openDataDir(
  settings: ServerSettings,
  cluster: ClusterSettings,
  clock: SystemClock,
  log: ClusterLog,
): Promise<{ storage: RaftStorage; clusterId: string; directory: MemberDirectory }> {
  const disk = new NodeDisk();
  const storage = await RaftStorage.open(disk, settings.dir, { fsync: settings.fsync, clock });
  // Opened first: the directory lock is held while its identity is read and written.
  const explicitClusterId = cluster.clusterId !== derivedClusterId(cluster.peers);
  const identity = { clusterId: cluster.clusterId, nodeId: cluster.id };
  try {
    const directory = await MemberDirectory.load(disk, settings.dir, cluster.id, cluster.peers, cluster.clients);
    // The first snapshot is written when the replica first starts: none means no term, vote or log.
    if ((await listSnapshots(disk, settings.dir)).length === 0) {
      const { clusterId } = await checkClusterId(disk, settings.dir, identity, explicitClusterId);
      await refuseTakenIdentity({ selfId: cluster.id, clusterId, clients: directory.clients, password: settings.requirepass, log });
    }
    const clusterId = await settleClusterId(disk, settings.dir, identity, explicitClusterId);
    if (clusterId !== cluster.clusterId) log('cluster.id_kept', { clusterId, fromFlags: cluster.clusterId, reason: 'the data directory was first started in this cluster' });
    return { storage, clusterId, directory };
  } catch (error) {
    await storage.close();
    throw error;
  }
}

/** The replica's facts for the server; a removed node names no leader, so its clients get CLUSTERDOWN instead of being relayed. */
function raftView(replica: Replica<KvMachine>, retired: () => boolean): RaftView {
  return {
    role: () => (retired() ? 'removed' : replica.status().role),
    term: () => replica.status().term,
    leaderId: () => (retired() ? null : replica.leaderHint()),
    commitIndex: () => replica.status().commitIndex,
    appliedIndex: () => replica.appliedUpTo(),
    lastIndex: () => replica.status().lastIndex,
    incarnation: () => replica.status().incarnation,
    members: () => {
      const membership = replica.status().membership;
      return [...membership.voters, ...membership.learners].sort();
    },
    learners: () => [...replica.status().membership.learners].sort(),
    followerMatch: () => replica.status().peers.map((p) => ({ id: p.id, matchIndex: p.matchIndex })),
  };
}

/** A leader stopping on purpose hands over to the most caught-up voter, so clients barely notice. */
async function handOverLeadership(replica: Replica<KvMachine>, log: ClusterLog): Promise<void> {
  if (replica.status().role !== 'leader' || replica.failed() !== undefined) return;
  const target = mostCaughtUpVoter(replica);
  if (target === undefined) return;
  log('raft.transfer', { to: target, reason: 'graceful shutdown' });
  try {
    await transferAndWait(replica, target, transferWaitMs);
  } catch (error) {
    log('raft.transfer_failed', { to: target, error: error instanceof Error ? error.message : String(error) });
  }
}
