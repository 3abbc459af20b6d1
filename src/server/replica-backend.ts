// The Backend over a Raft replica: the server's single write path (a node alone is a one-member
// cluster). On the leader a write entry is one proposal, acknowledged once committed on a
// majority and applied; on a follower it is relayed to the leader (cluster-relay.ts), and the
// leader checks relayed entries as a client's own and appends one only in the term the follower
// sent (relay-server.ts). A relay whose answer is lost is settled by the follower's own applied
// log (relayed-write.ts, relay-waiters.ts): the write's replies, or one more relay once the log
// proves the first can never commit — so across a failover a follower's client hears no "outcome
// unknown" while a new leader comes within the leader wait. Reads are linearizable (ReadIndex,
// served from this node's state once it has applied up to the read index; at once on a confirmed
// sole voter), unless the client chose READONLY: then they run at once on this node's applied
// state. With no leader, commands wait up to leaderWaitMs for one and then answer CLUSTERDOWN,
// never a wrong value. WATCH versions are read locally and checked when the entry is applied
// (versions are the same on every replica at the same index, and only grow, so a stale version
// can only abort).

import { Buffer } from 'node:buffer';
import { createHash, randomBytes } from 'node:crypto';
import { CairnError, errorMessage, isCairnError } from '../lib/errors.js';
import { bulkReply, errorReply, integerReply, type Reply } from '../lib/reply.js';
import type { Clock } from '../io/clock.js';
import { relayTagOf, type Entry } from '../kv/entry.js';
import type { KvState } from '../kv/state.js';
import type { KvMachine } from '../replica/kv-machine.js';
import type { RaftStorageStats } from '../replica/raft-storage.js';
import type { Replica } from '../replica/replica.js';
import { refuseAsRead, runsAsRead } from '../kv/read-only.js';
import type { Backend, ChangeListeners, InfoFields, KeyspaceFigures, ReadConsistency, RunningScript, WriteEntry } from './backend.js';
import { CLUSTER_DOWN, clusterCommand } from './cluster-commands.js';
import { ActiveExpiry } from './active-expiry.js';
import { Evictor } from './evictor.js';
import type { MemoryGuard } from './memory-guard.js';
import { isGet } from './local-read.js';
import { ReadScripts } from './read-scripts.js';
import type { ClusterMetrics } from './cluster-metrics.js';
import { LeaderRelay, type RelayOutcome } from './cluster-relay.js';
import { RelayServer } from './relay-server.js';
import { RelayWaiters } from './relay-waiters.js';
import { relayOnce, type RelayedWriteDeps, type RelayStep } from './relayed-write.js';
import type { ClusterTopology } from './cluster-topology.js';
import type { FsyncPolicy } from './config.js';
import { WriteOrigins } from './write-origins.js';
import type { KeyEvent } from '../kv/key-events.js';

export interface ReplicaBackendOptions {
  readonly replica: Replica<KvMachine>;
  readonly machine: KvMachine;
  readonly topology: ClusterTopology;
  readonly clock: Clock;
  /** How long a command waits for a leader before answering CLUSTERDOWN. */
  readonly leaderWaitMs: number;
  readonly relayConnectTimeoutMs: number;
  /** The cluster's requirepass (the relay authenticates with it), read when a link opens. */
  readonly password: () => string | undefined;
  readonly metrics: ClusterMetrics;
  /** The Raft log's fsync policy, for INFO persistence (RaftStorage's default, 'always', when not given). */
  readonly fsync?: FsyncPolicy;
  /** The log's figures (size, segments, syncs) for INFO persistence, when the runtime has them. */
  readonly storageStats?: () => RaftStorageStats;
  /** maxmemory's guard, shared with the server: with it, this node evicts by its policy while leading. */
  readonly memory?: MemoryGuard;
}

/** Largest encoded entry proposed (the log's record and the peer frame limits are 64 MiB). */
const entryBytesMax = 56 * 1024 * 1024;
/** Bound on the wait-and-retry loop of one command (each turn waits for a leader change or the deadline). */
const attemptsMax = 64;
const retry: RelayOutcome = Object.freeze({ kind: 'retry' });

export class ReplicaBackend implements Backend {
  private readonly relay: LeaderRelay;
  /** This follower's relayed writes waiting for their applied log to settle them. */
  private readonly waiters: RelayWaiters;
  private readonly relayed: RelayedWriteDeps;
  private readonly relayServer: RelayServer;
  /** Which client of this node wrote an applied entry (CLIENT TRACKING's NOLOOP). */
  private readonly origins = new WriteOrigins();
  private readonly expiry: ActiveExpiry;
  private readonly evictor: Evictor | undefined;
  /** Reads from this node's state, waiting for scripts; read-only scripts in steps. */
  private readonly local: ReadScripts;
  private lastStampMs = 0;
  /** The newest term in which this node, leading, saw a proposal or ReadIndex read go through (0: none). */
  private confirmedTerm = 0;
  /** Resolved and replaced whenever the role or the known leader changes. */
  private leaderChange: { promise: Promise<void>; resolve: () => void };

  constructor(private readonly options: ReplicaBackendOptions) {
    this.relay = new LeaderRelay(options.topology, options.password, options.relayConnectTimeoutMs);
    this.waiters = new RelayWaiters(options.topology.myId, randomBytes(8).toString('hex'));
    this.relayed = { relay: this.relay, waiters: this.waiters, clock: options.clock, verdictWaitMs: options.leaderWaitMs, tagged: (tag, client) => this.origins.relay(tag, client) };
    this.relayServer = new RelayServer({
      topology: options.topology,
      memory: options.memory,
      isLeader: () => this.isLeader(),
      propose: (entry, relayed) => this.proposeHere(entry, relayed),
    });
    // Every applied entry, of every kind (a new leader's empty entry moves the term on too); only
    // a tag of this boot's own relays is ever found among the waiters, whatever another kind's bytes hold.
    options.replica.watchApplied({
      applied: (_id, entry, replies) => this.waiters.applied(entry.term, relayTagOf(entry.data), replies),
      restored: (_id, snapshot) => this.waiters.restored(snapshot.meta.term),
    });
    this.expiry = new ActiveExpiry({
      clock: options.clock,
      state: () => options.machine.state,
      shouldRun: () => this.isLeader(),
      write: (entry) => this.writeAsLeader(entry),
    });
    this.evictor = options.memory === undefined ? undefined : new Evictor({
      clock: options.clock,
      state: () => options.machine.state,
      shouldRun: () => this.isLeader(),
      write: (entry) => this.writeAsLeader(entry),
      memory: options.memory,
    });
    this.local = new ReadScripts({
      replica: options.replica,
      machine: options.machine,
      clock: options.clock,
      nowMs: () => this.nowMs(),
      write: (argv, db) => this.write({ commands: [argv], watches: [], dbs: [db] }).then((replies) => replies[0]!, (error: unknown) => errorReply(`ERR ${errorMessage(error)}`)),
    });
    this.leaderChange = newSignal();
    this.expiry.start();
    this.evictor?.start();
  }

  /** maxmemory's guard this backend's evictor serves (the server must share it), if any. */
  get memory(): MemoryGuard | undefined {
    return this.options.memory;
  }

  /** The runtime calls this on every role or leader change: waiting commands try again. */
  leaderChanged(): void {
    const signal = this.leaderChange;
    this.leaderChange = newSignal();
    signal.resolve();
  }

  async write(entry: WriteEntry): Promise<Reply[]> {
    let deadlineMs = this.options.clock.monotonicMs() + this.options.leaderWaitMs;
    /** The newest term a leader said it was in (a stale-term refusal): the next relay asks for it. */
    let leaderTerm = 0;
    for (let attempt = 0; attempt < attemptsMax; attempt++) {
      // Taken before the attempt, so a change that happens during it is not missed.
      const changed = this.leaderChange.promise;
      const leaderId = this.options.topology.raft.leaderId();
      let outcome: RelayStep = retry;
      if (leaderId === this.options.topology.myId) outcome = await this.proposeHere(entry);
      else if (leaderId !== null) {
        const term = Math.max(this.options.topology.raft.term(), leaderTerm);
        outcome = await relayOnce(this.relayed, leaderId, entry, term);
        // The leader is in a later term than this node knows: ask again in its term, at once.
        if (outcome.kind === 'staleTerm' && outcome.term > term) {
          leaderTerm = outcome.term;
          continue;
        }
        // Never committed, proven by the applied log: relay again, with a fresh wait for a leader.
        if (outcome.kind === 'lost') {
          deadlineMs = Math.max(deadlineMs, this.options.clock.monotonicMs() + this.options.leaderWaitMs);
          continue;
        }
      }
      if (outcome.kind === 'replies') return outcome.replies;
      if (!(await this.waitForLeaderChange(changed, deadlineMs))) break;
    }
    // Never proposed: the whole entry fails as one, as a write that failed on the leader does.
    throw new CairnError('CAIRN_CLUSTER_DOWN', `no leader within ${this.options.leaderWaitMs} ms`);
  }

  /**
   * Proposes here while this node leads, never relayed: Cairn's own writes (active expiry,
   * eviction, membership announcements), which a leader refuses in a relayed entry. Rejects with
   * CAIRN_NOT_LEADER when this node does not lead (or lost the lead before appending).
   */
  async writeAsLeader(entry: WriteEntry): Promise<Reply[]> {
    const outcome = this.isLeader() ? await this.proposeHere(entry) : retry;
    if (outcome.kind !== 'replies') throw new CairnError('CAIRN_NOT_LEADER', 'not the leader: Cairn\'s own writes are never relayed');
    return outcome.replies;
  }

  read(argv: readonly Uint8Array[], consistency: ReadConsistency = 'linearizable', db = 0): Reply | Promise<Reply> {
    // CLUSTER and CAIRN.RELAY start with a 'c': other reads (GET above all) build no name string.
    if ((argv[0]![0]! | 0x20) === 0x63) {
      const name = Buffer.from(argv[0]!).toString('latin1').toLowerCase();
      if (name === 'cluster') return clusterCommand(this.options.topology, argv);
      if (name === 'cairn.relay') return this.relayServer.serve(argv.slice(1));
      if (name === 'cairn.digest') return this.digest();
    }
    // GET is a read; anything else is checked against kv's table (a write must go through the log).
    const refusal = isGet(argv[0]!) ? undefined : refuseAsRead(argv, this.options.machine.state);
    if (refusal !== undefined) return refusal;
    // A script in steps (in the log, or a read script) must not be seen half done: local.read waits.
    if (consistency === 'local' || this.readsLocallyAsSoleVoter()) return this.local.read(argv, db);
    return this.readLinearizable(() => this.local.read(argv, db)).then(
      (reply) => reply,
      (error: unknown) => (isCairnError(error, 'CAIRN_CLUSTER_DOWN') ? errorReply(CLUSTER_DOWN) : errorReply(`ERR ${errorMessage(error)}`)),
    );
  }

  /**
   * WATCH's version of a key. Linearizable by default: on a follower the applied state may not yet
   * hold the client's own relayed write, and a version read from it would abort the EXEC that
   * follows. Rejects with CAIRN_CLUSTER_DOWN when no leader confirms the read in time.
   */
  keyVersion(key: Uint8Array, consistency: ReadConsistency = 'linearizable', db = 0): number | Promise<number> {
    const binaryKey = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
    if (consistency === 'local' || this.readsLocallyAsSoleVoter()) {
      return this.local.whenIdle(() => this.options.machine.state.keyVersion(binaryKey, this.nowMs(), db));
    }
    return this.readLinearizable((state) => state.keyVersion(binaryKey, this.nowMs(), db));
  }

  /** How long a script has kept the state busy (an entry applying in steps, a read script), in ms; 0 when none does. */
  busyForMs(): number {
    const since = this.local.busySinceMs();
    return since === null ? 0 : Math.max(1, this.options.clock.monotonicMs() - since);
  }

  runningScript(): RunningScript | undefined {
    return this.local.script();
  }

  servesAsRead(argv: readonly Uint8Array[]): boolean {
    return runsAsRead(argv, this.options.machine.state);
  }
  onApplied = (listener: () => void): void => this.options.machine.onApplied(listener);

  onChanges({ published, keyEvents }: ChangeListeners): void {
    const fromIndex = this.options.replica.status().commitIndex + 1;
    if (published !== undefined) this.options.machine.onPublished((messages, events, index) => index >= fromIndex && published(messages, events, index));
    if (keyEvents !== undefined) this.options.machine.onKeyEvents((events, index, entry) => index >= fromIndex && keyEvents(events, index, this.origins.writerOf(entry)));
  }

  changes = (): KvState['changes'] => this.options.machine.state.changes;
  acl = (): KvState['acl'] => this.options.machine.state.acl;

  keyspace(): KeyspaceFigures {
    const state = this.options.machine.state;
    return { keys: state.keyCount, expires: state.expiringKeyCount, byDb: state.keyspaceByDb() };
  }

  /** The replicated script cache and function libraries, as INFO memory counts them. */
  memoryInfo(): InfoFields {
    const state = this.options.machine.state;
    return [['number_of_cached_scripts', state.scripts.size], ['number_of_functions', state.functions.functionCount], ['number_of_libraries', state.functions.libraryCount]];
  }

  persistenceInfo(): InfoFields {
    const raft = this.options.topology.raft;
    const failure = this.options.replica.failed();
    return [
      ['aof_last_write_status', failure === undefined ? 'ok' : 'err'],
      ['cairn_fsync', this.options.fsync ?? 'always'],
      ['cairn_role', raft.role()],
      ['cairn_term', raft.term()],
      ['cairn_leader', raft.leaderId() ?? ''],
      ['cairn_commit_index', raft.commitIndex()],
      ['cairn_applied_index', raft.appliedIndex()],
      ['cairn_log_last_index', raft.lastIndex()],
      ...this.logFields(),
      ['cairn_failure', failure?.message ?? ''],
    ];
  }

  /** The log on disk, as the single-node store reported it: bytes, first index, segments, syncs. */
  private logFields(): InfoFields {
    const stats = this.options.storageStats?.();
    if (stats === undefined) return [];
    return [['cairn_log_bytes', stats.sizeBytes], ['cairn_log_first_index', stats.firstIndex], ['cairn_log_segments', stats.segmentCount],
      ['cairn_sync_count', stats.syncCount], ['cairn_last_sync_ms', stats.lastSyncMs]];
  }

  async close(): Promise<void> {
    this.expiry.stop();
    this.evictor?.stop();
    this.relay.close();
    this.waiters.closeAll();
    await this.options.replica.close();
  }

  /**
   * A leader that is the only voter of its (latest) configuration, has confirmed an entry of its
   * term (a ReadIndex or a proposal went through in it) and has applied everything committed: no
   * other node can commit anything, so its applied state already holds every acknowledged write
   * and a read may run at once — as etcd answers a single-node ReadIndex without a round. This is
   * what makes a one-member cluster serve reads like the old single-node store.
   */
  private readsLocallyAsSoleVoter(): boolean {
    if (this.confirmedTerm === 0) return false;
    const status = this.options.replica.status();
    if (status.role !== 'leader' || status.term !== this.confirmedTerm) return false;
    const voters = status.membership.voters;
    if (voters.length !== 1 || voters[0] !== this.options.topology.myId) return false;
    return this.options.replica.appliedUpTo() >= status.commitIndex;
  }

  /** After a proposal or ReadIndex read in `term` succeeded here as leader: an entry of the term is committed. */
  private confirmTerm(term: number): void {
    if (this.isLeader()) this.confirmedTerm = Math.max(this.confirmedTerm, term);
  }

  private isLeader(): boolean {
    return this.options.topology.raft.leaderId() === this.options.topology.myId;
  }

  private nowMs(): number {
    return Math.floor(this.options.clock.nowMs());
  }

  /**
   * One proposal stamped with this leader's clock; 'retry' when it was certainly not committed. A
   * relayed entry keeps its tag and is appended only in the term its follower asked for.
   */
  private async proposeHere(entry: WriteEntry, relayed?: { readonly tag: Uint8Array | undefined; readonly term: number }): Promise<RelayOutcome> {
    this.lastStampMs = Math.max(this.lastStampMs, this.nowMs());
    if (relayed === undefined) this.origins.propose(entry.commands, entry.client);
    const data = this.options.machine.encodeProposal(stamped(entry, this.lastStampMs, relayed?.tag));
    if (data.length > entryBytesMax) throw new CairnError('CAIRN_INVALID_ARGUMENT', `a write of ${data.length} bytes is over the ${entryBytesMax}-byte entry limit`);
    const metrics = this.options.metrics;
    const startedMs = this.options.clock.monotonicMs();
    metrics.proposalsTotal++;
    try {
      const term = this.options.topology.raft.term();
      const replies = await this.options.replica.propose(data, relayed?.term);
      this.confirmTerm(term);
      metrics.observeCommitMs(this.options.clock.monotonicMs() - startedMs);
      return { kind: 'replies', replies };
    } catch (error) {
      metrics.proposalFailuresTotal++;
      // Refused before it was appended, or its index was taken by a later term: never committed.
      if (isCairnError(error, 'CAIRN_NOT_LEADER')) return retry;
      throw error;
    }
  }

  /**
   * CAIRN.DIGEST: [applied index, hex SHA-256 of the kv snapshot bytes], taken in one turn so the
   * two belong together. Replicas at the same index must answer alike (kv is deterministic); O(N)
   * in the keyspace, as Redis's DEBUG DIGEST is.
   */
  private digest(): Reply {
    const applied = this.options.replica.appliedUpTo();
    const hash = createHash('sha256').update(this.options.machine.state.encodeSnapshot()).digest('hex');
    return { type: 'array', items: [integerReply(applied), bulkReply(hash)] };
  }

  /** Runs `query` once this node has applied everything committed before the call (ReadIndex); rejects with CAIRN_CLUSTER_DOWN past the leader wait, or with the read's own error. */
  private async readLinearizable<T>(query: (state: KvState) => T): Promise<T> {
    const deadlineMs = this.options.clock.monotonicMs() + this.options.leaderWaitMs;
    for (let attempt = 0; attempt < attemptsMax; attempt++) {
      const signal = this.leaderChange.promise;
      if (this.options.topology.raft.leaderId() !== null) {
        const changed = signal.then(() => undefined);
        const term = this.options.topology.raft.term();
        const read = this.options.replica.read((machine) => query(machine.state)).then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        );
        const result = await Promise.race([read, changed]);
        if (result !== undefined && 'value' in result) {
          this.confirmTerm(term);
          return result.value;
        }
        // A read is safe to repeat: retry on a lost leader or a deadline, fail on anything else.
        if (result !== undefined && !isCairnError(result.error, 'CAIRN_NOT_LEADER') && !isCairnError(result.error, 'CAIRN_TIMEOUT')) {
          throw result.error;
        }
        if (this.options.clock.monotonicMs() >= deadlineMs) break;
        if (result === undefined) continue;
      }
      if (!(await this.waitForLeaderChange(signal, deadlineMs))) break;
    }
    throw new CairnError('CAIRN_CLUSTER_DOWN', 'no leader confirmed the read in time');
  }

  /** Waits for `changed` (a role or leader change signal) or the deadline; false once the deadline has passed. */
  private async waitForLeaderChange(changed: Promise<void>, deadlineMs: number): Promise<boolean> {
    const remainingMs = deadlineMs - this.options.clock.monotonicMs();
    if (remainingMs <= 0) return false;
    let timer: { cancel(): void } | undefined;
    const expired = new Promise<void>((resolve) => (timer = this.options.clock.setTimer(remainingMs, resolve)));
    await Promise.race([changed, expired]);
    timer?.cancel();
    return true;
  }
}

function newSignal(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** An entry as kv's entry codec takes it, stamped with `nowMs` and a relayed entry's tag (built directly: an object spread cost 1% of a -P 1 write). */
function stamped(entry: WriteEntry, nowMs: number, relayTag: Uint8Array | undefined): Entry {
  if (relayTag !== undefined) return entry.dbs === undefined ? { nowMs, commands: entry.commands, watches: entry.watches, relayTag } : { nowMs, commands: entry.commands, watches: entry.watches, dbs: entry.dbs, relayTag };
  if (entry.dbs === undefined) return { nowMs, commands: entry.commands, watches: entry.watches };
  return { nowMs, commands: entry.commands, watches: entry.watches, dbs: entry.dbs };
}
