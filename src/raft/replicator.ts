// The leader's replication engine: one Progress per peer, AppendEntries with batching and flow
// control, InstallSnapshot chunks, heartbeats, and the handling of the peers' responses. It moves
// match indexes; the node decides what they mean (commit, reads, transfer).

import { assert } from '../lib/assert.js';
import { peersOf } from './membership.js';
import { Progress } from './progress.js';
import { committedIndex, hasQuorum } from './quorum.js';
import type { RaftLog } from './log.js';
import type { Settings } from './settings.js';
import type {
  AppendResponseMessage, HeartbeatResponseMessage, Membership, Message, NodeId, PeerStatus, Snapshot,
  SnapshotResponseMessage,
} from './types.js';

/** A message before the node stamps `from`, `term` and `incarnation` on it (Omit distributed over the union). */
export type Outgoing<M = Message> = M extends Message ? Omit<M, 'from' | 'term' | 'incarnation'> : never;

/** What the replicator reads from (and does through) its node. */
export interface ReplicationContext {
  readonly id: NodeId;
  readonly settings: Settings;
  readonly log: RaftLog;
  /** Null while the node holds no snapshot data (it was alone: RaftNode.hold); a new one is on its way. */
  snapshot(): Snapshot | null;
  membership(): Membership;
  send(message: Outgoing): void;
}

/** Heartbeat rounds whose send tick the lease remembers (older acknowledgements are not credited). */
const LEASE_ROUNDS_MAX = 64;

export class Replicator {
  private readonly progress = new Map<NodeId, Progress>();
  /** Lease: the first tick at which each recent heartbeat round was sent, ascending by seq. */
  private sentRounds: { seq: number; sentTick: number }[] = [];
  /** Lease: per peer, the latest send tick of a heartbeat round it acknowledged in this term. */
  private readonly ackedSentTick = new Map<NodeId, number>();

  constructor(private readonly ctx: ReplicationContext) {}

  /** Keeps one Progress per member other than the leader (new ones start probing at the end). */
  syncPeers(): void {
    const peers = peersOf(this.ctx.membership(), this.ctx.id);
    for (const id of [...this.progress.keys()]) if (!peers.includes(id)) this.progress.delete(id);
    const s = this.ctx.settings;
    for (const id of peers) {
      if (this.progress.has(id)) continue;
      this.progress.set(id, new Progress(id, this.ctx.log.lastIndex(), s.maxInflightMessages, s.maxInflightBytes));
    }
  }

  clear(): void {
    this.progress.clear();
    this.sentRounds = [];
    this.ackedSentTick.clear();
  }

  matchIndex(id: NodeId): number {
    return this.progress.get(id)?.matchIndex ?? 0;
  }

  /** The highest index a majority of voters holds, the leader counting what it has persisted. */
  quorumIndex(voters: readonly NodeId[]): number {
    const selfIndex = this.ctx.log.stableIndex();
    return committedIndex(voters, (id) => (id === this.ctx.id ? selfIndex : this.matchIndex(id)));
  }

  /** CheckQuorum: did a majority of voters (the leader included) answer since the last round? */
  quorumActive(voters: readonly NodeId[]): boolean {
    if (voters.length === 0) return false;
    return hasQuorum(voters, (id) => id === this.ctx.id || this.progress.get(id)?.recentActive === true);
  }

  resetRecentActive(): void {
    for (const pr of this.progress.values()) pr.recentActive = false;
  }

  /** ReadIndex: did a majority of voters acknowledge heartbeat round `seq`? */
  roundAcked(voters: readonly NodeId[], seq: number): boolean {
    return hasQuorum(voters, (id) => id === this.ctx.id || (this.progress.get(id)?.readSeqAcked ?? 0) >= seq);
  }

  /**
   * Leader lease: did a majority of voters (the leader included) acknowledge a heartbeat round sent
   * fewer than `leaseTicks` ticks before `nowTicks`? Measured from the send, never the receipt.
   */
  leaseValid(voters: readonly NodeId[], nowTicks: number, leaseTicks: number): boolean {
    assert(leaseTicks > 0, 'replicator: lease must be positive');
    if (voters.length === 0) return false;
    return hasQuorum(voters, (id) => {
      if (id === this.ctx.id) return true;
      const sentTick = this.ackedSentTick.get(id);
      return sentTick !== undefined && nowTicks - sentTick < leaseTicks;
    });
  }

  /** Sends what flow control allows to every peer (an empty append too when announcing commit). */
  broadcastAppends(sendIfEmpty: boolean): void {
    for (const pr of this.progress.values()) this.sendAppends(pr, sendIfEmpty);
  }

  /** Sends to one peer (a transfer target catching up). */
  sendAppendsTo(id: NodeId): void {
    const pr = this.progress.get(id);
    if (pr !== undefined) this.sendAppends(pr, true);
  }

  broadcastHeartbeat(readSeq: number, nowTicks: number): void {
    const last = this.sentRounds[this.sentRounds.length - 1];
    assert(last === undefined || last.seq <= readSeq, 'replicator: heartbeat rounds go backwards');
    // The first send of a round is what an acknowledgement of it proves (a later resend would overstate).
    if (last === undefined || last.seq < readSeq) {
      this.sentRounds.push({ seq: readSeq, sentTick: nowTicks });
      if (this.sentRounds.length > LEASE_ROUNDS_MAX) this.sentRounds.shift();
    }
    const commitIndex = this.ctx.log.commitIndex;
    for (const pr of this.progress.values()) {
      // Never more than the peer is known to match: it must not commit what it may not have.
      this.ctx.send({ type: 'heartbeat', to: pr.id, commitIndex: Math.min(pr.matchIndex, commitIndex), readSeq });
    }
  }

  /** Resends the current chunk to peers whose snapshot transfer has been idle an election timeout. */
  tickSnapshots(): void {
    for (const pr of this.progress.values()) {
      if (pr.state === 'snapshot' && ++pr.snapshotIdleTicks >= this.ctx.settings.electionTimeoutTicks) {
        this.sendSnapshotChunk(pr);
      }
    }
  }

  /** Returns true when the peer's match index advanced. */
  onAppendResponse(m: AppendResponseMessage): boolean {
    const pr = this.progress.get(m.from);
    if (pr === undefined) return false;
    pr.recentActive = true;
    if (!m.success) {
      if (pr.maybeDecrease(m.rejectedIndex, this.retryIndex(m))) this.sendAppends(pr, true);
      return false;
    }
    if (!pr.maybeUpdate(m.matchIndex)) return false;
    if (pr.state === 'probe') pr.becomeReplicate();
    else if (pr.state === 'snapshot' && pr.matchIndex >= pr.snapshotIndex) pr.becomeProbe();
    this.sendAppends(pr, false);
    return true;
  }

  onHeartbeatResponse(m: HeartbeatResponseMessage): void {
    const pr = this.progress.get(m.from);
    if (pr === undefined) return;
    pr.recentActive = true;
    pr.probeSent = false;
    pr.freeOneIfFull();
    if (m.readSeq > pr.readSeqAcked) pr.readSeqAcked = m.readSeq;
    const round = this.sentRounds.find((r) => r.seq === m.readSeq);
    if (round !== undefined && round.sentTick > (this.ackedSentTick.get(m.from) ?? -1)) {
      this.ackedSentTick.set(m.from, round.sentTick);
    }
    if (pr.matchIndex < this.ctx.log.lastIndex()) this.sendAppends(pr, true);
  }

  /** Returns true when the peer's match index advanced (the snapshot was installed). */
  onSnapshotResponse(m: SnapshotResponseMessage): boolean {
    const pr = this.progress.get(m.from);
    if (pr === undefined) return false;
    pr.recentActive = true;
    if (pr.state !== 'snapshot' || m.snapshotIndex !== pr.snapshotIndex) return false;
    if (m.done) {
      const advanced = pr.maybeUpdate(m.snapshotIndex);
      pr.becomeProbe();
      this.sendAppends(pr, true);
      return advanced;
    }
    // Only progress (or a request to restart) moves the transfer; a duplicate waits for the idle timer.
    if (m.nextOffset === pr.snapshotOffset) return false;
    pr.snapshotOffset = Math.min(m.nextOffset, this.ctx.snapshot()?.data.length ?? 0);
    this.sendSnapshotChunk(pr);
    return false;
  }

  status(): PeerStatus[] {
    return [...this.progress.values()].map((pr) => pr.status());
  }

  /** Sends AppendEntries to `pr` while its flow control allows and there is something to send. */
  private sendAppends(pr: Progress, sendIfEmpty: boolean): void {
    for (let i = 0; i <= this.ctx.settings.maxInflightMessages; i++) {
      if (!this.sendAppend(pr, sendIfEmpty && i === 0)) return;
    }
  }

  /** Returns true when it sent entries (so the caller may try again). */
  private sendAppend(pr: Progress, sendIfEmpty: boolean): boolean {
    if (pr.isPaused()) return false;
    const log = this.ctx.log;
    const prevIndex = pr.nextIndex - 1;
    const prevTerm = log.termAt(prevIndex);
    if (prevTerm === null) {
      // The entries it needs are compacted: send the snapshot instead (§7).
      assert(prevIndex < log.snapshotIndex, 'progress: next index beyond the log');
      const snapshot = this.ctx.snapshot();
      if (snapshot === null) return false; // the node makes one (snapshotWanted); a later response retries
      pr.becomeSnapshot(snapshot.meta.index);
      this.sendSnapshotChunk(pr);
      return false;
    }
    const s = this.ctx.settings;
    const entries = log.slice(pr.nextIndex, log.lastIndex() + 1, s.maxBatchEntries, s.maxBatchBytes)!;
    if (entries.length === 0 && !sendIfEmpty) return false;
    let bytes = 0;
    for (const entry of entries) bytes += entry.data.length;
    this.ctx.send({ type: 'append', to: pr.id, prevIndex, prevTerm, entries, commitIndex: log.commitIndex });
    pr.sent(prevIndex + entries.length, entries.length, bytes);
    return entries.length > 0;
  }

  private sendSnapshotChunk(pr: Progress): void {
    const snapshot = this.ctx.snapshot();
    if (snapshot === null) return;
    if (pr.snapshotIndex !== snapshot.meta.index) pr.becomeSnapshot(snapshot.meta.index);
    const data = snapshot.data;
    const offset = pr.snapshotOffset;
    const chunk = data.subarray(offset, offset + this.ctx.settings.snapshotChunkBytes);
    this.ctx.send({ type: 'snapshot', to: pr.id, meta: snapshot.meta, totalBytes: data.length, offset, chunk });
    pr.snapshotIdleTicks = 0;
  }

  /** Where to retry after a rejection, from the follower's conflict hint (skips a term per round trip). */
  private retryIndex(m: AppendResponseMessage): number {
    if (m.conflictTerm > 0) {
      const index = this.ctx.log.lastIndexOfTerm(m.conflictTerm, m.rejectedIndex);
      if (index >= 0) return index + 1;
    }
    return m.conflictIndex;
  }
}
