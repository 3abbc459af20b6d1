// The Raft messages nodes exchange (part of the core's public API; types.ts re-exports them).
// Plain objects, JSON-able except Uint8Array fields; the core stamps from, term and incarnation.

import type { Entry, Incarnation, NodeId, PeerIncarnation, SnapshotMeta } from './types.js';

interface MessageBase {
  from: NodeId;
  to: NodeId;
  term: number;
  /** The sender's incarnation (the core stamps it on everything it sends). */
  incarnation: Incarnation;
}

/** RequestVote, or a PreVote when preVote is true (term is then the term the sender would use). */
export interface VoteMessage extends MessageBase {
  type: 'vote';
  preVote: boolean;
  /** Set by a leadership transfer: voters ignore their leader lease (TimeoutNow was received). */
  transfer: boolean;
  lastLogIndex: number;
  lastLogTerm: number;
}

export interface VoteResponseMessage extends MessageBase {
  type: 'voteResponse';
  preVote: boolean;
  granted: boolean;
}

export interface AppendMessage extends MessageBase {
  type: 'append';
  prevIndex: number;
  prevTerm: number;
  entries: Entry[];
  commitIndex: number;
}

export interface AppendResponseMessage extends MessageBase {
  type: 'appendResponse';
  success: boolean;
  /** On success: the last index now known to match the leader's log. */
  matchIndex: number;
  /** On rejection: the prevIndex that was rejected (lets the leader ignore stale rejections). */
  rejectedIndex: number;
  /** On rejection: the term of the follower's entry at rejectedIndex, 0 if it has none. */
  conflictTerm: number;
  /** On rejection: the first index of conflictTerm in the follower's log, or its lastIndex + 1. */
  conflictIndex: number;
}

export interface HeartbeatMessage extends MessageBase {
  type: 'heartbeat';
  /** min(leader commit, follower's known match), so the follower never commits what it lacks. */
  commitIndex: number;
  /** The leader's latest ReadIndex round; echoed back. */
  readSeq: number;
}

export interface HeartbeatResponseMessage extends MessageBase {
  type: 'heartbeatResponse';
  readSeq: number;
}

export interface SnapshotMessage extends MessageBase {
  type: 'snapshot';
  meta: SnapshotMeta;
  /** Total bytes of the snapshot data. */
  totalBytes: number;
  /** Byte offset of this chunk within the data. */
  offset: number;
  chunk: Uint8Array;
}

export interface SnapshotResponseMessage extends MessageBase {
  type: 'snapshotResponse';
  /** The snapshot this answers (meta.index). */
  snapshotIndex: number;
  /** The next byte offset the follower expects; equals totalBytes once installed. */
  nextOffset: number;
  /** True once the whole snapshot was received and handed to the caller. */
  done: boolean;
}

/** Leadership transfer: the target starts an election at once, skipping PreVote. */
export interface TimeoutNowMessage extends MessageBase {
  type: 'timeoutNow';
}

/** A follower forwarding a ReadIndex request to its leader. */
export interface ReadIndexMessage extends MessageBase {
  type: 'readIndex';
  requestId: string;
}

export interface ReadIndexResponseMessage extends MessageBase {
  type: 'readIndexResponse';
  requestId: string;
  /** The read index, or -1 when the leader refused (not leader any more, too many reads). */
  index: number;
}

/**
 * The answer to a message dropped for its incarnation: `to` sent under `rejected`, but the sender
 * knows `to` under another. The node whose incarnation it names learns that it lost its data and
 * may not take part under this id any more (RaftStatus.staleIncarnation).
 */
export interface StaleIncarnationMessage extends MessageBase {
  type: 'staleIncarnation';
  rejected: Incarnation;
}

/**
 * A leader passing on the incarnations it knows (heard first-hand or from an earlier leader), so
 * that followers, which never hear from each other outside elections, know each other's too. A
 * receiver adopts only ids it knows nothing of (first seen still wins).
 */
export interface IncarnationsMessage extends MessageBase {
  type: 'incarnations';
  peers: readonly PeerIncarnation[];
}

export type Message =
  | VoteMessage
  | VoteResponseMessage
  | AppendMessage
  | AppendResponseMessage
  | HeartbeatMessage
  | HeartbeatResponseMessage
  | SnapshotMessage
  | SnapshotResponseMessage
  | TimeoutNowMessage
  | ReadIndexMessage
  | ReadIndexResponseMessage
  | StaleIncarnationMessage
  | IncarnationsMessage;

export type MessageType = Message['type'];
