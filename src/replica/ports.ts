// What the replica driver needs from the layers beside it, as narrow interfaces: the durable Raft
// log (storage/ behind an adapter), the state machine (kv/ behind an adapter) and an optional
// observer the simulator uses to check invariants. Production and simulation plug in the same way.

import type { Reply } from '../lib/reply.js';
import type { Entry, HardState, PersistedState, Ready, Snapshot, SoftState } from '../raft/types.js';

/** The durable Raft log and hard state of one node. Only sync() makes anything durable. */
export interface ReplicaStorage {
  /** Everything persisted, or null for a node that has never written anything. */
  load(): Promise<PersistedState | null>;
  /**
   * A snapshot received from the leader: durable when this resolves, and the log is reset to
   * start right after it (every entry the node had is discarded).
   */
  installSnapshot(snapshot: Snapshot): Promise<void>;
  /** Appends entries; entries[0].index <= last index + 1 replaces that index and the suffix after it. */
  appendEntries(entries: readonly Entry[]): Promise<void>;
  saveHardState(hardState: HardState): Promise<void>;
  /** Makes every append and hard state saved before this call durable. */
  sync(): Promise<void>;
  /** Our own snapshot: durable when this resolves; entries at or below its index may then go. */
  compact(snapshot: Snapshot): Promise<void>;
  /**
   * Registers a listener for a failure outside any call (a background fsync under 'everysec'):
   * the log's durability is then unknown and the node must stop. Storage without background work omits it.
   */
  onFailure?(listener: (error: Error) => void): void;
  close(): Promise<void>;
}

/** Work done in steps: each does about `budget` keys' worth, and the last returns the result. */
export interface Steps<T> {
  step(budget: number): T | null;
}

/**
 * An entry whose apply goes on in steps (a long script): the replica runs the steps with a yield
 * between each, holds every later committed entry meanwhile, and settles the entry with the last
 * step's replies. Each step does about `budget` keys' worth of work, as a snapshot's steps.
 */
export interface PendingApply {
  readonly pending: Steps<Reply[]>;
}

export function isPendingApply(applied: Reply[] | PendingApply): applied is PendingApply {
  return !Array.isArray(applied);
}

/** The deterministic state machine the log drives. */
export interface StateMachine {
  /**
   * Applies one committed NORMAL entry's data; the replies go to the client that proposed it. An
   * apply that would run long returns the rest as steps; the state must not be read or changed by
   * anything else until the last step (the replica holds later entries and snapshots).
   */
  apply(data: Uint8Array, index: number): Reply[] | PendingApply;
  /**
   * Encodes the whole state in steps (deterministically: equal states give equal bytes, whatever
   * the steps). The state must not change between the first step and the last.
   */
  snapshotSteps(): Steps<Uint8Array>;
  /** Replaces the whole state with a decoded snapshot at once (start-up). */
  restore(data: Uint8Array): void;
  /** Decodes a snapshot in steps into a new state, which the last step swaps in (it returns true). */
  restoreSteps(data: Uint8Array): Steps<true>;
}

/** Hooks the simulator uses to check invariants; production passes none. Must not throw for I/O. */
export interface ReplicaObserver {
  /** The node restarted from this persisted state (before anything else happens). */
  loaded?(id: string, state: PersistedState): void;
  /** The Ready's snapshot, entries and hard state are durable (before its messages are sent). */
  persisted?(id: string, ready: Ready): void;
  /** A committed entry was applied (every kind; `replies` is empty for NOOP and CONFIG). */
  applied?(id: string, entry: Entry, replies: readonly Reply[]): void;
  /** The state machine was replaced by a snapshot from the leader. */
  restored?(id: string, snapshot: Snapshot): void;
  /** The node compacted its log with its own snapshot. */
  compacted?(id: string, snapshot: Snapshot): void;
  softState?(id: string, softState: SoftState, term: number): void;
}
