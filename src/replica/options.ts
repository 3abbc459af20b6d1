// What a Replica (replica.ts) is started with: its settings (ReplicaOptions) and the I/O it is
// written against (ReplicaIo) — the clock, the transport, the storage and the Raft core's factory —
// which the runtime fills with real adapters and the simulator with simulated ones.

import type { Clock } from '../io/clock.js';
import type { Transport } from '../io/transport.js';
import type { Prng } from '../lib/prng.js';
import type { Incarnation, Message, PersistedState, RaftConfig, RaftNodeApi } from '../raft/types.js';
import type { ReplicaObserver, ReplicaStorage } from './ports.js';

export type RaftTuning = Omit<RaftConfig, 'id' | 'prng'>;

export interface ReplicaOptions {
  id: string;
  /** The voters of a brand-new cluster; ignored when storage holds state. */
  initialVoters: readonly string[];
  /** A brand-new node joining a running cluster: it starts with no membership and waits for the leader. */
  join?: boolean;
  /** Milliseconds per Raft tick. */
  tickMs: number;
  raft: RaftTuning;
  /** Randomness for the core's election timeouts and read ids. */
  prng: Prng;
  maxPendingProposals: number;
  maxPendingReads: number;
  /** A proposal or read not settled this long after it was made is rejected (outcome unknown). */
  requestTimeoutMs: number;
  /** Snapshot the state machine and compact the log once this many entries were applied since the last snapshot. */
  snapshotEveryEntries: number;
  /** Or once the entries since the last snapshot hold max(this, half the snapshot) bytes (compaction-policy.ts; default 32 MiB). */
  compactionMinBytes?: number;
  /** Keys per step of a snapshot's encoding or decoding (stepped-snapshot.ts; default SNAPSHOT_STEP_BUDGET). The simulator makes it tiny, so steps interleave with everything else. */
  snapshotStepKeys?: number;
  /**
   * Makes the incarnation of a data directory that has none yet (a blank one, or one from before
   * incarnations): 64 random bits. Default: drawn from `prng` (as random as its seed; the simulator's
   * choice). A production node passes real randomness.
   */
  newIncarnation?: () => Incarnation;
}

export interface ReplicaIo {
  clock: Clock;
  transport: Transport<Message>;
  storage: ReplicaStorage;
  createNode(config: RaftConfig, persisted: PersistedState): RaftNodeApi;
  observer?: ReplicaObserver;
  /**
   * Lets other work run between the steps of a snapshot's encoding or decoding (stepped-snapshot.ts):
   * a production node passes a turn of the event loop (setImmediate), the simulator a clock timer.
   * Default: a microtask turn (deterministic, but I/O waits for the whole snapshot).
   */
  yieldTurn?: () => Promise<void>;
  /**
   * What the Ready loop awaits before it proposes the writes a sole voter held during an fsync
   * (held-proposals.ts), so that the writers it has just answered join them: a production node
   * passes a few turns of the event loop (their next writes are read and gathered meanwhile).
   * Default: a few microtask turns (deterministic; no I/O runs).
   */
  gatherTurn?: () => Promise<void>;
}
