// LocalNode: a one-member Raft cluster in a local folder, the engine of the embedded KVStore.
// RaftStorage + Replica + KvMachine with a transport that has no peers — the same write path as a
// replicated node, with a cluster of one:
//
//   LocalNode.open({ dir, disk, clock, fsync })  lock and recover the folder, lead at once, resolve
//                                                once everything in the log is applied
//   node.write(commands, watches?)               stamp the clock's time into one kv entry, propose
//                                                it, resolve with its replies once it is committed
//                                                (durable as the fsync policy promises) and applied
//   node.getValueByBinaryKey(key), node.state    synchronous reads of the applied state
//   node.compact(), node.stats(), node.recovery, node.close()
//
// Reads are synchronous and still linearizable: this node is the only voter, so no entry can be
// committed anywhere but here, and the folder lock keeps any other process out; a write is
// acknowledged only after it is applied here, so the applied state holds every acknowledged write
// (and whatever is applied is committed: it may be a write whose promise has not resolved yet,
// which a linearizable read may see). No ReadIndex round is needed.

import { assert } from '../lib/assert.js';
import { CairnError, isCairnError } from '../lib/errors.js';
import { Prng } from '../lib/prng.js';
import type { Reply } from '../lib/reply.js';
import type { Clock } from '../io/clock.js';
import type { Disk } from '../io/disk.js';
import { encodeEntry, type EntryWatch } from '../kv/entry.js';
import { refuseAsRead } from '../kv/read-only.js';
import type { KvState } from '../kv/state.js';
import { RaftNode } from '../raft/node.js';
import { EntryKind } from '../raft/types.js';
import type { Entry, Membership, Message, PersistedState, Snapshot } from '../raft/types.js';
import { KvMachine } from '../replica/kv-machine.js';
import type { ReplicaObserver } from '../replica/ports.js';
import { RaftStorage } from '../replica/raft-storage.js';
import { Replica } from '../replica/replica.js';
import type { FsyncPolicy } from '../storage/fsync-policy.js';
import { RECORD_PAYLOAD_BYTES_MAX } from '../storage/record.js';
import { MICROTASK_PACE } from '../storage/snapshot.js';
import type { LocalRecovery } from './local-recovery.js';
import { NoPeerTransport } from './no-peer-transport.js';

/** The node id of every one-member folder opened here. */
export const LOCAL_NODE_ID = 'local';

export interface LocalNodeOptions {
  readonly dir: string;
  readonly disk: Disk;
  readonly clock: Clock;
  /** Default 'always'; docs/STORAGE.md says what each policy promises. */
  readonly fsync?: FsyncPolicy;
  readonly segmentBytesMax?: number;
  /** Snapshot and compact once this many entries were applied since the last snapshot (default 1,000,000). */
  readonly snapshotEveryEntries?: number;
  /** ...or once the log outgrows max(this, the last snapshot's size) in bytes (default 64 MiB). */
  readonly compactionMinBytes?: number;
  /** Writes proposed but not yet applied; beyond it write() rejects with CAIRN_BUSY (default 65,536). */
  readonly maxPendingWrites?: number;
  /** What the replica yields between a snapshot's steps (ReplicaIo.yieldTurn): the real store's event-loop turn; default a microtask (simulation). */
  readonly yieldTurn?: () => Promise<void>;
}

export interface LocalNodeStats {
  readonly fsync: FsyncPolicy;
  readonly term: number;
  readonly logBytes: number;
  readonly logFirstIndex: number;
  readonly logLastIndex: number;
  readonly segmentCount: number;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  /** fdatasyncs of the log so far (one per Ready under 'always': a group commit). */
  readonly syncCount: number;
  /** Clock time of the last completed fdatasync of the log, 0 before the first. */
  readonly lastSyncMs: number;
  readonly pendingWrites: number;
  readonly snapshotIndex: number;
  readonly snapshotBytes: number;
  readonly compactions: number;
  readonly keyCount: number;
  /** Why the node stopped (a failed fsync: fail-stop), or null while healthy. */
  readonly failure: string | null;
}

const SNAPSHOT_EVERY_ENTRIES_DEFAULT = 1_000_000;
const COMPACTION_MIN_BYTES_DEFAULT = 64 * 1024 * 1024;
const PENDING_WRITES_MAX_DEFAULT = 65_536;
/** A write or the opening catch-up not settled this long after it began fails (outcome unknown). */
const REQUEST_TIMEOUT_MS = 60_000;
const TICK_MS = 100;
const SIZE_CHECK_EVERY_WRITES = 64;
/** A sole voter needs no election timeout; the core still wants one, and the seed only feeds it. */
const ELECTION_TIMEOUT_TICKS = 10;
const PRNG_SEED = 1;

/** Counts what the replica reports while the node opens and runs. */
class Tally implements ReplicaObserver {
  opening = true;
  replayedEntries = 0;
  snapshotIndex = 0;
  snapshotBytes = 0;
  compactions = 0;

  loaded(_id: string, state: PersistedState): void {
    this.snapshotIndex = state.snapshot.meta.index;
    this.snapshotBytes = state.snapshot.data.length;
  }

  applied(_id: string, entry: Entry): void {
    if (this.opening && entry.kind === EntryKind.NORMAL) this.replayedEntries++;
  }

  compacted(_id: string, snapshot: Snapshot): void {
    this.compactions++;
    this.snapshotIndex = snapshot.meta.index;
    this.snapshotBytes = snapshot.data.length;
  }
}

export class LocalNode {
  private lastStampMs = 0;
  private closing = false;
  private pendingWrites = 0;
  private compaction: Promise<void> | null = null;
  private writesSinceSizeCheck = 0;
  private readonly inFlight = new Set<Promise<unknown>>();

  private constructor(
    private readonly options: LocalNodeOptions,
    private readonly storage: RaftStorage,
    private readonly replica: Replica<KvMachine>,
    private readonly machine: KvMachine,
    private readonly tally: Tally,
    readonly recovery: LocalRecovery,
  ) {}

  static async open(options: LocalNodeOptions): Promise<LocalNode> {
    const { dir, disk, clock } = options;
    const fsync = options.fsync ?? 'always';
    const snapshotPace = options.yieldTurn === undefined ? MICROTASK_PACE : { ...MICROTASK_PACE, yieldTurn: options.yieldTurn };
    const storage = await RaftStorage.open(disk, dir, { fsync, clock, segmentBytesMax: options.segmentBytesMax, snapshotPace });
    const machine = new KvMachine();
    const tally = new Tally();
    const replica = await startReplica(options, storage, machine, tally).catch(async (error: unknown) => {
      await storage.close().catch(() => undefined);
      throw error;
    });
    try {
      const membership = replica.status().membership;
      if (!isSoleVoter(membership)) {
        throw new CairnError('CAIRN_INVALID_ARGUMENT', `${dir} holds a cluster member's data (voters: ${membership.voters.join(', ') || 'none'}), not a one-member folder; run it with cairn server --id`);
      }
      // The sole voter leads at once; this resolves once its no-op, and so the whole log, is applied.
      await replica.read(() => undefined);
    } catch (error) {
      await replica.close().catch(() => undefined);
      throw error;
    }
    tally.opening = false;
    const recovery: LocalRecovery = {
      snapshotIndex: tally.snapshotIndex,
      snapshotBytes: tally.snapshotBytes,
      skippedSnapshots: storage.skippedSnapshots,
      replayedEntries: tally.replayedEntries,
      truncatedTail: storage.recovery.truncatedTail,
    };
    return new LocalNode(options, storage, replica, machine, tally, recovery);
  }

  get fsync(): FsyncPolicy {
    return this.storage.fsync;
  }

  /** The applied state (read access: getValue, keyCount, execute of read-only commands). */
  get state(): KvState {
    return this.machine.state;
  }

  get appliedIndex(): number {
    return this.replica.appliedUpTo();
  }

  /** Proposes the commands as one entry (applied atomically, in order); resolves with one reply per command. */
  write(commands: readonly (readonly Uint8Array[])[], watches: readonly EntryWatch[] = []): Promise<Reply[]> {
    const refusal = this.writeRefusal(commands);
    if (refusal !== null) return Promise.reject(refusal);
    this.lastStampMs = Math.max(this.lastStampMs, Math.floor(this.options.clock.nowMs()));
    const data = encodeEntry({ nowMs: this.lastStampMs, commands, watches });
    // Checked here: the log would refuse it, and a refused append stops the node.
    if (data.length > RECORD_PAYLOAD_BYTES_MAX) {
      return Promise.reject(new CairnError('CAIRN_INVALID_ARGUMENT', `a write of ${data.length} bytes is over the ${RECORD_PAYLOAD_BYTES_MAX}-byte log record limit`));
    }
    this.pendingWrites++;
    const applied = this.replica.propose(data).then(
      (replies) => {
        this.settled(applied);
        this.maybeCompactBySize();
        return replies;
      },
      (error: unknown) => {
        this.settled(applied);
        throw this.failure() ?? error;
      },
    );
    this.inFlight.add(applied);
    return applied;
  }

  /** GET by the key's bytes as a latin1 string. The result is the state's own bytes: do not mutate. */
  getValueByBinaryKey(binaryKey: string): Uint8Array | undefined {
    if (this.closing) throw new CairnError('CAIRN_CLOSED', `${this.options.dir} is closed`);
    return this.machine.state.getValue(binaryKey, this.nowStampMs());
  }

  /** Runs a read-only command against the applied state at the clock's time (a write command gets an error reply). */
  read(argv: readonly Uint8Array[]): Reply {
    if (this.closing) throw new CairnError('CAIRN_CLOSED', `${this.options.dir} is closed`);
    return refuseAsRead(argv) ?? this.machine.state.execute(argv, this.nowStampMs());
  }

  /** Snapshots the applied state and drops the log it covers; resolves once that is durable. */
  async compact(): Promise<void> {
    if (this.closing) throw new CairnError('CAIRN_CLOSED', `${this.options.dir} is closed`);
    await this.replica.compactNow().catch((error: unknown) => {
      throw this.failure() ?? error;
    });
  }

  stats(): LocalNodeStats {
    const log = this.storage.stats();
    const status = this.replica.status();
    return {
      fsync: log.fsync,
      term: status.term,
      logBytes: log.sizeBytes,
      logFirstIndex: log.firstIndex,
      logLastIndex: log.lastIndex,
      segmentCount: log.segmentCount,
      commitIndex: status.commitIndex,
      appliedIndex: this.replica.appliedUpTo(),
      syncCount: log.syncCount,
      lastSyncMs: log.lastSyncMs,
      pendingWrites: this.pendingWrites,
      snapshotIndex: this.tally.snapshotIndex,
      snapshotBytes: this.tally.snapshotBytes,
      compactions: this.tally.compactions,
      keyCount: this.machine.state.keyCount,
      failure: this.failure()?.message ?? null,
    };
  }

  /** Refuses new writes, waits for those in flight, makes everything durable and releases the folder. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    assert(this.inFlight.size <= (this.options.maxPendingWrites ?? PENDING_WRITES_MAX_DEFAULT), 'in-flight writes are bounded');
    await Promise.allSettled([...this.inFlight]);
    await this.compaction;
    try {
      await this.replica.close();
    } catch (error) {
      // A node that already failed has said why; closing it only has to let go of the folder.
      if (this.failure() === null) throw error;
    }
  }

  /** Why the node stopped, as a typed error (a failed fsync is CAIRN_IO), or null while it runs. */
  private failure(): CairnError | null {
    const failed = this.replica.failed();
    if (failed === undefined) return null;
    if (isCairnError(failed)) return failed;
    return new CairnError('CAIRN_CLOSED', `${this.options.dir}: stopped after an internal error: ${failed.message}`, { cause: failed });
  }

  private writeRefusal(commands: readonly (readonly Uint8Array[])[]): CairnError | null {
    if (this.closing) return new CairnError('CAIRN_CLOSED', `${this.options.dir} is closed`);
    const failure = this.failure();
    if (failure !== null) return failure;
    if (commands.length === 0 || commands.some((argv) => argv.length === 0)) {
      return new CairnError('CAIRN_INVALID_ARGUMENT', 'a write holds at least one command, and each command at least its name');
    }
    const maxPendingWrites = this.options.maxPendingWrites ?? PENDING_WRITES_MAX_DEFAULT;
    if (this.pendingWrites >= maxPendingWrites) return new CairnError('CAIRN_BUSY', `${this.options.dir}: ${maxPendingWrites} writes are already pending`);
    return null;
  }

  private settled(write: Promise<unknown>): void {
    this.pendingWrites--;
    this.inFlight.delete(write);
    assert(this.pendingWrites >= 0, 'pending writes never negative');
  }

  private nowStampMs(): number {
    return Math.max(this.lastStampMs, Math.floor(this.options.clock.nowMs()));
  }

  /** Compacts in the background once the log outgrows max(compactionMinBytes, the last snapshot). */
  private maybeCompactBySize(): void {
    // The log's size is summed over its segments: look only every SIZE_CHECK_EVERY_WRITES writes.
    if (++this.writesSinceSizeCheck < SIZE_CHECK_EVERY_WRITES) return;
    this.writesSinceSizeCheck = 0;
    if (this.compaction !== null || this.closing) return;
    const minBytes = this.options.compactionMinBytes ?? COMPACTION_MIN_BYTES_DEFAULT;
    if (this.storage.stats().sizeBytes <= Math.max(minBytes, this.tally.snapshotBytes)) return;
    // A failure stops the replica (fail-stop) and is reported by the next write and stats().
    this.compaction = this.replica.compactNow().then(
      () => undefined,
      () => undefined,
    );
    void this.compaction.then(() => {
      this.compaction = null;
    });
  }
}

function startReplica(options: LocalNodeOptions, storage: RaftStorage, machine: KvMachine, tally: Tally): Promise<Replica<KvMachine>> {
  const maxPendingWrites = options.maxPendingWrites ?? PENDING_WRITES_MAX_DEFAULT;
  assert(Number.isSafeInteger(maxPendingWrites) && maxPendingWrites > 0, 'maxPendingWrites must be a positive integer');
  return Replica.start(
    {
      id: LOCAL_NODE_ID,
      initialVoters: [LOCAL_NODE_ID],
      tickMs: TICK_MS,
      raft: { electionTimeoutTicks: ELECTION_TIMEOUT_TICKS, heartbeatIntervalTicks: 1 },
      prng: new Prng(PRNG_SEED),
      maxPendingProposals: maxPendingWrites,
      maxPendingReads: 16,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      snapshotEveryEntries: options.snapshotEveryEntries ?? SNAPSHOT_EVERY_ENTRIES_DEFAULT,
    },
    {
      clock: options.clock,
      transport: new NoPeerTransport<Message>(),
      storage,
      createNode: (config, persisted) => new RaftNode(config, persisted),
      observer: tally,
      yieldTurn: options.yieldTurn,
    },
    machine,
  );
}

function isSoleVoter(membership: Membership): boolean {
  return membership.voters.length === 1 && membership.voters[0] === LOCAL_NODE_ID;
}
