// A node's status for drivers, operators and tests (etcd-io/raft's status.go): role, term, vote,
// leader, the log's cursors, membership and, on a leader, each peer's progress.

import type { NodeCore } from './core.js';
import type { NodeId, PeerStatus, RaftStatus } from './types.js';

export function statusOf(core: NodeCore, peers: () => PeerStatus[], transferTarget: NodeId | null, staleIncarnation: NodeId | null): RaftStatus {
  const { state, log } = core;
  return {
    id: core.id,
    role: state.role,
    term: state.term,
    votedFor: state.votedFor,
    leaderId: state.leaderId,
    commitIndex: log.commitIndex,
    appliedIndex: log.appliedIndex,
    firstIndex: log.firstIndex(),
    lastIndex: log.lastIndex(),
    lastTerm: log.lastTerm(),
    snapshotIndex: log.snapshotIndex,
    membership: core.members.current(),
    peers: state.role === 'leader' ? peers() : [],
    transferTarget,
    incarnation: core.incarnation,
    staleIncarnation,
  };
}
