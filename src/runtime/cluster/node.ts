// One replicated Cairn node: the Raft replica over the real disk (NodeDisk), clock (SystemClock)
// and peer transport (TcpPeerTransport), the state machine (kv plus the address book), a
// ReplicaBackend in front and the RESP server serving clients; announces this node's client
// address to the cluster (announce.ts). Checks the data directory's cluster id, refuses a blank data dir under an id the running cluster already used (before it can vote),
// logs every role change with its reason. Used by `cairn server` with --id/--peers, by
// `cairn local-cluster` and by the cluster tests.

import { errorMessage, type CairnError } from '../../lib/errors.js';
import { randomBytes, randomInt } from 'node:crypto';
import type { Server } from 'node:http';
import { assert } from '../../lib/assert.js';
import { Prng } from '../../lib/prng.js';
import { KV_COMMANDS } from '../../kv/commands.js';
import { RaftNode } from '../../raft/node.js';
import type { Message, Snapshot, SoftState } from '../../raft/types.js';
import type { KvMachine } from '../../replica/kv-machine.js';
import type { ReplicaObserver } from '../../replica/ports.js';
import { RaftStorage } from '../../replica/raft-storage.js';
import { Replica } from '../../replica/replica.js';
import { listSnapshots } from '../../storage/snapshot.js';
import { CLUSTER_COMMAND_METAS } from '../../server/cluster-commands.js';
import { replicationFields } from '../../server/cluster-info.js';
import { ClusterMetrics } from '../../server/cluster-metrics.js';
import { ClusterTopology, type RaftView } from '../../server/cluster-topology.js';
import type { ServerSettings } from '../../server/config.js';
import { MemoryGuard } from '../../server/memory-guard.js';
import { ReplicaBackend } from '../../server/replica-backend.js';
import { CairnServer } from '../../server/server.js';
import { WriteCoalescer } from '../../server/write-coalescer.js';
import { EVENT_LOOP_SNAPSHOT_PACE, eventLoopTurn, gatherTurns, SystemClock } from '../clock.js';
import type { ClusterSettings } from './options.js';
import { startHttpEndpoint } from './http.js';
import { checkClusterId, settleClusterId } from './identity.js';
import { roleChangeReason, type ClusterLog, type RoleFacts } from './log.js';
import { ClusterMachine } from './machine.js';
import { MemberDirectory } from './members.js';
import { MembershipController } from './membership.js';
import { AddressAnnouncer, ADDRESSES_OF_A_NODE_ALONE } from './announce.js';
import { RemovalWatch } from './removal-watch.js';
import { StartUndo } from './start-steps.js';
import { flagIdentity, settleBlankIdentity } from './startup-check.js';
import { MemberCaller } from './call.js';
import { memberCallHandler } from './call-server.js';
import { NO_MEMBER_CALLS, type MemberCalls } from '../../server/cluster-relay-link.js';
import { handOverLeadership, transferWaitMs } from './transfer.js';
import { NodeDisk } from '../disk.js';
import { NoPeerTransport } from '../no-peer-transport.js';
import { TcpPeerTransport } from '../peer/transport.js';
import { TimedStorage } from './timed-storage.js';
import { PeerAuth, tlsKnobs } from './peer-auth.js';
import { clientTlsOptions } from './client-tls.js';
import { IdleCollector } from './idle-gc.js';
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
  /** Re-reads the peer TLS files and cluster secret file (SIGHUP); returns what failed to load (the old stays in use). */
  reloadPeerAuth(): CairnError[];
  /** Graceful stop: hands leadership to an up-to-date voter first (if leading), then closes. */
  close(): Promise<void>;
}

/** What `cairn server` says before exiting 1 when a peer refused this data directory's incarnation. */
export function staleIncarnationMessage(id: string, reportedBy: string): string {
  return `this data directory is a new incarnation of node ${id}, which the cluster knew as another ` +
    `(${reportedBy} refused it); a node that lost its data must rejoin under a new id ` +
    `(CLUSTER REMOVENODE ${id}, then CLUSTER ADDNODE <newid> and start with --join --id <newid>)`;
}

/** What every start step reads: the flags, the log and the undo list it registers with. */
interface StartContext {
  readonly settings: ServerSettings;
  readonly cluster: ClusterSettings;
  readonly log: ClusterLog;
  readonly clock: SystemClock;
  readonly undo: StartUndo;
}

/** Set once this node was removed from the cluster: it then names no leader and its role is 'removed'. */
interface Retirement {
  retired: boolean;
  watch: RemovalWatch | undefined;
  announcer: AddressAnnouncer | undefined;
  /** The backend's hook: writes waiting for a leader (or for its client address) try again. */
  onLeaderChange: () => void;
}

/**
 * Starts the node step by step; each step registers its undo (start-steps.ts), so a failing step
 * undoes the earlier ones in reverse and close() undoes them all.
 */
export async function startClusterNode(settings: ServerSettings, cluster: ClusterSettings, log: ClusterLog, configFile?: string): Promise<ClusterNode> {
  assert(cluster.peers.has(cluster.id), 'the member list includes this node');
  const undo = new StartUndo();
  const start: StartContext = { settings, cluster, log, clock: new SystemClock(), undo };
  // Certificate and secret files first: a bad one stops the start before anything is opened.
  const peerAuth = new PeerAuth(cluster.peerAuth, tlsKnobs(settings.tls));
  const { storage, clusterId, directory, blank } = await undo.step(() => openDataDir(start));
  const transport = await undo.step(() => startTransport(start, { clusterId, directory, peerAuth }));
  const calls: MemberCalls = transport === null ? NO_MEMBER_CALLS : new MemberCaller(transport);
  if (blank) await undo.step(() => settleBlankIdentity({ cluster, dir: settings.dir, clusterId, transport, calls, log, others: otherPeers(directory, cluster.id) }));
  const retirement: Retirement = { retired: false, watch: undefined, announcer: undefined, onLeaderChange: () => undefined };
  const idle = new IdleCollector();
  const { replica, machine, metrics } = await undo.step(() => startReplica(start, { storage, transport, directory, retirement, idle }));
  const { backend, topology } = await undo.step(() => startBackend(start, { clusterId, directory, storage, replica, machine, metrics, retirement, calls, alone: transport === null }));
  transport?.onCall(memberCallHandler({ topology, relay: (args) => backend.relayServer.serve(args) }));
  const server = await undo.step(() => startServer(start, { backend, topology, directory, configFile }));
  idle.watchClients(() => server.stats.commandsProcessed);
  // A node alone without a peer listener has nobody to tell its client address to (and no peer address to give).
  if (transport === null) topology.addresses = ADDRESSES_OF_A_NODE_ALONE;
  else await undo.step(() => startAnnouncer(start, { backend, topology, directory, replica, retirement, calls }));
  const http = await undo.step(() => startHttp(start, { topology, metrics, replica }));
  const { fatal } = await undo.step(() => startRemovalWatch(start, { replica, directory, retirement, calls }));
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
    reloadPeerAuth: () => peerAuth.reload(log, tlsKnobs(server.settings.tls)),
    close: async () => {
      retirement.watch?.stop();
      await handOverLeadership(replica, log);
      await undo.unwind();
    },
  };
}

/** The peer listener, or null for a node alone without a peer port (plain `cairn server`): nobody to talk to. */
async function startTransport(start: StartContext, parts: { clusterId: string; directory: MemberDirectory; peerAuth: PeerAuth }): Promise<TcpPeerTransport | null> {
  const { cluster, log } = start;
  const { clusterId, directory, peerAuth } = parts;
  const alone = cluster.peerPort === 0;
  assert(!alone || cluster.peers.size === 1, 'only a node alone runs without a peer port');
  if (alone) return null;
  peerAuth.describe(log);
  const transport = await TcpPeerTransport.start({
    nodeId: cluster.id,
    clusterId,
    security: peerAuth.security,
    listenHost: cluster.peerHost,
    listenPort: cluster.peerPort,
    // The others only: this node's own entry may carry port 0 (a one-member cluster).
    peers: otherPeers(directory, cluster.id),
    log,
  });
  start.undo.add('transport', () => transport.close());
  return transport;
}

function otherPeers(directory: MemberDirectory, selfId: string): Map<string, string> {
  return new Map([...directory.peers].filter(([id]) => id !== selfId));
}

/** The state machine (kv and the address book) and the Raft replica over storage and transport; the replica then owns both. */
async function startReplica(
  start: StartContext,
  parts: { storage: RaftStorage; transport: TcpPeerTransport | null; directory: MemberDirectory; retirement: Retirement; idle: IdleCollector },
): Promise<{ replica: Replica<KvMachine>; machine: ClusterMachine; metrics: ClusterMetrics }> {
  const { cluster, log, clock } = start;
  const { storage, transport, directory, retirement, idle } = parts;
  const machine = new ClusterMachine(directory, (change, saved) => {
    // The transport learns the change at once; the book's file follows (a failed save is logged, the log or a snapshot brings it again).
    transport?.setPeers(otherPeers(directory, cluster.id));
    log('cluster.addresses', change === 'restored' ? { change: 'restored from a snapshot', members: [...directory.peers.keys()] } : { change: change.kind, member: change.id });
    // A write waiting to be relayed to a leader whose client address was unknown tries again.
    retirement.onLeaderChange();
    saved.catch((error: unknown) => log('cluster.addresses_not_saved', { error: errorMessage(error) }));
  });
  const metrics = new ClusterMetrics();
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
    { clock, transport: transport ?? new NoPeerTransport<Message>(), storage: new TimedStorage(storage, metrics.fsyncLatency), createNode: (config, persisted) => new RaftNode(config, persisted), observer: roleObserver(log, metrics, retirement, idle), yieldTurn: eventLoopTurn, gatherTurn: gatherTurns },
    machine,
  );
  start.undo.takeOver(transport === null ? ['storage'] : ['storage', 'transport'], 'replica', () => replica.close());
  return { replica, machine, metrics };
}

/** Logs every role change with its reason, counts it and tells the backend (through the retirement's hook); a quiet node collects its garbage after a compaction (idle-gc.ts). */
function roleObserver(log: ClusterLog, metrics: ClusterMetrics, retirement: Retirement, idle: IdleCollector): ReplicaObserver {
  let facts: RoleFacts = { role: 'follower', term: 0, leaderId: null };
  return {
    softState(_id: string, soft: SoftState, term: number): void {
      const next: RoleFacts = { role: soft.role, term, leaderId: soft.leaderId };
      log('raft.role', { role: next.role, term, leader: next.leaderId, previousRole: facts.role, reason: roleChangeReason(facts, next) });
      facts = next;
      metrics.leaderChangesTotal++;
      retirement.onLeaderChange();
    },
    restored(_id: string, snapshot: Snapshot): void {
      log('raft.snapshot_installed', { index: snapshot.meta.index, term: snapshot.meta.term, bytes: snapshot.data.length, reason: 'too far behind the leader\'s compacted log' });
    },
    applied(): void {
      idle.applied();
    },
    compacted(_id: string, snapshot: Snapshot): void {
      log('raft.compacted', { index: snapshot.meta.index, bytes: snapshot.data.length });
      idle.compacted();
    },
  };
}

/** The topology, the backend in front of the replica (which it then owns) and the membership controller. */
function startBackend(
  start: StartContext,
  parts: { clusterId: string; directory: MemberDirectory; storage: RaftStorage; replica: Replica<KvMachine>; machine: ClusterMachine; metrics: ClusterMetrics; retirement: Retirement; calls: MemberCalls; alone: boolean },
): { backend: ReplicaBackend; topology: ClusterTopology } {
  const { settings, cluster, log, clock } = start;
  const { directory, storage, replica, retirement } = parts;
  const topology = new ClusterTopology(cluster.id, parts.clusterId, directory.clients, raftView(replica, () => retirement.retired));
  const backend = new ReplicaBackend({
    replica,
    machine: parts.machine,
    topology,
    clock,
    leaderWaitMs: cluster.leaderWaitMs,
    fsync: settings.fsync,
    storageStats: () => storage.stats(),
    calls: parts.calls,
    metrics: parts.metrics,
    memory: new MemoryGuard(settings, () => parts.machine.state),
  });
  start.undo.takeOver(['replica'], 'backend', () => backend.close());
  retirement.onLeaderChange = () => backend.leaderChanged();
  topology.membership = new MembershipController({
    replica,
    // Proposed here only, never relayed: a leader refuses a relayed CAIRN.MEMBER (relay-guard.ts).
    write: (entry) => backend.writeAsLeader(entry),
    book: directory,
    calls: parts.calls,
    log,
    canGrow: !parts.alone,
    transferWaitMs,
    retire: () => retire(replica, retirement),
  });
  return { backend, topology };
}

/** Removed from the cluster: no more votes or log; clients get CLUSTERDOWN until the process stops. */
async function retire(replica: Replica<KvMachine>, retirement: Retirement): Promise<void> {
  retirement.retired = true;
  retirement.watch?.stop();
  retirement.announcer?.stop();
  retirement.onLeaderChange();
  await replica.close();
}

/** The RESP server (it then owns the backend); a node alone on --port 0 learns its port here. */
async function startServer(
  start: StartContext,
  parts: { backend: ReplicaBackend; topology: ClusterTopology; directory: MemberDirectory; configFile: string | undefined },
): Promise<CairnServer> {
  const { settings, clock, cluster } = start;
  const { topology, directory, configFile } = parts;
  const server = await CairnServer.listen({
    backend: new WriteCoalescer(parts.backend),
    dataCommands: [...KV_COMMANDS.values(), ...CLUSTER_COMMAND_METAS],
    replicationInfo: () => replicationFields(topology),
    settings,
    clock,
    ...(parts.backend.memory === undefined ? {} : { memory: parts.backend.memory }),
    version: cairnVersion,
    ...(configFile === undefined ? {} : { configFile }),
    ...clientTlsOptions(settings.tls, start.log),
  });
  start.undo.takeOver(['backend'], 'server', () => server.close());
  // --port 0 (a node alone, or the plain port off): the book and the topology carry the client port the server got.
  if (settings.port === 0) directory.setOwnClient({ host: directory.clients.get(cluster.id)!.host, port: server.port });
  return server;
}

/** Announces this node's client address (once it is bound) to the cluster, and answers CLUSTER ANNOUNCE while leading. */
function startAnnouncer(
  start: StartContext,
  parts: { backend: ReplicaBackend; topology: ClusterTopology; directory: MemberDirectory; replica: Replica<KvMachine>; retirement: Retirement; calls: MemberCalls },
): void {
  const { log } = start;
  const announcer = new AddressAnnouncer({ replica: parts.replica, book: parts.directory, write: (entry) => parts.backend.writeAsLeader(entry), calls: parts.calls, log });
  parts.topology.addresses = announcer;
  parts.retirement.announcer = announcer;
  announcer.start();
  start.undo.add('announcer', () => announcer.stop());
}

/** The /health and /metrics endpoint, when --http-port was given. */
async function startHttp(start: StartContext, parts: { topology: ClusterTopology; metrics: ClusterMetrics; replica: Replica<KvMachine> }): Promise<Server | null> {
  const { settings, cluster } = start;
  if (cluster.httpPort === null) return null;
  const http = await startHttpEndpoint(cluster.peerHost, cluster.httpPort, { topology: parts.topology, metrics: parts.metrics, dataDir: settings.dir, failed: () => parts.replica.failed() });
  start.undo.add('http', () => new Promise<void>((resolve) => http.close(() => resolve())));
  return http;
}

/** Watches for this node's removal and for a peer refusing its incarnation; resolves `fatal` with the reason for the latter. */
function startRemovalWatch(start: StartContext, parts: { replica: Replica<KvMachine>; directory: MemberDirectory; retirement: Retirement; calls: MemberCalls }): { fatal: Promise<string> } {
  const { cluster, log } = start;
  const { replica, retirement } = parts;
  let fail: (reason: string) => void = () => undefined;
  const fatal = new Promise<string>((resolve) => (fail = resolve));
  const refused = (reportedBy: string): void => {
    const reason = staleIncarnationMessage(cluster.id, reportedBy);
    log('cluster.stale_incarnation', { member: cluster.id, incarnation: replica.status().incarnation, reportedBy, reason });
    fail(reason);
  };
  const watch = new RemovalWatch({ replica, book: parts.directory, calls: parts.calls, log, retire: () => retire(replica, retirement), refused });
  retirement.watch = watch;
  start.undo.add('watch', () => watch.stop());
  return { fatal };
}

/**
 * Opens the Raft log (taking the directory lock) and loads the address book; reads the directory's
 * cluster id, and settles it now unless the directory holds no Raft state yet (`blank`): that one
 * is settled by settleIdentity, after the start-up check.
 */
async function openDataDir(start: StartContext): Promise<{ storage: RaftStorage; clusterId: string; directory: MemberDirectory; blank: boolean }> {
  const { settings, cluster, clock, log } = start;
  const disk = new NodeDisk();
  const storage = await RaftStorage.open(disk, settings.dir, { fsync: settings.fsync, clock, snapshotPace: EVENT_LOOP_SNAPSHOT_PACE });
  // Opened first: the directory lock is held while its identity is read and written.
  const { identity, explicit } = flagIdentity(cluster);
  try {
    const directory = await MemberDirectory.load(disk, settings.dir, cluster.id, cluster.peers, cluster.clients);
    // The first snapshot is written when the replica first starts: none means no term, vote or log.
    const blank = (await listSnapshots(disk, settings.dir)).length === 0;
    const clusterId = blank ? (await checkClusterId(disk, settings.dir, identity, explicit)).clusterId : await settleClusterId(disk, settings.dir, identity, explicit);
    if (clusterId !== cluster.clusterId) log('cluster.id_kept', { clusterId, fromFlags: cluster.clusterId, reason: 'the data directory was first started in this cluster' });
    start.undo.add('storage', () => storage.close());
    return { storage, clusterId, directory, blank };
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
