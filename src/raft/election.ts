// One node's side of an election (§5.2, §5.4.1, PreVote thesis §9.6), as etcd-io/raft's campaign
// and poll: asking every other voter for its vote, counting the answers once per voter (the math is
// quorum.ts), and whether this node may grant a vote asked of it. The role changes the outcome
// leads to stay in node.ts.

import type { NodeCore } from './core.js';
import { isVoter } from './membership.js';
import { voteOutcome, type VoteOutcome } from './quorum.js';
import type { Message, NodeId, VoteMessage } from './types.js';

export class Campaign {
  /** Votes received in this election, this node's own included. */
  private readonly votes = new Map<NodeId, boolean>();

  constructor(
    private readonly core: NodeCore,
    /** Queues a message as is (vote requests carry the term asked for, not the node's). */
    private readonly emit: (m: Message) => void,
  ) {}

  /** Asks every other voter for its vote in `term` (a PreVote when `preVote`), counting our own. */
  request(term: number, preVote: boolean, transfer: boolean): void {
    const { id, incarnation, log } = this.core;
    this.votes.clear();
    this.votes.set(id, true);
    const lastLogIndex = log.lastIndex();
    const lastLogTerm = log.lastTerm();
    for (const to of this.core.members.current().voters) {
      if (to === id) continue;
      this.emit({ type: 'vote', from: id, to, term, incarnation, preVote, transfer, lastLogIndex, lastLogTerm });
    }
  }

  /** Counts `from`'s answer; a voter's first answer in the election is the one that counts. */
  record(from: NodeId, granted: boolean): void {
    if (!this.votes.has(from)) this.votes.set(from, granted);
  }

  outcome(): VoteOutcome {
    return voteOutcome(this.core.members.current().voters, this.votes);
  }

  clear(): void {
    this.votes.clear();
  }
}

/** §5.2, §5.4.1: one vote per term, and only for a candidate whose log is at least as up to date. */
export function mayGrantVote(core: NodeCore, m: VoteMessage): boolean {
  const { votedFor, leaderId, term } = core.state;
  const canVote = votedFor === m.from || (votedFor === null && leaderId === null) || (m.preVote && m.term > term);
  return canVote && core.log.isUpToDate(m.lastLogIndex, m.lastLogTerm);
}

/** Whether a node's membership lets it campaign. */
export function isPromotable(core: NodeCore): boolean {
  const { members, log, id } = core;
  if (isVoter(members.current(), id)) return true;
  // Thesis §4.2.2: a voter removed by a change that is not committed yet may still be needed to
  // commit it (its log may be the only up-to-date one), so it keeps starting elections.
  const commitIndex = log.commitIndex;
  return members.currentIndex() > commitIndex && isVoter(members.at(commitIndex), id);
}
