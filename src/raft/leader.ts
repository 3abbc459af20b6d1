// The leader's side of etcd-io/raft's stepLeader: proposals (entries and membership changes) under
// the uncommitted-bytes bound, leadership transfer, heartbeats, and the batching of appends and
// commit announcements until the next Ready. The commit rule and the role changes stay in node.ts;
// replication to each peer is replicator.ts, reads are read-index.ts.

import { assert } from '../lib/assert.js';
import type { NodeCore } from './core.js';
import { applyChange, decodeMembership, encodeMembership, isVoter } from './membership.js';
import type { ReadIndex } from './read-index.js';
import type { Replicator } from './replicator.js';
import { EntryKind, type ConfChange, type Entry, type NodeId, type ProposeResult, type RejectReason } from './types.js';

const EMPTY = new Uint8Array(0);

export type Refusal = { accepted: false; reason: RejectReason; leaderId: NodeId | null };

export function refusal(reason: RejectReason, leaderId: NodeId | null): Refusal {
  return { accepted: false, reason, leaderId };
}

export class Leader {
  /** The transfer target while a leadership transfer runs, else null. */
  transferTarget: NodeId | null = null;
  /** Payload bytes this leader appended that are not committed yet. */
  private uncommittedBytes = 0;
  /** The index of this leader's NOOP entry: entries from here on were appended by it. */
  private firstIndex = 0;
  /** New entries to send, or a commit index to announce, at the next ready() (batches appends). */
  private appendPending = false;
  private commitAnnouncePending = false;
  private heartbeatElapsedTicks = 0;

  constructor(
    private readonly core: NodeCore,
    private readonly replicator: Replicator,
    private readonly reads: ReadIndex,
  ) {}

  /** The node was just elected: fresh leader state, then a no-op of the new term. */
  start(): void {
    assert(this.core.state.role === 'leader', 'only a leader leads');
    this.heartbeatElapsedTicks = 0;
    this.transferTarget = null;
    this.reads.becomeLeader();
    this.replicator.clear();
    this.replicator.syncPeers();
    this.uncommittedBytes = 0;
    this.firstIndex = this.core.log.lastIndex() + 1;
    // A no-op of the new term lets the leader commit (and so learn) everything before it (§5.4.2).
    this.append(EntryKind.NOOP, EMPTY);
  }

  /** Leadership ended: pending reads are refused and nothing batched goes out. */
  stop(): void {
    this.reads.stopLeading();
    this.replicator.clear();
    this.transferTarget = null;
    this.uncommittedBytes = 0;
    this.appendPending = false;
    this.commitAnnouncePending = false;
  }

  propose(data: Uint8Array): ProposeResult {
    if (!(data instanceof Uint8Array)) return this.refuse('invalid');
    const refused = this.refusalReason();
    if (refused !== null) return this.refuse(refused);
    if (this.uncommittedBytes > 0 && this.uncommittedBytes + data.length > this.core.settings.maxUncommittedBytes) {
      return this.refuse('busy');
    }
    const entry = this.append(EntryKind.NORMAL, data);
    return { accepted: true, index: entry.index, term: entry.term };
  }

  proposeConfChange(change: ConfChange): ProposeResult {
    const refused = this.refusalReason();
    if (refused !== null) return this.refuse(refused);
    const { log, members } = this.core;
    // One change at a time, and only once this leader committed an entry of its own term: that
    // keeps every two configurations that can be in effect at once overlapping in a majority.
    if (log.termAt(log.commitIndex) !== this.core.state.term) return this.refuse('conf_change_pending');
    if (members.currentIndex() > log.commitIndex) return this.refuse('conf_change_pending');
    const next = applyChange(members.current(), change);
    if (typeof next === 'string') return this.refuse('invalid');
    const entry = this.append(EntryKind.CONFIG, encodeMembership(next));
    return { accepted: true, index: entry.index, term: entry.term };
  }

  /** Hands leadership to `to` with TimeoutNow once its log is caught up. */
  transfer(to: NodeId): ProposeResult {
    const { state, log, members } = this.core;
    if (state.role !== 'leader') return this.refuse('not_leader');
    if (to === this.core.id || !isVoter(members.current(), to)) return this.refuse('invalid');
    this.transferTarget = to;
    if (this.replicator.matchIndex(to) === log.lastIndex()) this.core.send({ type: 'timeoutNow', to });
    else this.replicator.sendAppendsTo(to);
    return { accepted: true, index: log.lastIndex(), term: state.term };
  }

  /** `from`'s match index advanced: a transfer target that caught up is told to campaign now. */
  caughtUp(from: NodeId): void {
    if (this.transferTarget === from && this.replicator.matchIndex(from) === this.core.log.lastIndex()) {
      this.core.send({ type: 'timeoutNow', to: from });
    }
  }

  /** A CheckQuorum round passed: count activity afresh; a transfer that did not finish in it is abandoned. */
  quorumRoundPassed(): void {
    this.replicator.resetRecentActive();
    this.transferTarget = null;
  }

  tick(): void {
    this.replicator.tickSnapshots();
    if (++this.heartbeatElapsedTicks >= this.core.settings.heartbeatIntervalTicks) {
      this.heartbeatElapsedTicks = 0;
      this.broadcastHeartbeat();
    }
  }

  /** The commit index moved up from `oldCommitIndex`: its entries no longer count as uncommitted. */
  committed(oldCommitIndex: number): void {
    const log = this.core.log;
    this.commitAnnouncePending = true;
    for (let index = Math.max(oldCommitIndex + 1, this.firstIndex); index <= log.commitIndex; index++) {
      this.uncommittedBytes -= log.entryAt(index).data.length;
    }
    assert(this.uncommittedBytes >= 0, 'uncommitted bytes went negative');
  }

  /** Appends, a commit announcement or a read round wait for the next Ready. */
  flushDue(): boolean {
    return this.appendPending || this.commitAnnouncePending || this.reads.roundDue();
  }

  /** Sends the appends and heartbeats that were batched since the last Ready. */
  flush(): void {
    if (this.appendPending || this.commitAnnouncePending) {
      this.replicator.broadcastAppends(this.commitAnnouncePending);
      this.appendPending = false;
      this.commitAnnouncePending = false;
    }
    // A round waits while an earlier one is in flight; the periodic heartbeat still carries it.
    if (this.reads.roundDue()) this.broadcastHeartbeat();
  }

  private broadcastHeartbeat(): void {
    const seq = this.reads.heartbeatSeq();
    this.replicator.broadcastHeartbeat(seq, this.core.state.nowTicks);
  }

  private refusalReason(): RejectReason | null {
    if (this.core.state.role !== 'leader') return 'not_leader';
    if (this.transferTarget !== null) return 'transferring';
    return null;
  }

  private refuse(reason: RejectReason): Refusal {
    return refusal(reason, this.core.state.leaderId);
  }

  private append(kind: number, data: Uint8Array): Entry {
    const { state, log, members } = this.core;
    assert(state.role === 'leader', 'only a leader appends new entries');
    const entry: Entry = { index: log.lastIndex() + 1, term: state.term, kind, data };
    assert(log.lastTerm() <= state.term, 'a leader\'s log holds no entry of a later term');
    log.append([entry]);
    if (kind === EntryKind.CONFIG) {
      members.add(entry.index, decodeMembership(data));
      this.replicator.syncPeers();
    }
    this.uncommittedBytes += data.length;
    this.appendPending = true;
    return entry;
  }
}
