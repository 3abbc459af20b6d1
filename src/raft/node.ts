// One Raft node as a pure state machine (shaped like etcd-io/raft's RawNode): roles and terms,
// elections with PreVote and CheckQuorum, the leader's replication and commit rule, ReadIndex,
// leadership transfer, snapshots and membership. Time arrives as tick(), input as step(), output
// leaves through ready()/advance() — see the caller's contract in types.ts.

import { assert } from '../lib/assert.js';
import { CairnError } from '../lib/errors.js';
import type { Prng } from '../lib/prng.js';
import { ForwardedReads } from './forwarded-reads.js';
import { followerAppend, followerHeartbeat, followerSnapshot, type FollowerContext } from './follower.js';
import { DEFAULT_INCARNATION, MAX_PEER_INCARNATIONS, PeerIncarnations, isIncarnation } from './incarnations.js';
import { RaftLog } from './log.js';
import {
  MembershipHistory, applyChange, decodeMembership, encodeMembership, isVoter, makeMembership, peersOf,
} from './membership.js';
import { voteOutcome } from './quorum.js';
import { ReadQueue, type PendingRead } from './reads.js';
import { Replicator, type Outgoing } from './replicator.js';
import { SnapshotReceiver } from './snapshot-receiver.js';
import { resolveSettings, type Settings } from './settings.js';
import {
  EntryKind,
  type AppendResponseMessage, type ConfChange, type Entry, type HardState,
  type HeartbeatResponseMessage, type Incarnation, type Message, type NodeId, type PeerIncarnation,
  type PersistedState, type ProposeResult, type RaftConfig, type RaftNodeApi, type RaftStatus,
  type ReadIndexResult, type ReadState, type Ready, type RejectReason, type Role, type Snapshot,
  type SnapshotResponseMessage, type SoftState, type VoteMessage,
  type VoteResponseMessage,
} from './types.js';
import { isValidMessage } from './validate.js';

const EMPTY = new Uint8Array(0);
const MAX_OUTBOX_MESSAGES = 1_000_000;

export class RaftNode implements RaftNodeApi {
  readonly id: NodeId;
  /** This data directory's incarnation, stamped on every message. */
  private readonly incarnation: Incarnation;
  private readonly s: Settings;
  private readonly prng: Prng;

  /** The incarnation first heard from each peer id: messages under another one are dropped. */
  private readonly peers: PeerIncarnations;
  /** peers.version as last handed out for persistence (and in the Ready outstanding). */
  private persistedPeersVersion: number;
  private outstandingPeersVersion = 0;
  /** The peer that refused this node's incarnation (this node lost its data), else null. */
  private staleReportedBy: NodeId | null = null;
  /** What the last passing-on of incarnations went out for (role, leader, map version), and when. */
  private gossipedRole: Role | null = null;
  private gossipedLeader: NodeId | null = null;
  private gossipedVersion = -1;
  private gossipedAtTick = 0;

  /** Invariant: never decreases. */
  private term: number;
  /** Invariant: set at most once per term (one vote per term). */
  private votedFor: NodeId | null;
  private role: Role = 'follower';
  private leaderId: NodeId | null = null;
  private readonly log: RaftLog;
  private readonly members: MembershipHistory;
  /** The latest snapshot (what a leader sends to a follower that is too far behind). */
  private snapshot: Snapshot;

  /** Ticks since this node started: the clock leader leases are measured on. */
  private nowTicks = 0;
  private electionElapsedTicks = 0;
  private heartbeatElapsedTicks = 0;
  private randomizedElectionTimeoutTicks = 0;
  /** Candidate and pre-candidate: votes received in this election. */
  private readonly votes = new Map<NodeId, boolean>();

  // Leader state, reset on every term.
  private readonly replicator: Replicator;
  private reads: ReadQueue;
  private transferTarget: NodeId | null = null;
  /** Payload bytes this leader appended that are not committed yet. */
  private uncommittedBytes = 0;
  /** The index of this leader's NOOP entry: entries from here on were appended by it. */
  private leaderFirstIndex = 0;
  /** New entries to send, or a commit index to announce, at the next ready() (batches appends). */
  private appendPending = false;
  private commitAnnouncePending = false;

  // Follower state.
  private readonly follower: FollowerContext;
  /** Reads this node forwarded (or will forward) to the leader, in batches. */
  private readonly forwarded: ForwardedReads;
  /** A received snapshot not yet handed to the caller. */
  private pendingSnapshot: Snapshot | null = null;

  // Output.
  private outbox: Message[] = [];
  private readStates: ReadState[] = [];
  private persistedHardState: HardState;
  private reportedSoftState: SoftState = { role: 'follower', leaderId: null };
  private outstanding: Ready | null = null;
  /** The last Ready sent a leader's messages ahead of its entries (sendsBeforePersisting). */
  private lastReadyEarly = false;

  constructor(config: RaftConfig, persisted: PersistedState) {
    this.s = resolveSettings(config);
    this.id = config.id;
    this.prng = config.prng;
    const { hardState, snapshot } = persisted;
    if (!Number.isSafeInteger(hardState.term) || hardState.term < 0) {
      throw new CairnError('CAIRN_INVALID_ARGUMENT', 'raft: persisted term must be a non-negative integer');
    }
    this.incarnation = checkedIncarnation(config.incarnation, hardState.incarnation);
    this.peers = new PeerIncarnations(checkedPeerIncarnations(hardState.peerIncarnations ?? [], this.id));
    this.persistedPeersVersion = this.peers.version;
    const membership = makeMembership(snapshot.meta.membership.voters, snapshot.meta.membership.learners);
    // Storage may still hold entries the snapshot covers (compaction of files lags): skip them.
    const entries = persisted.entries.filter((e) => e.index > snapshot.meta.index);
    // The commit index is only a hint (the leader re-teaches it); never trust it past the log.
    const lastIndex = snapshot.meta.index + entries.length;
    const commitIndex = Math.min(Math.max(hardState.commitIndex, snapshot.meta.index), lastIndex);
    this.log = new RaftLog(snapshot.meta, entries, commitIndex);
    this.members = new MembershipHistory(snapshot.meta.index, membership);
    for (const entry of entries) {
      if (entry.kind === EntryKind.CONFIG) this.members.add(entry.index, decodeMembership(entry.data));
    }
    this.snapshot = { meta: { ...snapshot.meta, membership }, data: snapshot.data };
    this.term = hardState.term;
    this.votedFor = hardState.votedFor;
    this.persistedHardState = { ...hardState, commitIndex };
    this.reads = new ReadQueue(this.s.maxPendingReads);
    this.forwarded = new ForwardedReads(this.s.maxPendingReads);
    this.replicator = new Replicator({
      id: this.id,
      settings: this.s,
      log: this.log,
      snapshot: () => this.snapshot,
      membership: () => this.members.current(),
      send: (m) => this.send(m),
    });
    this.follower = {
      log: this.log,
      members: this.members,
      receiver: new SnapshotReceiver(),
      send: (m) => this.send(m),
      installed: (snapshot) => {
        this.snapshot = snapshot;
        this.pendingSnapshot = snapshot;
      },
    };
    this.resetElectionTimer();
  }

  // ---------------------------------------------------------------- time

  tick(): void {
    this.nowTicks++;
    if (this.role === 'leader') this.tickLeader();
    else this.tickElection();
  }

  private tickElection(): void {
    // Capped: it only matters whether it reached the timeout and whether the lease is over.
    this.electionElapsedTicks = Math.min(this.electionElapsedTicks + 1, 4 * this.s.electionTimeoutTicks);
    if (this.electionElapsedTicks >= this.randomizedElectionTimeoutTicks && this.isPromotable()) {
      this.startElection(false);
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsedTicks++;
    this.electionElapsedTicks++;
    if (this.electionElapsedTicks >= this.s.electionTimeoutTicks) {
      this.electionElapsedTicks = 0;
      // CheckQuorum (thesis §6.2): a leader cut off from a majority stops acting as one.
      if (this.s.checkQuorum && !this.replicator.quorumActive(this.members.current().voters)) {
        this.becomeFollower(this.term, null);
        return;
      }
      this.replicator.resetRecentActive();
      this.transferTarget = null; // a transfer that did not finish in an election timeout is abandoned
    }
    this.replicator.tickSnapshots();
    if (this.heartbeatElapsedTicks >= this.s.heartbeatIntervalTicks) {
      this.heartbeatElapsedTicks = 0;
      this.broadcastHeartbeat();
    }
  }

  private resetElectionTimer(): void {
    this.electionElapsedTicks = 0;
    const t = this.s.electionTimeoutTicks;
    this.randomizedElectionTimeoutTicks = this.prng.int(t, 2 * t - 1);
  }

  /** Whether this node may campaign. */
  private isPromotable(): boolean {
    if (this.staleReportedBy !== null) return false; // another incarnation holds this id
    if (isVoter(this.members.current(), this.id)) return true;
    // Thesis §4.2.2: a voter removed by a change that is not committed yet may still be needed to
    // commit it (its log may be the only up-to-date one), so it keeps starting elections.
    const commitIndex = this.log.commitIndex;
    return this.members.currentIndex() > commitIndex && isVoter(this.members.at(commitIndex), this.id);
  }

  // ---------------------------------------------------------------- roles

  campaign(): void {
    if (this.role !== 'leader' && this.isPromotable()) this.startElection(false);
  }

  private startElection(transfer: boolean): void {
    if (this.s.preVote && !transfer) this.becomePreCandidate();
    else this.becomeCandidate(transfer);
  }

  private becomeFollower(term: number, leaderId: NodeId | null): void {
    assert(term >= this.term, 'terms never decrease');
    if (term > this.term) {
      this.term = term;
      this.votedFor = null;
    }
    if (this.role === 'leader') this.stopLeading();
    this.role = 'follower';
    this.leaderId = leaderId;
    this.votes.clear();
    this.resetElectionTimer();
  }

  /** PreVote (thesis §9.6): ask whether we could win at term+1 without disturbing anyone's term. */
  private becomePreCandidate(): void {
    assert(this.role !== 'leader', 'a leader does not campaign');
    this.role = 'preCandidate';
    this.leaderId = null;
    this.requestVotes(this.term + 1, true, false);
  }

  private becomeCandidate(transfer: boolean): void {
    assert(this.role !== 'leader', 'a leader does not campaign');
    this.term++;
    this.votedFor = this.id;
    this.role = 'candidate';
    this.leaderId = null;
    this.requestVotes(this.term, false, transfer);
  }

  private requestVotes(term: number, preVote: boolean, transfer: boolean): void {
    this.votes.clear();
    this.votes.set(this.id, true);
    this.resetElectionTimer();
    const lastLogIndex = this.log.lastIndex();
    const lastLogTerm = this.log.lastTerm();
    for (const to of this.members.current().voters) {
      if (to === this.id) continue;
      this.emit({ type: 'vote', from: this.id, to, term, incarnation: this.incarnation, preVote, transfer, lastLogIndex, lastLogTerm });
    }
    this.tallyVotes();
  }

  private tallyVotes(): void {
    assert(this.role === 'preCandidate' || this.role === 'candidate', 'only a campaigning node counts votes');
    const outcome = voteOutcome(this.members.current().voters, this.votes);
    if (outcome === 'won') {
      if (this.role === 'preCandidate') this.becomeCandidate(false);
      else this.becomeLeader();
    } else if (outcome === 'lost') {
      this.becomeFollower(this.term, null);
    }
  }

  private becomeLeader(): void {
    assert(this.role === 'candidate', 'only a candidate becomes leader');
    assert(this.votedFor === this.id, 'a leader voted for itself');
    this.role = 'leader';
    this.leaderId = this.id;
    this.votes.clear();
    this.electionElapsedTicks = 0;
    this.heartbeatElapsedTicks = 0;
    this.transferTarget = null;
    this.reads = new ReadQueue(this.s.maxPendingReads);
    this.replicator.clear();
    this.replicator.syncPeers();
    this.uncommittedBytes = 0;
    this.leaderFirstIndex = this.log.lastIndex() + 1;
    // A no-op of the new term lets the leader commit (and so learn) everything before it (§5.4.2).
    this.appendAsLeader(EntryKind.NOOP, EMPTY);
  }

  private stopLeading(): void {
    for (const read of this.reads.takeAll()) this.answerRead(read, -1);
    this.replicator.clear();
    this.transferTarget = null;
    this.uncommittedBytes = 0;
    this.appendPending = false;
    this.commitAnnouncePending = false;
  }

  // ---------------------------------------------------------------- input

  step(m: Message): void {
    if (!isValidMessage(m) || m.to !== this.id || m.from === this.id) return;
    if (!this.admitIncarnation(m)) return;
    if (m.type === 'staleIncarnation') return this.onStaleIncarnation(m.from, m.rejected);
    if (m.type === 'incarnations') return this.peers.adoptFrom(m.peers, this.id); // any term: knowledge, not orders
    if (m.term > this.term) {
      if (!this.onHigherTerm(m)) return;
    } else if (m.term < this.term) {
      this.onLowerTerm(m);
      return;
    }
    this.dispatch(m);
  }

  /**
   * First seen wins: a message from an id heard under another incarnation is dropped (a blank node
   * under a used id must not vote, acknowledge or lead), and its sender is told why. The map change
   * goes out in the next Ready's hard state, persisted before any message that relied on it.
   */
  private admitIncarnation(m: Message): boolean {
    const admission = this.peers.admit(m.from, m.incarnation);
    if (admission === 'known' || admission === 'new') return true;
    if (admission === 'stale' && m.type !== 'staleIncarnation') {
      this.send({ type: 'staleIncarnation', to: m.from, rejected: m.incarnation });
    }
    return false;
  }

  /** A peer knows this id under another incarnation: this node lost its data and must not take part. */
  private onStaleIncarnation(from: NodeId, rejected: Incarnation): void {
    if (rejected !== this.incarnation) return; // about an older incarnation of this id
    this.staleReportedBy ??= from;
    if (this.role !== 'follower') this.becomeFollower(this.term, null);
  }

  /** Returns false when the message must be dropped. */
  private onHigherTerm(m: Message): boolean {
    if (m.type === 'vote') {
      // A node that heard from a leader within the election timeout ignores elections (§9.6,
      // CheckQuorum lease), unless the leader itself asked for one (TimeoutNow).
      const inLease = this.s.checkQuorum && this.leaderId !== null &&
        this.electionElapsedTicks < this.s.electionTimeoutTicks;
      if (inLease && !m.transfer) return false;
      if (m.preVote) return true; // a PreVote never changes our term
      this.becomeFollower(m.term, null);
      return true;
    }
    // A granted PreVote carries the term the candidate will use, not a newer leader's term.
    if (m.type === 'voteResponse' && m.preVote && m.granted) return true;
    const fromLeader = m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot';
    this.becomeFollower(m.term, fromLeader ? m.from : null);
    return true;
  }

  private onLowerTerm(m: Message): void {
    if ((this.s.checkQuorum || this.s.preVote) && (m.type === 'append' || m.type === 'heartbeat')) {
      // A stale leader that we ignore would never learn the new term: tell it, so it steps down.
      this.send({ type: 'appendResponse', to: m.from, success: false, matchIndex: 0, rejectedIndex: 0, conflictTerm: 0, conflictIndex: 0 });
    } else if (m.type === 'vote' && m.preVote) {
      this.send({ type: 'voteResponse', to: m.from, preVote: true, granted: false });
    }
  }

  private dispatch(m: Message): void {
    switch (m.type) {
      case 'vote': return this.handleVote(m);
      case 'voteResponse': return this.handleVoteResponse(m);
      case 'append':
        this.acceptLeader(m.from);
        return followerAppend(this.follower, m);
      case 'heartbeat':
        this.acceptLeader(m.from);
        return followerHeartbeat(this.follower, m);
      case 'snapshot':
        this.acceptLeader(m.from);
        return followerSnapshot(this.follower, m);
      case 'appendResponse': return this.handleAppendResponse(m);
      case 'heartbeatResponse': return this.handleHeartbeatResponse(m);
      case 'snapshotResponse': return this.handleSnapshotResponse(m);
      case 'timeoutNow':
        if (this.role !== 'leader' && this.isPromotable()) this.startElection(true);
        return;
      case 'readIndex':
        if (this.role !== 'leader' || this.leaderReadIndex(m.requestId, m.from) !== null) {
          this.send({ type: 'readIndexResponse', to: m.from, requestId: m.requestId, index: -1 });
        }
        return;
      case 'readIndexResponse':
        if (this.role === 'follower' && m.from === this.leaderId) {
          for (const state of this.forwarded.answer(m.from, m.requestId, m.index)) this.readStates.push(state);
        }
        return;
    }
  }

  private send(m: Outgoing<Message>): void {
    this.emit({ ...m, from: this.id, term: this.term, incarnation: this.incarnation } as Message);
  }

  private emit(m: Message): void {
    // The caller drains the outbox with every Ready; this many unsent messages means it stopped.
    assert(this.outbox.length < MAX_OUTBOX_MESSAGES, 'outbox overflow: the caller must call ready()');
    this.outbox.push(m);
  }

  // ---------------------------------------------------------------- elections

  private handleVote(m: VoteMessage): void {
    // §5.2, §5.4.1: one vote per term, and only for a candidate whose log is at least as up to date.
    const canVote = this.votedFor === m.from ||
      (this.votedFor === null && this.leaderId === null) ||
      (m.preVote && m.term > this.term);
    if (canVote && this.log.isUpToDate(m.lastLogIndex, m.lastLogTerm)) {
      this.emit({ type: 'voteResponse', from: this.id, to: m.from, term: m.term, incarnation: this.incarnation, preVote: m.preVote, granted: true });
      if (!m.preVote) {
        assert(this.votedFor === null || this.votedFor === m.from, 'one vote per term');
        this.votedFor = m.from;
        this.electionElapsedTicks = 0;
      }
    } else {
      this.send({ type: 'voteResponse', to: m.from, preVote: m.preVote, granted: false });
    }
  }

  private handleVoteResponse(m: VoteResponseMessage): void {
    if (this.role === 'preCandidate' && m.preVote) {
      if (m.granted && m.term !== this.term + 1) return; // a grant for an older PreVote round
    } else if (this.role !== 'candidate' || m.preVote) {
      return;
    }
    if (!this.votes.has(m.from)) this.votes.set(m.from, m.granted);
    this.tallyVotes();
  }

  // ---------------------------------------------------------------- follower side

  /** A message from the leader of our term: follow it and restart the election timer. */
  private acceptLeader(from: NodeId): void {
    assert(this.role !== 'leader', 'election safety: two leaders in one term');
    if (this.role !== 'follower') this.becomeFollower(this.term, from);
    this.leaderId = from;
    this.electionElapsedTicks = 0;
  }

  // ---------------------------------------------------------------- leader side

  propose(data: Uint8Array): ProposeResult {
    if (!(data instanceof Uint8Array)) return this.reject('invalid');
    const refused = this.leaderRefusal();
    if (refused !== null) return this.reject(refused);
    if (this.uncommittedBytes > 0 && this.uncommittedBytes + data.length > this.s.maxUncommittedBytes) {
      return this.reject('busy');
    }
    const entry = this.appendAsLeader(EntryKind.NORMAL, data);
    return { accepted: true, index: entry.index, term: entry.term };
  }

  proposeConfChange(change: ConfChange): ProposeResult {
    const refused = this.leaderRefusal();
    if (refused !== null) return this.reject(refused);
    // One change at a time, and only once this leader committed an entry of its own term: that
    // keeps every two configurations that can be in effect at once overlapping in a majority.
    if (this.log.termAt(this.log.commitIndex) !== this.term) return this.reject('conf_change_pending');
    if (this.members.currentIndex() > this.log.commitIndex) return this.reject('conf_change_pending');
    const next = applyChange(this.members.current(), change);
    if (typeof next === 'string') return this.reject('invalid');
    const entry = this.appendAsLeader(EntryKind.CONFIG, encodeMembership(next));
    return { accepted: true, index: entry.index, term: entry.term };
  }

  transferLeadership(to: NodeId): ProposeResult {
    if (this.role !== 'leader') return this.reject('not_leader');
    if (to === this.id || !isVoter(this.members.current(), to)) return this.reject('invalid');
    this.transferTarget = to;
    this.electionElapsedTicks = 0;
    if (this.replicator.matchIndex(to) === this.log.lastIndex()) this.send({ type: 'timeoutNow', to });
    else this.replicator.sendAppendsTo(to);
    return { accepted: true, index: this.log.lastIndex(), term: this.term };
  }

  private leaderRefusal(): RejectReason | null {
    if (this.role !== 'leader') return 'not_leader';
    if (this.transferTarget !== null) return 'transferring';
    return null;
  }

  private reject(reason: RejectReason): { accepted: false; reason: RejectReason; leaderId: NodeId | null } {
    return { accepted: false, reason, leaderId: this.leaderId };
  }

  private appendAsLeader(kind: number, data: Uint8Array): Entry {
    assert(this.role === 'leader', 'only a leader appends new entries');
    const entry: Entry = { index: this.log.lastIndex() + 1, term: this.term, kind, data };
    assert(this.log.lastTerm() <= this.term, 'a leader\'s log holds no entry of a later term');
    this.log.append([entry]);
    if (kind === EntryKind.CONFIG) {
      this.members.add(entry.index, decodeMembership(data));
      this.replicator.syncPeers();
    }
    this.uncommittedBytes += data.length;
    this.appendPending = true;
    return entry;
  }

  private broadcastHeartbeat(): void {
    const seq = this.reads.broadcastSeq(this.s.leaseBasedReads);
    this.replicator.broadcastHeartbeat(seq, this.nowTicks);
  }

  private handleAppendResponse(m: AppendResponseMessage): void {
    if (!this.replicator.onAppendResponse(m)) return;
    this.maybeCommit();
    if (this.transferTarget === m.from && this.replicator.matchIndex(m.from) === this.log.lastIndex()) {
      this.send({ type: 'timeoutNow', to: m.from });
    }
  }

  private handleHeartbeatResponse(m: HeartbeatResponseMessage): void {
    this.replicator.onHeartbeatResponse(m);
    this.confirmReads();
  }

  private handleSnapshotResponse(m: SnapshotResponseMessage): void {
    if (this.replicator.onSnapshotResponse(m)) this.maybeCommit();
  }

  /** Figure 8 (§5.4.2): commit by counting replicas only an entry of the current term. */
  private maybeCommit(): void {
    const voters = this.members.current().voters;
    if (voters.length === 0) return;
    const index = this.replicator.quorumIndex(voters);
    assert(index <= this.log.lastIndex(), 'a majority cannot hold more than the leader has');
    if (index <= this.log.commitIndex || this.log.termAt(index) !== this.term) return;
    const oldCommitIndex = this.log.commitIndex;
    this.log.commitTo(index);
    this.commitAnnouncePending = true;
    this.afterCommit(oldCommitIndex); // may step down, which clears the announcement
  }

  private afterCommit(oldCommitIndex: number): void {
    const commitIndex = this.log.commitIndex;
    for (let index = Math.max(oldCommitIndex + 1, this.leaderFirstIndex); index <= commitIndex; index++) {
      this.uncommittedBytes -= this.log.entryAt(index).data.length;
    }
    assert(this.uncommittedBytes >= 0, 'uncommitted bytes went negative');
    this.reads.releaseWaiting(commitIndex);
    this.confirmReads();
    // A leader that removed itself leads until the change commits, then steps down (thesis §4.2.2),
    // handing over to an up-to-date voter so the cluster need not wait for an election timeout.
    if (!isVoter(this.members.current(), this.id) && commitIndex >= this.members.currentIndex()) {
      const successor = this.members.current().voters.find((id) => this.replicator.matchIndex(id) === this.log.lastIndex());
      if (successor !== undefined) this.send({ type: 'timeoutNow', to: successor });
      this.becomeFollower(this.term, null);
    }
  }

  // ---------------------------------------------------------------- reads

  readIndex(requestId: string): ReadIndexResult {
    if (typeof requestId !== 'string') return this.reject('invalid');
    if (this.role === 'leader') {
      const refused = this.leaderReadIndex(requestId, this.id);
      return refused === null ? { accepted: true } : this.reject(refused);
    }
    if (this.leaderId === null) return this.reject('not_leader');
    if (this.forwarded.isFull()) return this.reject('busy');
    // Sent at the next ready(), with every other read that arrives before then (forwarded-reads.ts).
    this.forwarded.add(requestId);
    return { accepted: true };
  }

  /** The leader this node's forwarded reads go to: none while it is not a follower. */
  private readLeader(): NodeId | null {
    return this.role === 'follower' ? this.leaderId : null;
  }

  /** Sends the next batch of forwarded reads, resends a lost one, refuses those that lost their leader. */
  private flushForwarded(): void {
    const refused = this.forwarded.flush(this.readLeader(), this.nowTicks, this.s.electionTimeoutTicks,
      (to, requestId) => this.send({ type: 'readIndex', to, requestId }));
    for (const state of refused) this.readStates.push(state);
  }

  /** Registers a read on the leader; returns why it was refused, or null. */
  private leaderReadIndex(requestId: string, from: NodeId): RejectReason | null {
    if (this.reads.isFull()) return 'busy';
    // Until an entry of this term commits, the leader's commit index may be behind (§6.4 step 1).
    if (this.log.termAt(this.log.commitIndex) !== this.term) this.reads.wait(requestId, from);
    else this.reads.startRound(requestId, from, this.log.commitIndex);
    this.confirmReads();
    return null;
  }

  /** Answers the reads whose heartbeat round a majority acknowledged (or at once under a valid lease). */
  private confirmReads(): void {
    const voters = this.members.current().voters;
    if (voters.length === 0) return;
    const lease = this.leaseValid(voters);
    const confirmed = this.reads.takeConfirmed((seq) => lease || this.replicator.roundAcked(voters, seq));
    for (const read of confirmed) this.answerRead(read, read.index);
  }

  /**
   * Leader lease (docs/RAFT.md): a majority acknowledged a heartbeat sent fewer than
   * electionTimeoutTicks - margin ticks ago, and each of them refuses votes for an election timeout
   * after receiving it, so no other leader can exist yet. Never during a transfer: TimeoutNow
   * makes the target campaign through the voters' lease.
   */
  private leaseValid(voters: readonly NodeId[]): boolean {
    if (!this.s.leaseBasedReads || !this.s.checkQuorum || this.transferTarget !== null) return false;
    const t = this.s.electionTimeoutTicks;
    const leaseTicks = t - Math.ceil(t / 4); // margin: tick granularity on both sides and clock drift
    return this.replicator.leaseValid(voters, this.nowTicks, leaseTicks);
  }

  private answerRead(read: PendingRead, index: number): void {
    if (read.from === this.id) this.readStates.push({ requestId: read.requestId, index });
    else this.send({ type: 'readIndexResponse', to: read.from, requestId: read.requestId, index });
  }

  // ---------------------------------------------------------------- snapshots

  compact(index: number, data: Uint8Array): Snapshot {
    if (!Number.isSafeInteger(index) || index <= this.log.snapshotIndex || index > this.log.appliedIndex) {
      throw new CairnError('CAIRN_INVALID_ARGUMENT',
        `raft: compact index ${index} must be above the snapshot (${this.log.snapshotIndex}) and at most applied (${this.log.appliedIndex})`);
    }
    const meta = { index, term: this.log.termAt(index)!, membership: this.members.at(index) };
    this.log.compact(index);
    this.members.compactTo(index);
    this.snapshot = { meta, data };
    return this.snapshot;
  }

  // ---------------------------------------------------------------- output

  hasReady(): boolean {
    if (this.outstanding !== null) return false;
    return this.appendPending || this.commitAnnouncePending || this.reads.roundDue() || this.gossipDue() ||
      this.forwarded.needsFlush(this.readLeader(), this.nowTicks, this.s.electionTimeoutTicks) ||
      this.outbox.length > 0 || this.readStates.length > 0 || this.pendingSnapshot !== null ||
      this.log.unstableFrom <= this.log.lastIndex() || this.hardState() !== null ||
      this.softStateChange() !== null || this.log.commitIndex > this.appliedBase();
  }

  ready(): Ready {
    assert(this.outstanding === null, 'ready() called again before advance()');
    if (this.role === 'leader') this.flushLeader();
    if (this.forwarded.size() > 0) this.flushForwarded();
    if (this.gossipDue()) this.gossipIncarnations();
    const early = this.sendsBeforePersisting();
    this.lastReadyEarly = early;
    const hardState = early ? null : this.hardState();
    if (hardState !== null) this.outstandingPeersVersion = this.peers.version;
    const softState = this.softStateChange();
    if (softState !== null) this.reportedSoftState = softState;
    const rd: Ready = {
      softState,
      hardState,
      snapshot: this.pendingSnapshot,
      entries: early ? [] : this.log.unstableEntries(),
      messages: this.outbox,
      committedEntries: this.committedToApply(early ? this.log.stableIndex() : this.log.lastIndex()),
      readStates: this.readStates,
    };
    this.outbox = [];
    this.readStates = [];
    this.log.truncatedSinceReady = Infinity;
    this.outstanding = rd;
    return rd;
  }

  /**
   * Thesis §10.2.1: a leader may send its new entries to the followers while it writes them to its
   * own disk, since it counts itself toward a commit only for entries it has persisted (stableIndex).
   * So when a leader's Ready would hold both, the messages go out in a Ready of their own and the
   * entries follow in the next — the caller starts the sends before the fsync. Only while the term
   * and vote are durable (a message must never carry a term its sender could forget), only for one
   * Ready in a row (the entries always come next), and never with a snapshot to install.
   */
  private sendsBeforePersisting(): boolean {
    if (this.role !== 'leader' || this.lastReadyEarly || this.outbox.length === 0) return false;
    if (this.pendingSnapshot !== null || this.log.unstableFrom > this.log.lastIndex()) return false;
    if (this.peers.version !== this.persistedPeersVersion) return false; // a first-seen incarnation goes first
    const p = this.persistedHardState;
    return p.term === this.term && p.votedFor === this.votedFor;
  }

  /** Committed entries not yet applied, up to `durableIndex` (what is on disk once this Ready is persisted). */
  private committedToApply(durableIndex: number): Entry[] {
    assert(durableIndex <= this.log.lastIndex(), 'nothing past the log can be durable');
    assert(durableIndex >= this.log.snapshotIndex, 'the snapshot is durable');
    const from = this.appliedBase() + 1;
    const to = Math.min(this.log.commitIndex, durableIndex);
    if (to < from) return [];
    return this.log.slice(from, to + 1, 8 * this.s.maxBatchEntries, 8 * this.s.maxBatchBytes)!;
  }

  advance(rd: Ready): void {
    assert(rd === this.outstanding, 'advance() takes the Ready that ready() returned');
    if (rd.snapshot !== null) {
      this.log.appliedIndex = Math.max(this.log.appliedIndex, rd.snapshot.meta.index);
      if (this.pendingSnapshot === rd.snapshot) this.pendingSnapshot = null;
    }
    const lastEntry = rd.entries[rd.entries.length - 1];
    if (lastEntry !== undefined) this.log.stableTo(lastEntry.index, lastEntry.term);
    if (rd.hardState !== null) {
      this.persistedHardState = rd.hardState;
      this.persistedPeersVersion = this.outstandingPeersVersion;
    }
    const lastApplied = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastApplied !== undefined) this.log.appliedIndex = Math.max(this.log.appliedIndex, lastApplied.index);
    assert(this.log.appliedIndex <= this.log.commitIndex, 'applied beyond the commit index');
    this.log.truncatedSinceReady = Infinity;
    this.outstanding = null;
    // The leader counts itself only for entries it has persisted.
    if (this.role === 'leader' && lastEntry !== undefined) this.maybeCommit();
  }

  /** Sends the appends and heartbeats that were batched since the last Ready. */
  private flushLeader(): void {
    if (this.appendPending || this.commitAnnouncePending) {
      this.replicator.broadcastAppends(this.commitAnnouncePending);
      this.appendPending = false;
      this.commitAnnouncePending = false;
    }
    // A round waits while an earlier one is in flight; the periodic heartbeat still carries it.
    if (this.reads.roundDue()) this.broadcastHeartbeat();
  }

  /**
   * Who this node passes the incarnations it knows on to: a leader to every member, a follower to
   * its leader — followers never hear from each other outside elections, so what one of them saw
   * reaches the others through the leader.
   */
  private gossipTargets(): NodeId[] {
    if (this.role === 'leader') return peersOf(this.members.current(), this.id);
    return this.role === 'follower' && this.leaderId !== null ? [this.leaderId] : [];
  }

  /**
   * When the map, the role or the leader changed, and again every election timeout (a message may
   * be lost). Called by hasReady(): allocates nothing.
   */
  private gossipDue(): boolean {
    if (this.peers.size === 0) return false;
    if (this.role === 'leader') {
      const { voters, learners } = this.members.current();
      const self = voters.includes(this.id) || learners.includes(this.id) ? 1 : 0;
      if (voters.length + learners.length - self === 0) return false;
    } else if (this.role !== 'follower' || this.leaderId === null) {
      return false;
    }
    return this.gossipedVersion !== this.peers.version || this.gossipedRole !== this.role ||
      this.gossipedLeader !== this.leaderId || this.nowTicks - this.gossipedAtTick >= this.s.electionTimeoutTicks;
  }

  private gossipIncarnations(): void {
    this.gossipedRole = this.role;
    this.gossipedLeader = this.leaderId;
    this.gossipedVersion = this.peers.version;
    this.gossipedAtTick = this.nowTicks;
    const list = this.peers.list();
    for (const to of this.gossipTargets()) this.send({ type: 'incarnations', to, peers: list });
  }

  private appliedBase(): number {
    return Math.max(this.log.appliedIndex, this.pendingSnapshot?.meta.index ?? 0);
  }

  /** The hard state when it differs from what was last handed out for persistence, else null. */
  private hardState(): HardState | null {
    const p = this.persistedHardState;
    const term = this.term;
    const votedFor = this.votedFor;
    const commitIndex = this.log.commitIndex;
    const peersChanged = this.peers.version !== this.persistedPeersVersion;
    if (p.term === term && p.votedFor === votedFor && p.commitIndex === commitIndex && !peersChanged) return null;
    assert(term >= p.term, 'terms never decrease');
    assert(term > p.term || p.votedFor === null || p.votedFor === votedFor, 'one vote per term');
    assert(commitIndex >= p.commitIndex, 'commit index never decreases');
    return { term, votedFor, commitIndex, incarnation: this.incarnation, peerIncarnations: this.peers.list() };
  }

  private softStateChange(): SoftState | null {
    const r = this.reportedSoftState;
    if (r.role === this.role && r.leaderId === this.leaderId) return null;
    return { role: this.role, leaderId: this.leaderId };
  }

  // ---------------------------------------------------------------- status

  status(): RaftStatus {
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      votedFor: this.votedFor,
      leaderId: this.leaderId,
      commitIndex: this.log.commitIndex,
      appliedIndex: this.log.appliedIndex,
      firstIndex: this.log.firstIndex(),
      lastIndex: this.log.lastIndex(),
      lastTerm: this.log.lastTerm(),
      snapshotIndex: this.log.snapshotIndex,
      membership: this.members.current(),
      peers: this.role === 'leader' ? this.replicator.status() : [],
      transferTarget: this.transferTarget,
      incarnation: this.incarnation,
      staleIncarnation: this.staleReportedBy,
    };
  }
}

/** The configured incarnation; it must be the one the persisted state belongs to, when that names one. */
function checkedIncarnation(configured: Incarnation | undefined, persisted: Incarnation | undefined): Incarnation {
  const incarnation = configured ?? DEFAULT_INCARNATION;
  if (!isIncarnation(incarnation)) {
    throw new CairnError('CAIRN_INVALID_ARGUMENT', `raft: incarnation must be 16 lowercase hex digits, got ${String(incarnation)}`);
  }
  if (persisted !== undefined && persisted !== incarnation) {
    throw new CairnError('CAIRN_INVALID_ARGUMENT', `raft: the persisted state belongs to incarnation ${persisted}, not ${incarnation}`);
  }
  return incarnation;
}

function checkedPeerIncarnations(list: readonly PeerIncarnation[], selfId: NodeId): readonly PeerIncarnation[] {
  if (!Array.isArray(list) || list.length > MAX_PEER_INCARNATIONS) {
    throw new CairnError('CAIRN_INVALID_ARGUMENT', `raft: persisted peer incarnations must be a list of at most ${MAX_PEER_INCARNATIONS}`);
  }
  const seen = new Set<NodeId>();
  for (const { id, incarnation } of list) {
    if (typeof id !== 'string' || id.length === 0 || id === selfId || seen.has(id) || !isIncarnation(incarnation)) {
      throw new CairnError('CAIRN_INVALID_ARGUMENT', `raft: persisted peer incarnation for ${String(id)} is invalid`);
    }
    seen.add(id);
  }
  return list;
}
