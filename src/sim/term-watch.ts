// The term rule's eyes: a wrapper between a replica and its Raft core that records the highest real
// term of every message the core steps, and hands each hard state the core gives out for persistence
// (every change of the durable term goes through one) to the checker with what the node had heard
// by then (InvariantChecker.durableTermRaised). It changes nothing it passes on.

import type {
  ConfChange, Message, NodeId, ProposeResult, RaftNodeApi, RaftStatus, ReadIndexResult, Ready, Snapshot,
} from '../raft/types.js';

export interface TermRuleChecker {
  /** `id` handed out a hard state whose term rose from `fromTerm` to `toTerm`. */
  durableTermRaised(id: NodeId, fromTerm: number, toTerm: number, votedFor: NodeId | null, heardTermMax: number): void;
}

/**
 * A term its sender holds: not a PreVote request nor a granted PreVote (both carry the term the
 * pre-candidate would use, which nobody holds), nor incarnation news (which moves no term).
 */
function carriesHeldTerm(m: Message): boolean {
  if (m.type === 'vote') return !m.preVote;
  if (m.type === 'voteResponse') return !(m.preVote && m.granted);
  return m.type !== 'incarnations' && m.type !== 'staleIncarnation';
}

class TermWatchedNode implements RaftNodeApi {
  /** The highest term held by the sender of any message stepped into this process of the node. */
  private heardTermMax = 0;

  constructor(
    private readonly node: RaftNodeApi,
    private readonly id: NodeId,
    /** The term of the last hard state handed out (at first, the one the node was started from). */
    private durableTerm: number,
    private readonly checker: TermRuleChecker,
  ) {}

  step(m: Message): void {
    if (carriesHeldTerm(m) && Number.isSafeInteger(m.term) && m.term > this.heardTermMax) this.heardTermMax = m.term;
    this.node.step(m);
  }

  ready(): Ready {
    const rd = this.node.ready();
    const hs = rd.hardState;
    if (hs !== null && hs.term > this.durableTerm) {
      this.checker.durableTermRaised(this.id, this.durableTerm, hs.term, hs.votedFor, this.heardTermMax);
      this.durableTerm = hs.term;
    }
    return rd;
  }

  tick(): void {
    this.node.tick();
  }

  propose(data: Uint8Array): ProposeResult {
    return this.node.propose(data);
  }

  proposeConfChange(change: ConfChange): ProposeResult {
    return this.node.proposeConfChange(change);
  }

  readIndex(requestId: string): ReadIndexResult {
    return this.node.readIndex(requestId);
  }

  transferLeadership(to: NodeId): ProposeResult {
    return this.node.transferLeadership(to);
  }

  compact(index: number, data: Uint8Array): Snapshot {
    return this.node.compact(index, data);
  }

  snapshotWanted(): boolean {
    return this.node.snapshotWanted();
  }

  campaign(): void {
    this.node.campaign();
  }

  hasReady(): boolean {
    return this.node.hasReady();
  }

  advance(ready: Ready): void {
    this.node.advance(ready);
  }

  status(): RaftStatus {
    return this.node.status();
  }
}

/** `node`, started from a hard state of `persistedTerm`, watched for the term rule. */
export function watchTerms(node: RaftNodeApi, id: NodeId, persistedTerm: number, checker: TermRuleChecker): RaftNodeApi {
  return new TermWatchedNode(node, id, persistedTerm, checker);
}
