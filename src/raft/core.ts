// What the parts of one Raft node share, as etcd-io/raft's files share its *raft: the node's
// identity and settings, its log, membership and peers' incarnations, its role and term (NodeState)
// and its way to send. node.ts builds it once and alone changes the state; ready.ts, read-index.ts,
// leader.ts and incarnations.ts read it.

import type { PeerIncarnations } from './incarnations.js';
import type { RaftLog } from './log.js';
import type { MembershipHistory } from './membership.js';
import type { Outgoing } from './replicator.js';
import type { Settings } from './settings.js';
import type { Incarnation, NodeId, Role } from './types.js';

export interface NodeState {
  /** Invariant: never decreases. */
  term: number;
  /** Invariant: set at most once per term (one vote per term). */
  votedFor: NodeId | null;
  role: Role;
  leaderId: NodeId | null;
  /** Ticks since this node started: the clock leader leases are measured on. */
  nowTicks: number;
}

export interface NodeCore {
  readonly id: NodeId;
  /** This data directory's incarnation, stamped on every message. */
  readonly incarnation: Incarnation;
  readonly settings: Settings;
  readonly log: RaftLog;
  readonly members: MembershipHistory;
  /** The incarnation first heard from each peer id: messages under another one are dropped. */
  readonly peers: PeerIncarnations;
  readonly state: Readonly<NodeState>;
  /** Stamps `from`, `term` and `incarnation` on a message and queues it for the next Ready. */
  send(message: Outgoing): void;
}
