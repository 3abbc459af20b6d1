// Membership at runtime and leadership transfer, carried out by the leader. CLUSTER ADDNODE
// announces the new member's addresses through the log (CAIRN.MEMBER), adds it as a learner, waits
// until it has caught up (by snapshot or log), then promotes it to voter; an id removed before is
// refused (a removed node rejoins under a new id). CLUSTER REMOVENODE forgets a member's addresses
// (remembering its id as removed), then removes it; naming the leader itself, it first hands
// leadership to the most caught-up voter, has the new leader propose the removal, and stops
// serving as a member once that is committed. CLUSTER TRANSFER hands leadership to a named voter;
// CLUSTER FAILOVER, sent to a follower, asks the leader to transfer to it. One change at a time
// (Raft's single-server changes); clients keep being served. A request that must go to the leader
// and reached another node answers `NOTLEADER <id> <host:port>` (`cairn cluster` follows it).

import { isCairnError } from '../../lib/errors.js';
import { bulkReply, errorReply, OK, type Reply } from '../../lib/reply.js';
import type { ConfChange } from '../../raft/types.js';
import type { KvMachine } from '../../replica/kv-machine.js';
import type { Replica } from '../../replica/replica.js';
import type { WriteEntry } from '../../server/backend.js';
import type { MembershipControl } from '../../server/cluster-topology.js';
import { callMember } from './call.js';
import type { ClusterLog } from './log.js';
import { MEMBER_COMMAND, maxRemovedIds, type MemberDirectory } from './members.js';
import { mostCaughtUpVoter, transferAndWait } from './transfer.js';
import { formatPeerAddress, parsePeerAddress } from '../peer/address.js';

/** How long a new learner may take to catch up before ADDNODE gives up (it stays a learner). */
const catchUpTimeoutMs = 60_000;
const catchUpPollMs = 50;
/** How long a change waits for the previous one (or the new leader's first entry) to commit. */
const pendingChangeWaitMs = 3_000;
/** How long a node waits for the leader it asked (a removal proposed there, a transfer) to answer. */
const remoteReplyTimeoutMs = 15_000;

export interface MembershipOptions {
  readonly replica: Replica<KvMachine>;
  /** Proposes a kv entry through the node's write path (the CAIRN.MEMBER announcements). */
  readonly write: (entry: WriteEntry) => Promise<Reply[]>;
  readonly book: MemberDirectory;
  readonly password: () => string | undefined;
  readonly log: ClusterLog;
  /** False for a node alone without a peer listener: nobody could reach it, so it adds no members. */
  readonly canGrow: boolean;
  /** How long a transfer may take before it is reported as failed. */
  readonly transferWaitMs: number;
  /** This node was removed from the cluster: stop serving as a member. */
  readonly retire: () => Promise<void>;
}

export class MembershipController implements MembershipControl {
  private busy = false;

  constructor(private readonly o: MembershipOptions) {}

  async add(id: string, peer: string, client: string): Promise<Reply> {
    const refused = this.refuse();
    if (refused !== undefined) return refused;
    if (!this.o.canGrow) return errorReply('ERR this node listens for no peers (started without --peer-port); restart it with --peer-port to add members');
    const membership = this.o.replica.status().membership;
    if (membership.voters.includes(id) || membership.learners.includes(id)) return errorReply(`ERR ${id} is already a member`);
    if (this.o.book.removed.has(id)) return errorReply(`ERR ${id} was removed from this cluster before: a removed node rejoins under a new id (its old votes and acks still count under this one)`);
    if (this.o.book.removed.size >= maxRemovedIds) return errorReply(`ERR this cluster has removed ${maxRemovedIds} ids, as many as it remembers; no more can be added safely`);
    try {
      parsePeerAddress(peer);
      parsePeerAddress(client);
    } catch (error) {
      return errorReply(`ERR ${error instanceof Error ? error.message : String(error)}`);
    }
    return this.exclusive(async () => {
      await this.announce([MEMBER_COMMAND, Buffer.from(id), Buffer.from(peer), Buffer.from(client)]);
      await this.proposeChange({ type: 'addLearner', nodeId: id });
      this.o.log('cluster.learner_added', { member: id, peer, client });
      await this.caughtUp(id);
      await this.proposeChange({ type: 'promoteLearner', nodeId: id });
      this.o.log('cluster.voter_added', { member: id });
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
      await this.announce([MEMBER_COMMAND, Buffer.from(id)]);
      await this.proposeChange({ type: 'removeNode', nodeId: id });
      this.o.log('cluster.member_removed', { member: id });
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
      this.o.log('raft.transfer', { to: id, reason: 'CLUSTER TRANSFER' });
      const leader = await transferAndWait(this.o.replica, id, this.o.transferWaitMs);
      return leader === id ? OK : errorReply(`ERR leadership went to ${leader}, not ${id}`);
    });
  }

  /** On a follower: asks the leader to hand leadership to this node, and answers once it leads. */
  async failover(): Promise<Reply> {
    const replica = this.o.replica;
    const status = replica.status();
    if (status.role === 'leader') return errorReply('ERR this node already leads: send CLUSTER FAILOVER to a follower, or CLUSTER TRANSFER <id> to the leader');
    if (!status.membership.voters.includes(status.id)) return errorReply('ERR only a voter can take over leadership');
    const leader = replica.leaderHint();
    const address = leader === null ? undefined : this.o.book.clients.get(leader);
    if (address === undefined) return errorReply(`CLUSTERDOWN no leader known to ask for the failover`);
    const reply = await this.ask(address, ['CLUSTER', 'TRANSFER', status.id]);
    if (reply.type === 'error') return reply;
    const deadline = Date.now() + this.o.transferWaitMs;
    while (replica.status().role !== 'leader') {
      if (Date.now() >= deadline) return errorReply(`ERR the leader handed over, but ${status.id} does not lead after ${this.o.transferWaitMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, catchUpPollMs));
    }
    return OK;
  }

  /** One line per member: id, voter/learner, peer and client address, and whether it leads or is this node; then `id removed - -` per removed id. */
  members(): Reply {
    const status = this.o.replica.status();
    const leader = this.o.replica.leaderHint();
    const describe = (id: string, role: string): Reply => {
      const client = this.o.book.clients.get(id);
      const flags = [id === leader ? 'leader' : '', id === status.id ? 'myself' : ''].filter((f) => f !== '');
      return bulkReply([id, role, this.o.book.peers.get(id) ?? '-', client === undefined ? '-' : formatPeerAddress(client), ...flags].join(' '));
    };
    const voters = [...status.membership.voters].sort().map((id) => describe(id, 'voter'));
    const learners = [...status.membership.learners].sort().map((id) => describe(id, 'learner'));
    // Ids removed for good (the address book's tombstones): a removed follower looks for itself here.
    const removed = [...this.o.book.removed].sort().map((id) => bulkReply(`${id} removed - -`));
    return { type: 'array', items: [...voters, ...learners, ...removed] };
  }

  /** The leader leaves: transfer, have the new leader propose the removal, then stop serving as a member. */
  private async removeSelf(): Promise<Reply> {
    const replica = this.o.replica;
    const self = replica.id;
    const successor = mostCaughtUpVoter(replica);
    if (successor === undefined) return errorReply('ERR no other active voter to hand leadership to; this node cannot remove itself');
    this.o.log('raft.transfer', { to: successor, reason: 'CLUSTER REMOVENODE names the leader itself' });
    const leader = await transferAndWait(replica, successor, this.o.transferWaitMs);
    const address = this.o.book.clients.get(leader);
    if (address === undefined) return errorReply(`ERR handed leadership to ${leader} but have no client address for it; send CLUSTER REMOVENODE ${self} there`);
    const reply = await this.ask(address, ['CLUSTER', 'REMOVENODE', self]);
    if (reply.type === 'error') return reply;
    this.o.log('cluster.removed', { member: self, leader, reason: 'removed itself after handing leadership over; no longer serving as a member' });
    await this.o.retire();
    return OK;
  }

  private async ask(address: { host: string; port: number }, argv: string[]): Promise<Reply> {
    try {
      return await callMember(address, this.o.password(), argv, remoteReplyTimeoutMs);
    } catch (error) {
      return errorReply(`ERR ${argv.join(' ')} at ${formatPeerAddress(address)}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Undefined on an idle leader; otherwise the reply that says where to go (NOTLEADER id host:port) or why not now. */
  private refuse(): Reply | undefined {
    const status = this.o.replica.status();
    if (status.role !== 'leader') {
      const leader = this.o.replica.leaderHint();
      const address = leader === null ? undefined : this.o.book.clients.get(leader);
      if (leader === null || address === undefined) return errorReply('CLUSTERDOWN no leader known; membership changes and transfers go to the leader');
      return errorReply(`NOTLEADER ${leader} ${formatPeerAddress(address)} membership changes and transfers go to the leader`);
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
      return errorReply(`ERR membership change failed (${code}): ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.busy = false;
    }
  }

  private async announce(argv: Buffer[]): Promise<void> {
    const replies = await this.o.write({ commands: [argv], watches: [] });
    const reply = replies[0];
    // The cluster state machine answers OK once the book changed on the leader.
    if (reply?.type !== 'simple' || reply.value !== 'OK') throw new Error(`CAIRN.MEMBER did not apply: ${reply?.type === 'error' ? reply.message : JSON.stringify(reply)}`);
  }

  /**
   * Proposes a membership change; while the core answers conf_change_pending (a new leader that has
   * not committed an entry of its term yet, as right after a transfer), tries again until a deadline.
   */
  private async proposeChange(change: ConfChange): Promise<void> {
    const deadline = Date.now() + pendingChangeWaitMs;
    for (;;) {
      try {
        await this.o.replica.proposeConfChange(change);
        return;
      } catch (error) {
        const pending = isCairnError(error, 'CAIRN_INVALID_ARGUMENT') && error.message.includes('conf_change_pending');
        if (!pending || Date.now() >= deadline) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, catchUpPollMs));
    }
  }

  /** Waits until the learner has everything the leader had committed when it was added. */
  private async caughtUp(id: string): Promise<void> {
    const target = this.o.replica.status().commitIndex;
    const deadline = Date.now() + catchUpTimeoutMs;
    for (;;) {
      const progress = this.o.replica.status().peers.find((p) => p.id === id);
      if (progress !== undefined && progress.matchIndex >= target) return;
      if (Date.now() > deadline) throw new Error(`${id} did not catch up within ${catchUpTimeoutMs} ms; it stays a learner`);
      await new Promise((resolve) => setTimeout(resolve, catchUpPollMs));
    }
  }
}
