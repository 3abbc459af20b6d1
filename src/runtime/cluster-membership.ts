// Membership at runtime, on the leader: CLUSTER ADDNODE announces the new member's addresses
// through the log (CAIRN.MEMBER), adds it as a learner, waits until it has caught up (by snapshot
// or log), then promotes it to voter; CLUSTER REMOVENODE removes a member and then forgets its
// addresses. One change at a time (Raft's single-server changes); clients keep being served.

import { isCairnError } from '../lib/errors.js';
import { errorReply, OK, type Reply } from '../lib/reply.js';
import type { KvMachine } from '../replica/kv-machine.js';
import type { Replica } from '../replica/replica.js';
import type { WriteEntry } from '../server/backend.js';
import type { MembershipControl } from '../server/cluster-topology.js';
import type { ClusterLog } from './cluster-log.js';
import { MEMBER_COMMAND } from './cluster-members.js';
import { parsePeerAddress } from './peer-address.js';

/** How long a new learner may take to catch up before ADDNODE gives up (it stays a learner). */
const catchUpTimeoutMs = 60_000;
const catchUpPollMs = 50;

export class MembershipController implements MembershipControl {
  private busy = false;

  constructor(
    private readonly replica: Replica<KvMachine>,
    private readonly write: (entry: WriteEntry) => Promise<Reply[]>,
    private readonly log: ClusterLog,
  ) {}

  async add(id: string, peer: string, client: string): Promise<Reply> {
    const refused = this.refuse();
    if (refused !== undefined) return refused;
    const membership = this.replica.status().membership;
    if (membership.voters.includes(id) || membership.learners.includes(id)) return errorReply(`ERR ${id} is already a member`);
    try {
      parsePeerAddress(peer);
      parsePeerAddress(client);
    } catch (error) {
      return errorReply(`ERR ${error instanceof Error ? error.message : String(error)}`);
    }
    return this.exclusive(async () => {
      await this.announce([MEMBER_COMMAND, Buffer.from(id), Buffer.from(peer), Buffer.from(client)]);
      await this.replica.proposeConfChange({ type: 'addLearner', nodeId: id });
      this.log('cluster.learner_added', { member: id, peer, client });
      await this.caughtUp(id);
      await this.replica.proposeConfChange({ type: 'promoteLearner', nodeId: id });
      this.log('cluster.voter_added', { member: id });
    });
  }

  async remove(id: string): Promise<Reply> {
    const refused = this.refuse();
    if (refused !== undefined) return refused;
    const status = this.replica.status();
    if (id === status.id) return errorReply('ERR this node leads: send CLUSTER REMOVENODE to the leader after another node leads');
    if (!status.membership.voters.includes(id) && !status.membership.learners.includes(id)) return errorReply(`ERR ${id} is not a member`);
    return this.exclusive(async () => {
      await this.replica.proposeConfChange({ type: 'removeNode', nodeId: id });
      this.log('cluster.member_removed', { member: id });
      await this.announce([MEMBER_COMMAND, Buffer.from(id)]);
    });
  }

  private refuse(): Reply | undefined {
    const status = this.replica.status();
    if (status.role !== 'leader') return errorReply(`ERR membership changes go to the leader (${status.leaderId ?? 'none known'})`);
    if (this.busy) return errorReply('ERR a membership change is already under way');
    return undefined;
  }

  private async exclusive(change: () => Promise<void>): Promise<Reply> {
    this.busy = true;
    try {
      await change();
      return OK;
    } catch (error) {
      const code = isCairnError(error) ? error.code : 'ERR';
      return errorReply(`ERR membership change failed (${code}): ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.busy = false;
    }
  }

  private async announce(argv: Buffer[]): Promise<void> {
    const replies = await this.write({ commands: [argv], watches: [] });
    const reply = replies[0];
    // kv does not know CAIRN.MEMBER and answers an error; only CLUSTERDOWN means it did not land.
    if (reply?.type === 'error' && reply.message.startsWith('CLUSTERDOWN')) throw new Error(reply.message);
  }

  /** Waits until the learner has everything the leader had committed when it was added. */
  private async caughtUp(id: string): Promise<void> {
    const target = this.replica.status().commitIndex;
    const deadline = Date.now() + catchUpTimeoutMs;
    for (;;) {
      const progress = this.replica.status().peers.find((p) => p.id === id);
      if (progress !== undefined && progress.matchIndex >= target) return;
      if (Date.now() > deadline) throw new Error(`${id} did not catch up within ${catchUpTimeoutMs} ms; it stays a learner`);
      await new Promise((resolve) => setTimeout(resolve, catchUpPollMs));
    }
  }
}
