// The membership schedule: while clients and faults run, it asks the current leader for one
// membership change at a time through Replica.proposeConfChange — start a spare and add it as a
// learner, promote a learner, remove a voter (the leader itself sometimes) or a learner — and
// retires nodes that left the cluster: stopped, storage wiped. A retired machine comes back under a
// new identity (a spare id never used before); with `reuseIds` it comes back under its old id with
// an empty disk: a new incarnation, which every peer that knew the old one refuses (docs/RAFT.md,
// "Incarnations"; the refused node is stopped and wiped, SimCluster.stopRefused).

import { assert } from '../lib/assert.js';
import { isCairnError } from '../lib/errors.js';
import type { Prng } from '../lib/prng.js';
import type { ConfChange, Membership } from '../raft/types.js';
import type { Replica } from '../replica/replica.js';
import type { StateMachine } from '../replica/ports.js';
import type { SimClock } from './clock.js';
import type { SimCluster } from './cluster.js';
import type { Trace } from './trace.js';

export interface MembershipOptions {
  /** Mean gap between membership actions. */
  meanGapMs: number;
  /** The driver never removes a voter below this many, nor promotes above `maxVoters`. */
  minVoters: number;
  maxVoters: number;
  /** When a voter is removed, the chance that it is the leader itself. */
  removeLeaderProbability: number;
  /** The driver gives up waiting on a change after this long (its outcome is then unknown). */
  changeTimeoutMs: number;
  /**
   * The chance that the driver does not wait for the previous change to settle (a second operator,
   * or a retry after a timeout): the leader must refuse a change while another is uncommitted.
   */
  overlapProbability: number;
  /** Bring a retired node back under its old id with an empty disk (unsafe: a blank voter of old configurations). */
  reuseIds: boolean;
}

export const DEFAULT_MEMBERSHIP: MembershipOptions = {
  meanGapMs: 100,
  minVoters: 2,
  maxVoters: 6,
  removeLeaderProbability: 0.3,
  changeTimeoutMs: 1_000,
  overlapProbability: 0.3,
  reuseIds: false,
};

/** What the driver needs from the invariant checker. */
export interface MembershipRecords {
  /** The latest configuration known committed. */
  committedMembership(): Membership;
  /** The node's storage was wiped: forget its log. */
  forget(id: string): void;
}

type Action = { kind: 'change'; change: ConfChange } | { kind: 'retire'; id: string };

export class MembershipDriver<S extends StateMachine> {
  private active = false;
  /** True while a proposed change has not settled (one change at a time, as an operator would). */
  private busy = false;
  /** Numbers the proposals, so a late answer to an abandoned one cannot settle the next. */
  private proposalSeq = 0;
  changesProposed = 0;
  changesApplied = 0;
  retirements = 0;

  constructor(
    private readonly cluster: SimCluster<S>,
    private readonly records: MembershipRecords,
    private readonly prng: Prng,
    private readonly trace: Trace,
    private readonly clock: SimClock,
    private readonly options: MembershipOptions,
  ) {
    assert(options.meanGapMs > 0, 'membership: meanGapMs must be positive');
    assert(options.minVoters >= 1, 'membership: at least one voter');
    assert(options.maxVoters >= options.minVoters, 'membership: maxVoters below minVoters');
    assert(options.overlapProbability >= 0 && options.overlapProbability <= 1, 'membership: overlapProbability is a probability');
  }

  start(): void {
    this.active = true;
    this.scheduleNext();
  }

  /** No new changes after this (one already proposed may still settle). */
  stop(): void {
    this.active = false;
  }

  private scheduleNext(): void {
    this.clock.setTimer(this.prng.int(1, 2 * this.options.meanGapMs), () => {
      if (!this.active) return;
      if (!this.busy || this.prng.chance(this.options.overlapProbability)) this.act();
      this.scheduleNext();
    });
  }

  private act(): void {
    const leader = this.leader();
    if (leader === undefined) return;
    const current = leader.status().membership;
    if (this.options.reuseIds) this.reviveMembers(current);
    const actions = this.actions(leader, current);
    if (actions.length === 0) return;
    const action = this.prng.pick(actions);
    if (action.kind === 'retire') return this.retire(action.id);
    this.propose(leader, action.change);
  }

  /** Every action that makes sense now; the same change may appear twice to weigh it. */
  private actions(leader: Replica<S>, current: Membership): Action[] {
    const actions: Action[] = [];
    const committed = this.records.committedMembership();
    for (const id of this.cluster.ids) {
      const member = isMember(current, id) || isMember(committed, id);
      if (!member && id !== leader.id) {
        // A node that left (or never joined): bring it in as a learner, or wipe it if it still runs.
        const node = this.cluster.node(id);
        const fresh = node.generation === 0;
        if (!node.retired && node.state !== 'down') actions.push({ kind: 'retire', id });
        else if (fresh || this.options.reuseIds) actions.push({ kind: 'change', change: { type: 'addLearner', nodeId: id } });
        else if (!node.retired) actions.push({ kind: 'retire', id });
      }
    }
    for (const id of current.learners) {
      if (current.voters.length < this.options.maxVoters && this.cluster.replica(id) !== undefined && this.replicating(leader, id)) {
        actions.push({ kind: 'change', change: { type: 'promoteLearner', nodeId: id } });
      }
      actions.push({ kind: 'change', change: { type: 'removeNode', nodeId: id } });
    }
    if (current.voters.length > this.options.minVoters) {
      const others = current.voters.filter((id) => id !== leader.id);
      const removeLeader = current.voters.includes(leader.id) && (others.length === 0 || this.prng.chance(this.options.removeLeaderProbability));
      const victim = removeLeader ? leader.id : this.prng.pick(others);
      actions.push({ kind: 'change', change: { type: 'removeNode', nodeId: victim } });
      actions.push({ kind: 'change', change: { type: 'removeNode', nodeId: victim } });
    }
    return actions;
  }

  /**
   * With reused ids, a learner is promoted only once it has applied something, has not been refused,
   * and the leader has counted an acknowledgement from it (as cluster/membership.ts waits for it to
   * catch up): a wiped node under a used id is refused by every peer that knew the old one, and as a
   * voter it would be one the cluster cannot count. (The leader's count alone is not enough: a
   * replayed acknowledgement of the old incarnation moves it — seed 784.)
   */
  private replicating(leader: Replica<S>, id: string): boolean {
    if (!this.options.reuseIds) return true;
    const learner = this.cluster.replica(id);
    if (learner === undefined || learner.appliedUpTo() === 0 || learner.status().staleIncarnation !== null) return false;
    return (leader.status().peers.find((p) => p.id === id)?.matchIndex ?? 0) > 0;
  }

  /**
   * With reused ids, a member whose process was retired (its add committed after it was wiped) is
   * started again, empty. Otherwise such a learner is only ever removed.
   */
  private reviveMembers(current: Membership): void {
    for (const id of [...current.voters, ...current.learners]) {
      const node = this.cluster.node(id);
      if (node.retired && node.state === 'down') {
        this.trace.add(this.clock.monotonicMs(), `MEMBERSHIP start ${id} (a member with no running process)`, true);
        this.cluster.start(id);
      }
    }
  }

  private retire(id: string): void {
    this.cluster.retire(id);
    this.records.forget(id);
    this.retirements++;
  }

  private propose(leader: Replica<S>, change: ConfChange): void {
    const now = this.clock.monotonicMs();
    const node = this.cluster.node(change.nodeId);
    if (change.type === 'addLearner' && node.state === 'down') {
      if (!node.retired) this.retire(change.nodeId); // a removed node comes back wiped, never with its old log
      this.cluster.start(change.nodeId);
    }
    this.busy = true;
    this.changesProposed++;
    const seq = ++this.proposalSeq;
    const label = `MEMBERSHIP ${leader.id}: ${change.type} ${change.nodeId}`;
    this.trace.add(now, `${label} proposed`, true);
    const timer = this.clock.setTimer(this.options.changeTimeoutMs, () => this.settle(seq, label, 'driver timeout (outcome unknown)'));
    leader.proposeConfChange(change).then(
      () => {
        timer.cancel();
        this.changesApplied++;
        this.settle(seq, label, 'applied');
      },
      (error: unknown) => {
        timer.cancel();
        this.settle(seq, label, isCairnError(error) ? `${error.code}: ${error.message}` : String(error));
      },
    );
  }

  private settle(seq: number, label: string, outcome: string): void {
    if (!this.busy || seq !== this.proposalSeq) return;
    this.busy = false;
    this.trace.add(this.clock.monotonicMs(), `${label} -> ${outcome}`, true);
  }

  private leader(): Replica<S> | undefined {
    for (const id of this.cluster.ids) {
      const replica = this.cluster.replica(id);
      if (replica !== undefined && replica.status().role === 'leader') return replica;
    }
    return undefined;
  }
}

function isMember(membership: Membership, id: string): boolean {
  return membership.voters.includes(id) || membership.learners.includes(id);
}
