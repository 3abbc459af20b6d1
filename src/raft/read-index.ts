// One node's ReadIndex (thesis §6.4; etcd-io/raft's read_only.go and its use in raft.go): a read
// asked of the leader joins a heartbeat round (the queue in reads.ts) and is answered once a majority
// acknowledged it, or at once under a valid lease; a read asked of a follower is forwarded to the
// leader in batches (forwarded-reads.ts). This file decides which, and turns answers into read
// states or readIndexResponse messages; the two queues keep the bookkeeping.

import type { NodeCore } from './core.js';
import { ForwardedReads } from './forwarded-reads.js';
import { ReadQueue, type PendingRead } from './reads.js';
import type { Replicator } from './replicator.js';
import type { NodeId, ReadIndexMessage, ReadIndexResponseMessage, ReadState, RejectReason } from './types.js';

export class ReadIndex {
  /** The leader's reads; a new queue for every term it leads. */
  private reads: ReadQueue;
  /** Reads this node forwarded (or will forward) to the leader, in batches. */
  private readonly forwarded: ForwardedReads;

  constructor(
    private readonly core: NodeCore,
    private readonly replicator: Replicator,
    /** Hands a read state to the caller in the next Ready. */
    private readonly readState: (state: ReadState) => void,
    /** The leader's transfer target, if a transfer runs (no lease meanwhile). */
    private readonly transferTarget: () => NodeId | null,
  ) {
    this.reads = new ReadQueue(core.settings.maxPendingReads);
    this.forwarded = new ForwardedReads(core.settings.maxPendingReads);
  }

  /** The caller asks for a read point: returns why it was refused, or null. */
  request(requestId: string): RejectReason | null {
    if (this.core.state.role === 'leader') return this.leaderRead(requestId, this.core.id);
    if (this.core.state.leaderId === null) return 'not_leader';
    if (this.forwarded.isFull()) return 'busy';
    // Sent at the next ready(), with every other read that arrives before then (forwarded-reads.ts).
    this.forwarded.add(requestId);
    return null;
  }

  /** A follower forwarded a read to this node. */
  onRequest(m: ReadIndexMessage): void {
    if (this.core.state.role !== 'leader' || this.leaderRead(m.requestId, m.from) !== null) {
      this.core.send({ type: 'readIndexResponse', to: m.from, requestId: m.requestId, index: -1 });
    }
  }

  /** The leader answered a batch this node forwarded. */
  onResponse(m: ReadIndexResponseMessage): void {
    if (this.core.state.role !== 'follower' || m.from !== this.core.state.leaderId) return;
    for (const state of this.forwarded.answer(m.from, m.requestId, m.index)) this.readState(state);
  }

  becomeLeader(): void {
    this.reads = new ReadQueue(this.core.settings.maxPendingReads);
  }

  /** Leadership ended: every read it held is refused. */
  stopLeading(): void {
    for (const read of this.reads.takeAll()) this.answer(read, -1);
  }

  /** The leader committed up to `commitIndex`: reads waiting for its term's first commit join a round. */
  committed(commitIndex: number): void {
    this.reads.releaseWaiting(commitIndex);
    this.confirm();
  }

  /** A round of reads may go out with a heartbeat now. */
  roundDue(): boolean {
    return this.reads.roundDue();
  }

  /** The round number the next heartbeat broadcast carries (reads.ts broadcastSeq). */
  heartbeatSeq(): number {
    return this.reads.broadcastSeq(this.core.settings.leaseBasedReads);
  }

  /** Forwarded reads to send, resend or refuse. Called by hasReady(): allocates nothing. */
  forwardDue(): boolean {
    return this.forwarded.needsFlush(this.readLeader(), this.core.state.nowTicks, this.core.settings.electionTimeoutTicks);
  }

  /** Sends the next batch of forwarded reads, resends a lost one, refuses those that lost their leader. */
  flushForwarded(): void {
    if (this.forwarded.size() === 0) return;
    const refused = this.forwarded.flush(this.readLeader(), this.core.state.nowTicks, this.core.settings.electionTimeoutTicks,
      (to, requestId) => this.core.send({ type: 'readIndex', to, requestId }));
    for (const state of refused) this.readState(state);
  }

  /** Answers the reads whose heartbeat round a majority acknowledged (or at once under a valid lease). */
  confirm(): void {
    const voters = this.core.members.current().voters;
    if (voters.length === 0) return;
    const lease = this.leaseValid(voters);
    const confirmed = this.reads.takeConfirmed((seq) => lease || this.replicator.roundAcked(voters, seq));
    for (const read of confirmed) this.answer(read, read.index);
  }

  /** The leader this node's forwarded reads go to: none while it is not a follower. */
  private readLeader(): NodeId | null {
    return this.core.state.role === 'follower' ? this.core.state.leaderId : null;
  }

  /** Registers a read on the leader; returns why it was refused, or null. */
  private leaderRead(requestId: string, from: NodeId): RejectReason | null {
    if (this.reads.isFull()) return 'busy';
    const log = this.core.log;
    // Until an entry of this term commits, the leader's commit index may be behind (§6.4 step 1).
    if (log.termAt(log.commitIndex) !== this.core.state.term) this.reads.wait(requestId, from);
    else this.reads.startRound(requestId, from, log.commitIndex);
    this.confirm();
    return null;
  }

  /**
   * Leader lease (docs/RAFT.md): a majority acknowledged a heartbeat sent fewer than
   * electionTimeoutTicks - margin ticks ago, and each of them refuses votes for an election timeout
   * after receiving it, so no other leader can exist yet. Never during a transfer: TimeoutNow
   * makes the target campaign through the voters' lease.
   */
  private leaseValid(voters: readonly NodeId[]): boolean {
    const s = this.core.settings;
    if (!s.leaseBasedReads || !s.checkQuorum || this.transferTarget() !== null) return false;
    const t = s.electionTimeoutTicks;
    const leaseTicks = t - Math.ceil(t / 4); // margin: tick granularity on both sides and clock drift
    return this.replicator.leaseValid(voters, this.core.state.nowTicks, leaseTicks);
  }

  private answer(read: PendingRead, index: number): void {
    if (read.from === this.core.id) this.readState({ requestId: read.requestId, index });
    else this.core.send({ type: 'readIndexResponse', to: read.from, requestId: read.requestId, index });
  }
}
