// Membership at runtime and leadership transfer, carried out by the leader, written against
// io/Clock and an injected MembershipIo (the log announcements, the address book, the call to
// another member, retiring this node), so the simulator runs this very code. ADDNODE announces the
// new member's addresses through the log, adds it as a learner, waits until it has caught up (by
// snapshot or log), then promotes it to voter (ADDNODE of a learner an earlier one left behind resumes at the wait); an id removed before is refused (a removed node
// rejoins under a new id). REMOVENODE forgets a member's addresses (remembering its id as removed),
// then removes it; naming the leader itself, it first hands leadership to the most caught-up voter,
// has the new leader propose the removal, and stops serving as a member once that is committed.
// TRANSFER hands leadership to a named voter; FAILOVER, sent to a follower, asks the leader to
// transfer to it. One change at a time (Raft's single-server changes); clients keep being served.
// A request that must go to the leader and reached another node answers `NOTLEADER <id> <address>`.

import { assert } from '../lib/assert.js';
import { CairnError, errorMessage, isCairnError } from '../lib/errors.js';
import { errorReply, OK, type Reply } from '../lib/reply.js';
import type { Clock } from '../io/clock.js';
import type { ConfChange } from '../raft/types.js';
import { mostCaughtUpVoter, transferAndWait, waitMs, type TransferringReplica } from './leadership-transfer.js';

/** What the controller needs of the replica (Replica satisfies it). */
export interface MembershipReplica extends TransferringReplica {
  proposeConfChange(change: ConfChange): Promise<void>;
}

/** A change to the replicated address book, proposed through the log before (join) or ahead of (leave) the membership change. */
export type MemberAnnouncement =
  | { readonly kind: 'join'; readonly id: string; readonly peer: string; readonly client: string }
  | { readonly kind: 'leave'; readonly id: string };

/** What this node asks the leader to do (CLUSTER REMOVENODE, CLUSTER TRANSFER). */
export type MemberRequest = { readonly kind: 'remove'; readonly id: string } | { readonly kind: 'transfer'; readonly id: string };

/** The world around the controller: the runtime wires it to the kv write path, the address book and RESP; the simulator to its own. */
export interface MembershipIo {
  /** Proposes the announcement through the log; resolves once it applied here, throws otherwise. */
  announce(change: MemberAnnouncement): Promise<void>;
  /** The ids removed from the cluster so far (never added again under that id). */
  removedIds(): ReadonlySet<string>;
  /** Where clients reach member `id` (host:port), or undefined when this node has no address for it. */
  clientAddress(id: string): string | undefined;
  /** Why an address given to ADDNODE is unusable, or undefined when it is fine. */
  addressProblem(address: string): string | undefined;
  /** Sends `request` to member `to` (on the peer links: no client address needed) and returns its reply; a call that fails is an error reply, never a throw. */
  ask(to: string, request: MemberRequest): Promise<Reply>;
  /** This node was removed from the cluster: stop serving as a member. */
  retire(): Promise<void>;
  log(event: string, fields: object): void;
}

export interface MembershipTimeouts {
  /** How long a new learner may take to catch up before ADDNODE gives up (it stays a learner). */
  readonly catchUpTimeoutMs: number;
  /** How long a change waits for the previous one (or the new leader's first entry) to commit. */
  readonly pendingChangeWaitMs: number;
  /** How long a transfer may take before it is reported as failed. */
  readonly transferWaitMs: number;
  /** How often a wait looks again (catch-up, a pending change, a failover). */
  readonly pollMs: number;
}

export interface MembershipControllerOptions {
  readonly replica: MembershipReplica;
  readonly clock: Clock;
  readonly io: MembershipIo;
  readonly timeouts: MembershipTimeouts;
  /** Why this node adds no members (nobody could reach it), or undefined when it can. */
  readonly growRefusal: string | undefined;
  /** Most removed ids the cluster remembers; past it ADDNODE refuses every new id. */
  readonly removedIdsMax: number;
}

export class MembershipController {
  private busy = false;

  constructor(private readonly o: MembershipControllerOptions) {
    const t = o.timeouts;
    assert(t.catchUpTimeoutMs > 0 && t.pendingChangeWaitMs > 0, 'membership waits are positive');
    assert(t.transferWaitMs > 0 && t.pollMs > 0, 'transfer waits are positive');
  }

  async add(id: string, peer: string, client: string): Promise<Reply> {
    const refused = this.refuse() ?? this.refuseAdd(id, peer, client);
    if (refused !== undefined) return refused;
    // A learner an earlier ADDNODE left behind (it gave up waiting for the catch-up) is taken up
    // where that one stopped: its addresses announced again, then the wait and the promotion.
    const resuming = this.o.replica.status().membership.learners.includes(id);
    return this.exclusive(async () => {
      await this.o.io.announce({ kind: 'join', id, peer, client });
      if (!resuming) await this.proposeChange({ type: 'addLearner', nodeId: id });
      this.o.io.log(resuming ? 'cluster.learner_resumed' : 'cluster.learner_added', { member: id, peer, client });
      await this.caughtUp(id);
      await this.proposeChange({ type: 'promoteLearner', nodeId: id });
      this.o.io.log('cluster.voter_added', { member: id });
      return OK;
    });
  }

  async remove(id: string): Promise<Reply> {
    const refused = this.refuse();
    if (refused !== undefined) return refused;
    const status = this.o.replica.status();
    if (!status.membership.voters.includes(id) && !status.membership.learners.includes(id)) return errorReply(`ERR ${id} is not a member`);
    if (id === status.id) return this.exclusive(() => this.removeSelf());
    return this.exclusive(async () => {
      // Forgotten (and remembered as removed) first, so a crash between the two leaves no way to
      // re-add the id; a retried REMOVENODE finishes the removal.
      await this.o.io.announce({ kind: 'leave', id });
      await this.proposeChange({ type: 'removeNode', nodeId: id });
      this.o.io.log('cluster.member_removed', { member: id });
      return OK;
    });
  }

  async transfer(id: string): Promise<Reply> {
    const refused = this.refuse();
    if (refused !== undefined) return refused;
    const status = this.o.replica.status();
    if (id === status.id) return OK;
    if (!status.membership.voters.includes(id)) return errorReply(`ERR ${id} is not a voter`);
    return this.exclusive(async () => {
      this.o.io.log('raft.transfer', { to: id, reason: 'CLUSTER TRANSFER' });
      const leader = await transferAndWait(this.o.replica, this.o.clock, id, this.o.timeouts.transferWaitMs);
      return leader === id ? OK : errorReply(`ERR leadership went to ${leader}, not ${id}`);
    });
  }

  /** On a follower: asks the leader to hand leadership to this node, and answers once it leads. */
  async failover(): Promise<Reply> {
    const { replica, clock, timeouts } = this.o;
    const status = replica.status();
    if (status.role === 'leader') return errorReply('ERR this node already leads: send CLUSTER FAILOVER to a follower, or CLUSTER TRANSFER <id> to the leader');
    if (!status.membership.voters.includes(status.id)) return errorReply('ERR only a voter can take over leadership');
    const leader = replica.leaderHint();
    if (leader === null) return errorReply(`CLUSTERDOWN no leader known to ask for the failover`);
    const reply = await this.o.io.ask(leader, { kind: 'transfer', id: status.id });
    if (reply.type === 'error') return reply;
    const deadlineMs = clock.monotonicMs() + timeouts.transferWaitMs;
    while (replica.status().role !== 'leader') {
      if (clock.monotonicMs() >= deadlineMs) return errorReply(`ERR the leader handed over, but ${status.id} does not lead after ${timeouts.transferWaitMs} ms`);
      await waitMs(clock, timeouts.pollMs);
    }
    return OK;
  }

  /** Why ADDNODE cannot add `id` with these addresses, checked in the order an operator fixes them; undefined when it can. */
  private refuseAdd(id: string, peer: string, client: string): Reply | undefined {
    if (this.o.growRefusal !== undefined) return errorReply(`ERR ${this.o.growRefusal}`);
    const membership = this.o.replica.status().membership;
    if (membership.voters.includes(id)) return errorReply(`ERR ${id} is already a member`);
    const removed = this.o.io.removedIds();
    if (removed.has(id)) return errorReply(`ERR ${id} was removed from this cluster before: a removed node rejoins under a new id (its old votes and acks still count under this one)`);
    if (removed.size >= this.o.removedIdsMax) return errorReply(`ERR this cluster has removed ${this.o.removedIdsMax} ids, as many as it remembers; no more can be added safely`);
    const problem = this.o.io.addressProblem(peer) ?? this.o.io.addressProblem(client);
    return problem === undefined ? undefined : errorReply(`ERR ${problem}`);
  }

  /** The leader leaves: transfer, have the new leader propose the removal, then stop serving as a member. */
  private async removeSelf(): Promise<Reply> {
    const { replica, io } = this.o;
    const self = replica.id;
    const successor = mostCaughtUpVoter(replica);
    if (successor === undefined) return errorReply('ERR no other active voter to hand leadership to; this node cannot remove itself');
    io.log('raft.transfer', { to: successor, reason: 'CLUSTER REMOVENODE names the leader itself' });
    const leader = await transferAndWait(replica, this.o.clock, successor, this.o.timeouts.transferWaitMs);
    const reply = await io.ask(leader, { kind: 'remove', id: self });
    if (reply.type === 'error') return reply;
    io.log('cluster.removed', { member: self, leader, reason: 'removed itself after handing leadership over; no longer serving as a member' });
    await io.retire();
    return OK;
  }

  /** Undefined on an idle leader; otherwise the reply that says where to go (NOTLEADER id address) or why not now. */
  private refuse(): Reply | undefined {
    const status = this.o.replica.status();
    if (status.role !== 'leader') {
      const leader = this.o.replica.leaderHint();
      const address = leader === null ? undefined : this.o.io.clientAddress(leader);
      if (leader === null || address === undefined) return errorReply('CLUSTERDOWN no leader known; membership changes and transfers go to the leader');
      return errorReply(`NOTLEADER ${leader} ${address} membership changes and transfers go to the leader`);
    }
    if (this.busy) return errorReply('ERR a membership change or transfer is already under way');
    return undefined;
  }

  private async exclusive(change: () => Promise<Reply>): Promise<Reply> {
    this.busy = true;
    try {
      return await change();
    } catch (error) {
      const code = isCairnError(error) ? error.code : 'ERR';
      return errorReply(`ERR membership change failed (${code}): ${errorMessage(error)}`);
    } finally {
      this.busy = false;
    }
  }

  /**
   * Proposes a membership change; while the core answers conf_change_pending (a new leader that has
   * not committed an entry of its term yet, as right after a transfer), tries again until a deadline.
   */
  private async proposeChange(change: ConfChange): Promise<void> {
    const { clock, timeouts } = this.o;
    const deadlineMs = clock.monotonicMs() + timeouts.pendingChangeWaitMs;
    for (;;) {
      try {
        await this.o.replica.proposeConfChange(change);
        return;
      } catch (error) {
        const pending = isCairnError(error, 'CAIRN_INVALID_ARGUMENT') && error.message.includes('conf_change_pending');
        if (!pending || clock.monotonicMs() >= deadlineMs) throw error;
      }
      await waitMs(clock, timeouts.pollMs);
    }
  }

  /** Waits until the learner has everything the leader had committed when it was added. */
  private async caughtUp(id: string): Promise<void> {
    const { clock, timeouts } = this.o;
    const target = this.o.replica.status().commitIndex;
    const deadlineMs = clock.monotonicMs() + timeouts.catchUpTimeoutMs;
    for (;;) {
      const progress = this.o.replica.status().peers.find((p) => p.id === id);
      if (progress !== undefined && progress.matchIndex >= target) return;
      if (clock.monotonicMs() > deadlineMs) throw new CairnError('CAIRN_TIMEOUT', `${id} did not catch up within ${timeouts.catchUpTimeoutMs} ms; it stays a learner`);
      await waitMs(clock, timeouts.pollMs);
    }
  }
}
