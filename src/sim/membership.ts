// The membership schedule: while clients and faults run, an operator asks for one membership change
// at a time through the controller users run (replica/membership-controller.ts, one per node,
// member-controllers.ts) — start a spare and CLUSTER ADDNODE it (announce, learner, catch-up,
// promotion), CLUSTER REMOVENODE a learner or a voter (the leader itself sometimes: it hands over,
// its successor removes it, it retires) — sent to the leader or to any node, following a NOTLEADER
// reply once, as `cairn cluster` does. Around the controller, what an operator does by hand: it
// starts the new node first, and retires nodes that left the cluster (stopped, storage wiped); and
// while a request is under way it sometimes proposes a change straight to the leader's Raft core,
// which must refuse a second uncommitted change (the controller never asks for one). A
// retired machine comes back under a new identity (a spare id never used before); with `reuseIds`
// it comes back under its old id with an empty disk, the controller not refusing the id (a book
// that forgot it): a new incarnation, which every peer that knew the old one refuses (docs/RAFT.md,
// "Incarnations"; the refused node is stopped and wiped, SimCluster.stopRefused).

import { errorMessage } from '../lib/errors.js';
import { assert } from '../lib/assert.js';
import type { Prng } from '../lib/prng.js';
import type { Reply } from '../lib/reply.js';
import type { ConfChange, Membership } from '../raft/types.js';
import type { MembershipController, MembershipTimeouts } from '../replica/membership-controller.js';
import type { StateMachine } from '../replica/ports.js';
import type { SimClock } from './clock.js';
import { SimControllers, simClientAddress, type SimMembers } from './member-controllers.js';
import type { MembershipInvariants } from './membership-invariants.js';

export interface MembershipOptions {
  /** Mean gap between membership actions. */
  meanGapMs: number;
  /** The driver never removes a voter below this many, nor adds one above `maxVoters`. */
  minVoters: number;
  maxVoters: number;
  /** When a voter is removed, the chance that it is the leader itself. */
  removeLeaderProbability: number;
  /** The chance that a request goes to a random running node instead of the leader (it follows a NOTLEADER reply once). */
  anyNodeProbability: number;
  /** The driver stops waiting on a request after this long (its outcome is then unknown). */
  changeTimeoutMs: number;
  /**
   * The chance that the driver does not wait for the previous request to be answered (a second
   * operator, or a retry after a timeout): the controller must refuse a second change; half of
   * these go straight to the leader's Raft core, which must refuse one too (see proposeRaw).
   */
  overlapProbability: number;
  /** The controller's waits, scaled to the simulation's 10 ms ticks. */
  controller: MembershipTimeouts;
  /** How long a node waits for the member it asked (a removal at its successor) to answer. */
  remoteReplyTimeoutMs: number;
  /** Bring a retired node back under its old id with an empty disk (unsafe: a blank voter of old configurations). */
  reuseIds: boolean;
}

export const DEFAULT_MEMBERSHIP: MembershipOptions = {
  meanGapMs: 100,
  minVoters: 2,
  maxVoters: 6,
  removeLeaderProbability: 0.3,
  anyNodeProbability: 0.2,
  changeTimeoutMs: 3_000,
  overlapProbability: 0.3,
  controller: { catchUpTimeoutMs: 1_000, pendingChangeWaitMs: 300, transferWaitMs: 500, pollMs: 10 },
  remoteReplyTimeoutMs: 1_000,
  reuseIds: false,
};

/** What the driver needs from the invariant checker. */
export interface MembershipRecords {
  /** The latest configuration known committed. */
  committedMembership(): Membership;
  /** The node's storage was wiped: forget its log. */
  forget(id: string): void;
}

/** What the driver's world is made of. */
export interface MembershipWorld<S extends StateMachine> extends SimMembers<S> {
  readonly records: MembershipRecords;
  /** The controller's own promises (catch-up before promotion, retirement after removal), fed by the replicas. */
  readonly checks: MembershipInvariants;
  /** The harness's clock (the operator's). */
  readonly clock: SimClock;
}

type Action = { kind: 'add'; id: string } | { kind: 'remove'; id: string } | { kind: 'retire'; id: string };

export class MembershipDriver<S extends StateMachine> {
  private active = false;
  /** True while a request has not been answered (one change at a time, as an operator would). */
  private busy = false;
  /** Numbers the requests, so a late answer to an abandoned one cannot settle the next. */
  private requestSeq = 0;
  /** Ids removed so far: the controller refuses to add them again (unless ids are reused). */
  private readonly removed = new Set<string>();
  private readonly controllers: SimControllers<S>;
  changesProposed = 0;
  changesApplied = 0;
  retirements = 0;

  constructor(
    private readonly world: MembershipWorld<S>,
    private readonly prng: Prng,
    private readonly options: MembershipOptions,
  ) {
    assert(options.meanGapMs > 0, 'membership: meanGapMs must be positive');
    assert(options.minVoters >= 1, 'membership: at least one voter');
    assert(options.maxVoters >= options.minVoters, 'membership: maxVoters below minVoters');
    assert(options.overlapProbability >= 0 && options.overlapProbability <= 1, 'membership: overlapProbability is a probability');
    const empty: ReadonlySet<string> = new Set();
    this.controllers = new SimControllers({
      ...world,
      prng,
      removedIds: () => (options.reuseIds ? empty : this.removed),
      retire: (id) => this.retire(id),
    }, { timeouts: options.controller, remoteReplyTimeoutMs: options.remoteReplyTimeoutMs });
  }

  start(): void {
    this.active = true;
    this.scheduleNext();
  }

  /** No new requests after this (one already made may still finish). */
  stop(): void {
    this.active = false;
  }

  private scheduleNext(): void {
    this.world.clock.setTimer(this.prng.int(1, 2 * this.options.meanGapMs), () => {
      if (!this.active) return;
      if (!this.busy) this.act(false);
      else if (this.prng.chance(this.options.overlapProbability)) this.act(this.prng.chance(0.5));
      this.scheduleNext();
    });
  }

  private act(raw: boolean): void {
    const leader = this.leader();
    if (leader === undefined) return;
    const current = this.world.cluster.replica(leader)?.status().membership;
    if (current === undefined) return;
    if (this.options.reuseIds) this.reviveMembers(current);
    const actions = this.actions(leader, current);
    if (actions.length === 0) return;
    const action = this.prng.pick(actions);
    if (action.kind === 'retire') return this.retire(action.id);
    if (action.kind === 'add') this.startJoining(action.id);
    if (raw) this.proposeRaw(leader, action);
    else this.request(leader, action);
  }

  /** Every action that makes sense now; the same one may appear twice to weigh it. */
  private actions(leader: string, current: Membership): Action[] {
    const { cluster, records } = this.world;
    const actions: Action[] = [];
    const committed = records.committedMembership();
    for (const id of cluster.ids) {
      const member = isMember(current, id) || isMember(committed, id);
      if (!member && id !== leader) {
        // A node that left (or never joined): bring it in, or wipe it if it still runs.
        const node = cluster.node(id);
        const fresh = node.generation === 0;
        if (!node.retired && node.state !== 'down') actions.push({ kind: 'retire', id });
        else if ((fresh || this.options.reuseIds) && current.voters.length < this.options.maxVoters) actions.push({ kind: 'add', id });
        else if (!node.retired) actions.push({ kind: 'retire', id });
      }
    }
    // A learner left behind by an add that did not finish (its leader changed, it did not catch up).
    for (const id of current.learners) actions.push({ kind: 'remove', id });
    if (current.voters.length > this.options.minVoters) {
      const others = current.voters.filter((id) => id !== leader);
      const removeLeader = current.voters.includes(leader) && (others.length === 0 || this.prng.chance(this.options.removeLeaderProbability));
      const victim = removeLeader ? leader : this.prng.pick(others);
      actions.push({ kind: 'remove', id: victim }, { kind: 'remove', id: victim });
    }
    return actions;
  }

  /**
   * With reused ids, a member whose process was retired (its add committed after it was wiped) is
   * started again, empty. Otherwise such a learner is only ever removed.
   */
  private reviveMembers(current: Membership): void {
    const { cluster, trace, clock } = this.world;
    for (const id of [...current.voters, ...current.learners]) {
      const node = cluster.node(id);
      if (node.retired && node.state === 'down') {
        trace.add(clock.monotonicMs(), `MEMBERSHIP start ${id} (a member with no running process)`, true);
        cluster.start(id);
      }
    }
  }

  /** The operator starts the new node (`cairn server --join`) before asking for it: a removed node comes back wiped, never with its old log. */
  private startJoining(id: string): void {
    const { cluster } = this.world;
    const node = cluster.node(id);
    if (node.state !== 'down') return;
    if (!node.retired) this.retire(id);
    cluster.start(id);
  }

  /**
   * Stops the node and wipes its storage. Only a node no committed configuration counts as a voter
   * may go (a voter's durable log is part of what makes entries committed): the controller retires
   * a leader that removed itself only once its successor committed the removal.
   */
  private retire(id: string): void {
    const { cluster, records, checks } = this.world;
    checks.retiring(id);
    cluster.retire(id);
    records.forget(id);
    checks.forget(id);
    this.retirements++;
  }

  /** Sends the request to the leader, or to a random running node, following one NOTLEADER reply. */
  private request(leader: string, action: Action & { kind: 'add' | 'remove' }): void {
    const { clock, trace, cluster } = this.world;
    const to = this.prng.chance(this.options.anyNodeProbability) ? this.prng.pick(cluster.upIds()) : leader;
    this.busy = true;
    this.changesProposed++;
    const seq = ++this.requestSeq;
    const label = `MEMBERSHIP request to ${to}: ${action.kind} ${action.id}`;
    trace.add(clock.monotonicMs(), label, true);
    const timer = clock.setTimer(this.options.changeTimeoutMs, () => this.settle(seq, label, 'driver timeout (outcome unknown)'));
    void this.send(to, action).then((reply) => {
      timer.cancel();
      if (reply.type === 'error') return this.settle(seq, label, reply.message);
      if (action.kind === 'remove') this.removed.add(action.id);
      this.changesApplied++;
      this.settle(seq, label, 'OK');
    });
  }

  private async send(to: string, action: Action & { kind: 'add' | 'remove' }): Promise<Reply> {
    const reply = await this.sendOnce(to, action);
    const redirect = reply.type === 'error' ? /^NOTLEADER (\S+) /.exec(reply.message) : null;
    if (redirect === null) return reply;
    return this.sendOnce(redirect[1] as string, action);
  }

  private sendOnce(to: string, action: Action & { kind: 'add' | 'remove' }): Promise<Reply> {
    const controller: MembershipController | undefined = this.controllers.of(to);
    if (controller === undefined) return Promise.resolve({ type: 'error', message: `ERR ${to} is down` });
    if (action.kind === 'remove') return controller.remove(action.id);
    return controller.add(action.id, `${action.id}.sim:17000`, simClientAddress(action.id));
  }

  /**
   * A change straight to the leader's Raft core while a request is under way. The controller never
   * asks for a second change before the first is applied, so only this way does the core's own
   * refusal (one uncommitted change at a time) get tried. An add stays a learner (only the
   * controller promotes, once the learner caught up).
   */
  private proposeRaw(leader: string, action: Action & { kind: 'add' | 'remove' }): void {
    const { cluster, clock, trace } = this.world;
    const replica = cluster.replica(leader);
    if (replica === undefined) return;
    const change: ConfChange = action.kind === 'add' ? { type: 'addLearner', nodeId: action.id } : { type: 'removeNode', nodeId: action.id };
    const label = `MEMBERSHIP ${leader} core: ${change.type} ${change.nodeId}`;
    trace.add(clock.monotonicMs(), `${label} proposed`, true);
    this.changesProposed++;
    replica.proposeConfChange(change).then(
      () => {
        this.changesApplied++;
        trace.add(clock.monotonicMs(), `${label} -> applied`, true);
      },
      (error: unknown) => trace.add(clock.monotonicMs(), `${label} -> ${errorMessage(error)}`, true),
    );
  }

  private settle(seq: number, label: string, outcome: string): void {
    if (!this.busy || seq !== this.requestSeq) return;
    this.busy = false;
    this.world.trace.add(this.world.clock.monotonicMs(), `${label} -> ${outcome}`, true);
  }

  private leader(): string | undefined {
    const { cluster } = this.world;
    return cluster.ids.find((id) => cluster.replica(id)?.status().role === 'leader');
  }
}

function isMember(membership: Membership, id: string): boolean {
  return membership.voters.includes(id) || membership.learners.includes(id);
}
