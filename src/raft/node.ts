// One Raft node as a pure state machine (etcd-io/raft's raft.go): roles and terms, elections with
// PreVote and CheckQuorum, step() and the commit rule. Time arrives as tick(), input as step(); the
// output leaves through ready()/advance(), built in ready.ts (etcd's rawnode.go) — see the caller's
// contract in types.ts. The parts it drives share its NodeCore (core.ts): leader.ts (proposals,
// transfer, heartbeats), replicator.ts and follower.ts (replication), read-index.ts (ReadIndex),
// incarnations.ts (who is who, and passing that on).

import { assert } from '../lib/assert.js';
import type { Prng } from '../lib/prng.js';
import type { NodeCore, NodeState } from './core.js';
import { Campaign, isPromotable, mayGrantVote } from './election.js';
import { followerAppend, followerHeartbeat, followerSnapshot, type FollowerContext } from './follower.js';
import { IncarnationGossip, admitted } from './incarnations.js';
import { Leader, refusal } from './leader.js';
import type { RaftLog } from './log.js';
import { isVoter, type MembershipHistory } from './membership.js';
import { compactTo, restore } from './persisted.js';
import { ReadIndex } from './read-index.js';
import { ReadyBuilder } from './ready.js';
import { Replicator, type Outgoing } from './replicator.js';
import { SnapshotReceiver } from './snapshot-receiver.js';
import { HeldSnapshot } from './held-snapshot.js';
import { resolveSettings, type Settings } from './settings.js';
import { statusOf } from './status.js';
import type {
  ConfChange, Incarnation, Message, NodeId, PersistedState, ProposeResult, RaftConfig, RaftNodeApi, RaftStatus,
  ReadIndexResult, Ready, Snapshot, VoteMessage, VoteResponseMessage,
} from './types.js';
import { isValidMessage } from './validate.js';

export class RaftNode implements RaftNodeApi {
  readonly id: NodeId;
  /** This data directory's incarnation, stamped on every message. */
  private readonly incarnation: Incarnation;
  private readonly s: Settings;
  private readonly prng: Prng;
  /** Term, vote, role, leader and clock; the parts read it through `core`, only this class writes it. */
  private readonly st: NodeState;
  private readonly core: NodeCore;

  private readonly gossip: IncarnationGossip;
  /** The peer that refused this node's incarnation (this node lost its data), else null. */
  private staleReportedBy: NodeId | null = null;

  private readonly log: RaftLog;
  private readonly members: MembershipHistory;
  /** The latest snapshot (what a leader sends to a follower that is too far behind). */
  private readonly snapshot: HeldSnapshot;

  private electionElapsedTicks = 0;
  private randomizedElectionTimeoutTicks = 0;
  /** Candidate and pre-candidate: the votes of this election. */
  private readonly election: Campaign;

  private readonly replicator: Replicator;
  private readonly leader: Leader;
  private readonly follower: FollowerContext;
  /** ReadIndex: the leader's heartbeat rounds and a follower's forwarded reads. */
  private readonly reads: ReadIndex;
  /** The output waiting for the next Ready. */
  private readonly readies: ReadyBuilder;

  constructor(config: RaftConfig, persisted: PersistedState) {
    this.s = resolveSettings(config);
    this.id = config.id;
    this.prng = config.prng;
    const { incarnation, peers, log, members, snapshot, hardState } = restore(config, persisted);
    this.incarnation = incarnation;
    this.log = log;
    this.members = members;
    this.snapshot = new HeldSnapshot(this.id, members, snapshot);
    this.st = { term: hardState.term, votedFor: hardState.votedFor, role: 'follower', leaderId: null, nowTicks: 0 };
    this.core = { id: this.id, incarnation, settings: this.s, log, members, peers, state: this.st, send: (m) => this.send(m) };
    this.readies = new ReadyBuilder(this.core, hardState);
    this.replicator = new Replicator({ id: this.id, settings: this.s, log, snapshot: () => this.snapshot.get(), membership: () => members.current(), send: (m) => this.send(m) });
    this.reads = new ReadIndex(this.core, this.replicator, (state) => this.readies.addReadState(state), () => this.leader.transferTarget);
    this.leader = new Leader(this.core, this.replicator, this.reads);
    this.gossip = new IncarnationGossip(this.core);
    this.election = new Campaign(this.core, (m) => this.readies.emit(m));
    const installed = (installedSnapshot: Snapshot): void => this.readies.snapshotInstalled(this.snapshot.hold(installedSnapshot));
    this.follower = { log, members, receiver: new SnapshotReceiver(), send: (m) => this.send(m), installed };
    this.resetElectionTimer();
  }

  // ---------------------------------------------------------------- time

  tick(): void {
    this.st.nowTicks++;
    if (this.st.role === 'leader') this.tickLeader();
    else this.tickElection();
  }

  private tickElection(): void {
    // Capped: it only matters whether it reached the timeout and whether the lease is over.
    this.electionElapsedTicks = Math.min(this.electionElapsedTicks + 1, 4 * this.s.electionTimeoutTicks);
    if (this.electionElapsedTicks >= this.randomizedElectionTimeoutTicks && this.isPromotable()) this.startElection(false);
  }

  private tickLeader(): void {
    this.electionElapsedTicks++;
    if (this.electionElapsedTicks >= this.s.electionTimeoutTicks) {
      this.electionElapsedTicks = 0;
      // CheckQuorum (thesis §6.2): a leader cut off from a majority stops acting as one.
      if (this.s.checkQuorum && !this.replicator.quorumActive(this.members.current().voters)) {
        this.becomeFollower(this.st.term, null);
        return;
      }
      this.leader.quorumRoundPassed();
    }
    this.leader.tick();
  }

  private resetElectionTimer(): void {
    this.electionElapsedTicks = 0;
    const t = this.s.electionTimeoutTicks;
    this.randomizedElectionTimeoutTicks = this.prng.int(t, 2 * t - 1);
  }

  /** Whether this node may campaign: not while another incarnation holds its id. */
  private isPromotable(): boolean {
    return this.staleReportedBy === null && isPromotable(this.core);
  }

  // ---------------------------------------------------------------- roles

  campaign(): void {
    if (this.st.role !== 'leader' && this.isPromotable()) this.startElection(false);
  }

  private startElection(transfer: boolean): void {
    if (this.s.preVote && !transfer) this.becomePreCandidate();
    else this.becomeCandidate(transfer);
  }

  private becomeFollower(term: number, leaderId: NodeId | null): void {
    assert(term >= this.st.term, 'terms never decrease');
    if (term > this.st.term) {
      this.st.term = term;
      this.st.votedFor = null;
    }
    if (this.st.role === 'leader') this.leader.stop();
    this.st.role = 'follower';
    this.st.leaderId = leaderId;
    this.election.clear();
    this.resetElectionTimer();
  }

  /** PreVote (thesis §9.6): ask whether we could win at term+1 without disturbing anyone's term. */
  private becomePreCandidate(): void {
    assert(this.st.role !== 'leader', 'a leader does not campaign');
    this.st.role = 'preCandidate';
    this.st.leaderId = null;
    this.requestVotes(this.st.term + 1, true, false);
  }

  private becomeCandidate(transfer: boolean): void {
    assert(this.st.role !== 'leader', 'a leader does not campaign');
    this.st.term++;
    this.st.votedFor = this.id;
    this.st.role = 'candidate';
    this.st.leaderId = null;
    this.requestVotes(this.st.term, false, transfer);
  }

  private requestVotes(term: number, preVote: boolean, transfer: boolean): void {
    this.election.request(term, preVote, transfer);
    this.resetElectionTimer();
    this.tallyVotes();
  }

  private tallyVotes(): void {
    assert(this.st.role === 'preCandidate' || this.st.role === 'candidate', 'only a campaigning node counts votes');
    const outcome = this.election.outcome();
    if (outcome === 'won') {
      if (this.st.role === 'preCandidate') this.becomeCandidate(false);
      else this.becomeLeader();
    } else if (outcome === 'lost') {
      this.becomeFollower(this.st.term, null);
    }
  }

  private becomeLeader(): void {
    assert(this.st.role === 'candidate', 'only a candidate becomes leader');
    assert(this.st.votedFor === this.id, 'a leader voted for itself');
    this.st.role = 'leader';
    this.st.leaderId = this.id;
    this.election.clear();
    this.electionElapsedTicks = 0;
    this.leader.start();
  }

  // ---------------------------------------------------------------- input

  step(m: Message): void {
    if (!isValidMessage(m) || m.to !== this.id || m.from === this.id) return;
    if (!admitted(this.core, m)) return;
    if (m.type === 'staleIncarnation') return this.onStaleIncarnation(m.from, m.rejected);
    if (m.type === 'incarnations') return this.core.peers.adoptFrom(m.peers, this.id); // any term: knowledge, not orders
    if (m.term > this.st.term) {
      if (!this.onHigherTerm(m)) return;
    } else if (m.term < this.st.term) {
      this.onLowerTerm(m);
      return;
    }
    this.dispatch(m);
  }

  /** A peer knows this id under another incarnation: this node lost its data and must not take part. */
  private onStaleIncarnation(from: NodeId, rejected: Incarnation): void {
    if (rejected !== this.incarnation) return; // about an older incarnation of this id
    this.staleReportedBy ??= from;
    if (this.st.role !== 'follower') this.becomeFollower(this.st.term, null);
  }

  /** Returns false when the message must be dropped. */
  private onHigherTerm(m: Message): boolean {
    if (m.type === 'vote') {
      // A node that heard from a leader within the election timeout ignores elections (§9.6,
      // CheckQuorum lease), unless the leader itself asked for one (TimeoutNow).
      const inLease = this.s.checkQuorum && this.st.leaderId !== null &&
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
      case 'appendResponse':
        if (!this.replicator.onAppendResponse(m)) return;
        this.maybeCommit();
        return this.leader.caughtUp(m.from);
      case 'heartbeatResponse':
        this.replicator.onHeartbeatResponse(m);
        return this.reads.confirm();
      case 'snapshotResponse':
        if (this.replicator.onSnapshotResponse(m)) this.maybeCommit();
        return;
      case 'timeoutNow':
        if (this.st.role !== 'leader' && this.isPromotable()) this.startElection(true);
        return;
      case 'readIndex': return this.reads.onRequest(m);
      case 'readIndexResponse': return this.reads.onResponse(m);
    }
  }

  /** Completes a message made for this one send in place (a copy cost a third of the core's CPU) and queues it. */
  private send(m: Outgoing<Message>): void {
    const message = m as { -readonly [K in keyof Message]: Message[K] };
    message.from = this.id;
    message.term = this.st.term;
    message.incarnation = this.incarnation;
    this.readies.emit(message as Message);
  }

  // ---------------------------------------------------------------- elections

  private handleVote(m: VoteMessage): void {
    if (mayGrantVote(this.core, m)) {
      this.readies.emit({ type: 'voteResponse', from: this.id, to: m.from, term: m.term, incarnation: this.incarnation, preVote: m.preVote, granted: true });
      if (!m.preVote) {
        assert(this.st.votedFor === null || this.st.votedFor === m.from, 'one vote per term');
        this.st.votedFor = m.from;
        this.electionElapsedTicks = 0;
      }
    } else {
      this.send({ type: 'voteResponse', to: m.from, preVote: m.preVote, granted: false });
    }
  }

  private handleVoteResponse(m: VoteResponseMessage): void {
    if (this.st.role === 'preCandidate' && m.preVote) {
      if (m.granted && m.term !== this.st.term + 1) return; // a grant for an older PreVote round
    } else if (this.st.role !== 'candidate' || m.preVote) {
      return;
    }
    this.election.record(m.from, m.granted);
    this.tallyVotes();
  }

  /** A message from the leader of our term: follow it and restart the election timer. */
  private acceptLeader(from: NodeId): void {
    assert(this.st.role !== 'leader', 'election safety: two leaders in one term');
    if (this.st.role !== 'follower') this.becomeFollower(this.st.term, from);
    this.st.leaderId = from;
    this.electionElapsedTicks = 0;
  }

  // ---------------------------------------------------------------- leader side (leader.ts)

  propose(data: Uint8Array): ProposeResult {
    return this.leader.propose(data);
  }

  proposeConfChange(change: ConfChange): ProposeResult {
    return this.leader.proposeConfChange(change);
  }

  transferLeadership(to: NodeId): ProposeResult {
    const result = this.leader.transfer(to);
    if (result.accepted) this.electionElapsedTicks = 0;
    return result;
  }

  // ---------------------------------------------------------------- commit

  /** Figure 8 (§5.4.2): commit by counting replicas only an entry of the current term. */
  private maybeCommit(): void {
    const voters = this.members.current().voters;
    if (voters.length === 0) return;
    const index = this.replicator.quorumIndex(voters);
    assert(index <= this.log.lastIndex(), 'a majority cannot hold more than the leader has');
    if (index <= this.log.commitIndex || this.log.termAt(index) !== this.st.term) return;
    const oldCommitIndex = this.log.commitIndex;
    this.log.commitTo(index);
    this.leader.committed(oldCommitIndex);
    this.afterCommit(); // may step down, which clears the announcement
  }

  private afterCommit(): void {
    const commitIndex = this.log.commitIndex;
    this.reads.committed(commitIndex);
    // A leader that removed itself leads until the change commits, then steps down (thesis §4.2.2),
    // handing over to an up-to-date voter so the cluster need not wait for an election timeout.
    if (!isVoter(this.members.current(), this.id) && commitIndex >= this.members.currentIndex()) {
      const successor = this.members.current().voters.find((id) => this.replicator.matchIndex(id) === this.log.lastIndex());
      if (successor !== undefined) this.send({ type: 'timeoutNow', to: successor });
      this.becomeFollower(this.st.term, null);
    }
  }

  // ---------------------------------------------------------------- reads, snapshots, status

  readIndex(requestId: string): ReadIndexResult {
    if (typeof requestId !== 'string') return refusal('invalid', this.st.leaderId);
    const refused = this.reads.request(requestId);
    return refused === null ? { accepted: true } : refusal(refused, this.st.leaderId);
  }

  compact(index: number, data: Uint8Array): Snapshot {
    return this.snapshot.hold(compactTo(this.log, this.members, index, data));
  }

  snapshotWanted(): boolean {
    return this.snapshot.wanted();
  }

  // ---------------------------------------------------------------- output

  hasReady(): boolean {
    if (this.readies.isOutstanding()) return false;
    return this.leader.flushDue() || this.gossip.due() || this.reads.forwardDue() || this.readies.hasOutput();
  }

  ready(): Ready {
    assert(!this.readies.isOutstanding(), 'ready() called again before advance()');
    if (this.st.role === 'leader') this.leader.flush();
    this.reads.flushForwarded();
    if (this.gossip.due()) this.gossip.send();
    return this.readies.build();
  }

  advance(rd: Ready): void {
    const persistedEntries = this.readies.advance(rd);
    // The leader counts itself only for entries it has persisted.
    if (this.st.role === 'leader' && persistedEntries) this.maybeCommit();
  }

  status(): RaftStatus {
    return statusOf(this.core, () => this.replicator.status(), this.leader.transferTarget, this.staleReportedBy);
  }
}
