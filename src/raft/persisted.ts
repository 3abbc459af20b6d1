// What a node keeps and reloads (etcd-io/raft's newRaft reading its Storage, and raftLog.compact):
// the persisted state checked and turned into the log, the membership history and the latest
// snapshot; and, when the state machine snapshots itself, the log compacted into a new Snapshot.

import { CairnError } from '../lib/errors.js';
import { PeerIncarnations, checkedIncarnation, checkedPeerIncarnations } from './incarnations.js';
import { RaftLog } from './log.js';
import { MembershipHistory, decodeMembership, makeMembership } from './membership.js';
import { EntryKind, type HardState, type Incarnation, type PersistedState, type RaftConfig, type Snapshot } from './types.js';

export interface Restored {
  incarnation: Incarnation;
  peers: PeerIncarnations;
  log: RaftLog;
  members: MembershipHistory;
  snapshot: Snapshot;
  /** The persisted hard state with its commit index brought within the log. */
  hardState: HardState;
}

export function restore(config: RaftConfig, persisted: PersistedState): Restored {
  const { hardState, snapshot } = persisted;
  if (!Number.isSafeInteger(hardState.term) || hardState.term < 0) {
    throw new CairnError('CAIRN_INVALID_ARGUMENT', 'raft: persisted term must be a non-negative integer');
  }
  const incarnation = checkedIncarnation(config.incarnation, hardState.incarnation);
  const peers = new PeerIncarnations(checkedPeerIncarnations(hardState.peerIncarnations ?? [], config.id));
  const membership = makeMembership(snapshot.meta.membership.voters, snapshot.meta.membership.learners);
  // Storage may still hold entries the snapshot covers (compaction of files lags): skip them.
  const entries = persisted.entries.filter((e) => e.index > snapshot.meta.index);
  // The commit index is only a hint (the leader re-teaches it); never trust it past the log.
  const lastIndex = snapshot.meta.index + entries.length;
  const commitIndex = Math.min(Math.max(hardState.commitIndex, snapshot.meta.index), lastIndex);
  const log = new RaftLog(snapshot.meta, entries, commitIndex);
  const members = new MembershipHistory(snapshot.meta.index, membership);
  for (const entry of entries) {
    if (entry.kind === EntryKind.CONFIG) members.add(entry.index, decodeMembership(entry.data));
  }
  return {
    incarnation, peers, log, members,
    snapshot: { meta: { ...snapshot.meta, membership }, data: snapshot.data },
    hardState: { ...hardState, commitIndex },
  };
}

/** The state machine snapshotted `data` at `index`: forget the log up to there; returns the new snapshot. */
export function compactTo(log: RaftLog, members: MembershipHistory, index: number, data: Uint8Array): Snapshot {
  if (!Number.isSafeInteger(index) || index <= log.snapshotIndex || index > log.appliedIndex) {
    throw new CairnError('CAIRN_INVALID_ARGUMENT',
      `raft: compact index ${index} must be above the snapshot (${log.snapshotIndex}) and at most applied (${log.appliedIndex})`);
  }
  const meta = { index, term: log.termAt(index)!, membership: members.at(index) };
  log.compact(index);
  members.compactTo(index);
  return { meta, data };
}
