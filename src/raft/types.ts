// The public API of the pure Raft core: configuration, persisted state, messages, the Ready batch
// and the node's methods. Everything the replica driver and the simulator use is declared here.
//
// THE CALLER'S CONTRACT (one node's driver loop)
//
//   1. Feed the node: tick() once per tick of time, step(message) for every message received,
//      propose()/proposeConfChange()/readIndex()/transferLeadership() for client requests.
//      These may be called at any time, including between ready() and advance().
//   2. When hasReady() is true, call ready() once and handle the batch IN THIS ORDER:
//      a. snapshot (if present): persist it (meta + data) and restore the state machine from it;
//         the log now starts after snapshot.meta.index (drop every entry at or below it).
//      b. entries: append them to the log; an entry whose index is <= the log's last index
//         replaces that index and everything after it (truncate the suffix, then append).
//      c. hardState (if present): persist it (with the peers' incarnations it names: what the
//         node remembers of who is who must be durable before any message that relied on it).
//      d. make a–c durable (fsync) BEFORE the next step.
//      e. messages: send them (only now: a vote or an acknowledgement must never leave the node
//         before the state it promises is on disk). A leader whose term and vote are durable
//         hands out its new appends in a Ready of their own, before the Ready with the entries,
//         so the sends overlap its fsync (thesis §10.2.1; it counts itself only once persisted).
//      f. committedEntries: apply them in order (kind NORMAL to the state machine; NOOP and
//         CONFIG entries carry no client data and are only recorded as applied).
//      g. readStates: a read with this requestId is linearizable once the state machine has
//         applied up to `index`.
//      h. softState (if present): the role or the known leader changed (for routing clients).
//   3. Call advance(ready) with the same object. Do not call ready() again before advance().
//
// Restart: construct the node from what was persisted (hard state, the latest snapshot with its
// membership, the entries after it), with RaftConfig.incarnation the data directory's own. A brand-new cluster bootstraps from a snapshot with index 0,
// term 0 and the initial voters; a node joining an existing cluster starts from index 0 with an
// empty membership and waits for the leader to replicate to it.
//
// Membership changes are one server at a time (Raft thesis §4.1): a CONFIG entry holds the whole
// new membership and takes effect on every node as soon as it is in its log (committed or not).

import type { Prng } from '../lib/prng.js';
import type { Message } from './messages.js';

export type NodeId = string;

/**
 * A data directory's incarnation: 16 lowercase hex digits (64 random bits) made when the directory
 * is first initialised and never changed. A node that lost its data and starts again under the same
 * id has a new one, and the peers that knew the old one drop its messages (incarnations.ts).
 */
export type Incarnation = string;

/** The incarnation a node first heard from one peer id (part of its hard state). */
export interface PeerIncarnation {
  id: NodeId;
  incarnation: Incarnation;
}

/** Kinds of log entries (`Entry.kind`). */
export const EntryKind = {
  /** Client data for the state machine. */
  NORMAL: 0,
  /** The empty entry a new leader appends at the start of its term (no data). */
  NOOP: 1,
  /** A membership change: `data` is the whole new Membership (see membership.ts encode/decode). */
  CONFIG: 2,
} as const;
export type EntryKindValue = (typeof EntryKind)[keyof typeof EntryKind];

/** One log entry; exactly the shape the storage log persists. Indexes start at 1. */
export interface Entry {
  index: number;
  term: number;
  kind: number;
  data: Uint8Array;
}

/** The state that must be durable before any message the node produced is sent. */
export interface HardState {
  term: number;
  /** The candidate this node voted for in `term`, or null. */
  votedFor: NodeId | null;
  commitIndex: number;
  /**
   * The incarnation of the data directory this state belongs to. The core copies
   * RaftConfig.incarnation here; absent in state written before incarnations existed.
   */
  incarnation?: Incarnation;
  /**
   * The incarnation first heard from each peer id, sorted by id ("first seen wins"). Durable before
   * any message that relied on it is sent. Absent means none (state from before incarnations).
   */
  peerIncarnations?: readonly PeerIncarnation[];
}

/** Who votes and who only receives the log. Lists are sorted and disjoint. */
export interface Membership {
  voters: readonly NodeId[];
  learners: readonly NodeId[];
}

export interface SnapshotMeta {
  /** The last log index the snapshot covers. */
  index: number;
  /** The term of the entry at `index`. */
  term: number;
  /** The membership in effect at `index`. */
  membership: Membership;
}

export interface Snapshot {
  meta: SnapshotMeta;
  /** The state machine's encoded state at meta.index (opaque to Raft). */
  data: Uint8Array;
}

/** What a node reloads on restart. */
export interface PersistedState {
  hardState: HardState;
  /** Index 0 / term 0 with the initial membership for a node that has never compacted. */
  snapshot: Snapshot;
  /** The persisted entries after snapshot.meta.index, contiguous. */
  entries: readonly Entry[];
}

export interface RaftConfig {
  id: NodeId;
  /**
   * This data directory's incarnation (types.ts Incarnation), stamped on every message. A driver
   * with a data directory must pass the one stored there; absent means DEFAULT_INCARNATION, for
   * nodes that never lose their state (tests, benches).
   */
  incarnation?: Incarnation;
  /** Randomness for election timeouts. Use one seeded Prng per node. */
  prng: Prng;
  /** A follower waits a random [electionTimeoutTicks, 2*electionTimeoutTicks) ticks. Default 10. */
  electionTimeoutTicks?: number;
  /** A leader sends heartbeats every heartbeatIntervalTicks. Default 1. Must be < electionTimeoutTicks. */
  heartbeatIntervalTicks?: number;
  /** Run a PreVote round before a real election (thesis §9.6). Default true. */
  preVote?: boolean;
  /** A leader steps down when it has not heard from a quorum for an election timeout. Default true. */
  checkQuorum?: boolean;
  /**
   * Answer ReadIndex from the leader's lease (requires checkQuorum; relies on bounded clock
   * drift) instead of a heartbeat round. Default false.
   */
  leaseBasedReads?: boolean;
  /** Most entries in one AppendEntries message. Default 1024. */
  maxBatchEntries?: number;
  /** Most payload bytes in one AppendEntries message (at least one entry is always sent). Default 1 MiB. */
  maxBatchBytes?: number;
  /** Most AppendEntries messages in flight to one follower. Default 64. */
  maxInflightMessages?: number;
  /** Most payload bytes in flight to one follower. Default 16 MiB. */
  maxInflightBytes?: number;
  /** Bytes of snapshot data per InstallSnapshot chunk. Default 256 KiB. */
  snapshotChunkBytes?: number;
  /** A leader refuses proposals while this many bytes are proposed but not committed. Default 64 MiB. */
  maxUncommittedBytes?: number;
  /** Most ReadIndex requests waiting on one node. Default 4096. */
  maxPendingReads?: number;
}

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

export interface SoftState {
  role: Role;
  leaderId: NodeId | null;
}

/** A linearizable read point: serve `requestId` once applied index >= `index`. */
export interface ReadState {
  requestId: string;
  index: number;
}

// ---- Messages (messages.ts) ----

export type {
  AppendMessage, AppendResponseMessage, HeartbeatMessage, HeartbeatResponseMessage, IncarnationsMessage, Message,
  MessageType, ReadIndexMessage, ReadIndexResponseMessage, SnapshotMessage, SnapshotResponseMessage,
  StaleIncarnationMessage, TimeoutNowMessage, VoteMessage, VoteResponseMessage,
} from './messages.js';
// ---- Ready ----

/** One batch of work for the caller; see the contract at the top of this file. */
export interface Ready {
  softState: SoftState | null;
  hardState: HardState | null;
  snapshot: Snapshot | null;
  entries: Entry[];
  messages: Message[];
  committedEntries: Entry[];
  readStates: ReadState[];
}

// ---- Results ----

export type RejectReason =
  | 'not_leader' // ask leaderId (null when unknown)
  | 'transferring' // a leadership transfer is in progress
  | 'busy' // too many uncommitted bytes or pending reads
  | 'conf_change_pending' // a membership change is not committed yet, or no entry of this term is
  | 'invalid'; // the request makes no sense (adding a present node, an empty id, ...)

export type ProposeResult =
  | { accepted: true; index: number; term: number }
  | { accepted: false; reason: RejectReason; leaderId: NodeId | null };

export type ReadIndexResult =
  | { accepted: true } // a ReadState with this requestId will appear in a later Ready (or a rejection)
  | { accepted: false; reason: RejectReason; leaderId: NodeId | null };

export type ConfChange =
  | { type: 'addVoter'; nodeId: NodeId } // a new voter (prefer addLearner, then promote)
  | { type: 'addLearner'; nodeId: NodeId }
  | { type: 'promoteLearner'; nodeId: NodeId }
  | { type: 'removeNode'; nodeId: NodeId }; // a voter or a learner

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export interface PeerStatus {
  id: NodeId;
  matchIndex: number;
  nextIndex: number;
  state: ProgressState;
  inflightMessages: number;
  recentActive: boolean;
}

export interface RaftStatus {
  id: NodeId;
  role: Role;
  term: number;
  votedFor: NodeId | null;
  leaderId: NodeId | null;
  commitIndex: number;
  appliedIndex: number;
  firstIndex: number;
  lastIndex: number;
  lastTerm: number;
  snapshotIndex: number;
  membership: Membership;
  /** Leader only: one entry per other member; empty otherwise. */
  peers: PeerStatus[];
  /** The transfer target while a leadership transfer runs, else null. */
  transferTarget: NodeId | null;
  /** This node's incarnation. */
  incarnation: Incarnation;
  /**
   * The peer that refused this node's incarnation (it knows this id under another: this data
   * directory is a new incarnation of a node that lost its data), else null. Such a node no
   * longer campaigns; its driver should stop it.
   */
  staleIncarnation: NodeId | null;
}

/** The node's methods. `new RaftNode(config, persisted)` (node.ts) implements them. */
export interface RaftNodeApi {
  /** Advances time by one tick: election timeouts, heartbeats, CheckQuorum, transfer timeout. */
  tick(): void;
  /**
   * Handles one received message. Malformed or stale messages are ignored, never thrown — except
   * one that proves a safety violation (AppendEntries from a second leader of this node's own
   * term while it leads), which stops the node with an AssertionError.
   */
  step(message: Message): void;
  /** Leader only: appends a NORMAL entry. The entry is durable once it appears in committedEntries with this index and term. */
  propose(data: Uint8Array): ProposeResult;
  /** Leader only: appends a CONFIG entry for one change; one uncommitted change at a time. */
  proposeConfChange(change: ConfChange): ProposeResult;
  /**
   * Requests a linearizable read point. On the leader it is confirmed by a heartbeat round; on a
   * follower it is forwarded to the leader. Answered by a ReadState with this requestId, or by a
   * ReadState with index -1 when the read was refused (leadership lost): retry elsewhere.
   */
  readIndex(requestId: string): ReadIndexResult;
  /** Leader only: hands leadership to `to` (a voter) with TimeoutNow once its log is caught up. */
  transferLeadership(to: NodeId): ProposeResult;
  /**
   * The state machine has a snapshot `data` of everything up to `index` (<= applied index):
   * forget log entries up to it. The caller persists the returned snapshot itself, then may
   * drop those entries from storage.
   */
  compact(index: number, data: Uint8Array): Snapshot;
  /**
   * A member needs the latest snapshot and this node, the only member when it made it, kept only
   * its meta: the caller compacts anew (a later snapshot, held now that there are members).
   */
  snapshotWanted(): boolean;
  /** Forces the election timeout now (tests, and an operator's "campaign"). */
  campaign(): void;
  hasReady(): boolean;
  ready(): Ready;
  advance(ready: Ready): void;
  status(): RaftStatus;
}
