// The membership controller of a replicated node: replica/membership-controller.ts (ADDNODE,
// REMOVENODE, TRANSFER, FAILOVER, carried out by the leader) wired to the real clock, the node's
// write path for the CAIRN.MEMBER announcements, the address book, and calls to another member on
// the peer links (call.ts; `cairn cluster` follows a `NOTLEADER <id> <host:port>` reply). Also
// CLUSTER MEMBERS, read from the address book.

import { CairnError, errorMessage } from '../../lib/errors.js';
import { bulkReply, errorReply, type Reply } from '../../lib/reply.js';
import type { KvMachine } from '../../replica/kv-machine.js';
import { MembershipController as Controller, type MemberAnnouncement, type MemberRequest, type MembershipIo } from '../../replica/membership-controller.js';
import type { Replica } from '../../replica/replica.js';
import type { WriteEntry } from '../../server/backend.js';
import type { MembershipControl } from '../../server/cluster-topology.js';
import type { MemberCalls } from '../../server/cluster-relay-link.js';
import { SystemClock } from '../clock.js';
import { callMember } from './call.js';
import type { ClusterLog } from './log.js';
import { MEMBER_COMMAND, type MemberDirectory } from './members.js';
import { REMOVED_IDS_MAX } from '../../lib/limits.js';
import { formatPeerAddress, parsePeerAddress } from '../peer/address.js';

/** How long a new learner may take to catch up before ADDNODE gives up (it stays a learner). */
const catchUpTimeoutMs = 60_000;
const pollMs = 50;
/** How long a change waits for the previous one (or the new leader's first entry) to commit. */
const pendingChangeWaitMs = 3_000;
/** How long a node waits for the leader it asked (a removal proposed there, a transfer) to answer. */
const remoteReplyTimeoutMs = 15_000;

export interface MembershipOptions {
  readonly replica: Replica<KvMachine>;
  /** Proposes a kv entry through the node's write path (the CAIRN.MEMBER announcements). */
  readonly write: (entry: WriteEntry) => Promise<Reply[]>;
  readonly book: MemberDirectory;
  /** Calls to other members on the peer links. */
  readonly calls: MemberCalls;
  readonly log: ClusterLog;
  /** False for a node alone without a peer listener: nobody could reach it, so it adds no members. */
  readonly canGrow: boolean;
  /** How long a transfer may take before it is reported as failed. */
  readonly transferWaitMs: number;
  /** This node was removed from the cluster: stop serving as a member. */
  readonly retire: () => Promise<void>;
}

export class MembershipController implements MembershipControl {
  private readonly controller: Controller;

  constructor(private readonly o: MembershipOptions) {
    this.controller = new Controller({
      replica: o.replica,
      clock: new SystemClock(),
      io: runtimeIo(o),
      timeouts: { catchUpTimeoutMs, pendingChangeWaitMs, transferWaitMs: o.transferWaitMs, pollMs },
      growRefusal: o.canGrow ? undefined : 'this node listens for no peers (started without --peer-port); restart it with --peer-port to add members',
      removedIdsMax: REMOVED_IDS_MAX,
    });
  }

  add(id: string, peer: string, client: string): Promise<Reply> {
    return this.controller.add(id, peer, client);
  }

  remove(id: string): Promise<Reply> {
    return this.controller.remove(id);
  }

  transfer(id: string): Promise<Reply> {
    return this.controller.transfer(id);
  }

  failover(): Promise<Reply> {
    return this.controller.failover();
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
}

/** The controller's I/O on a real node: CAIRN.MEMBER entries through the write path, the address book, calls to the leader. */
function runtimeIo(o: MembershipOptions): MembershipIo {
  const clientAddress = (id: string): string | undefined => {
    const address = o.book.clients.get(id);
    return address === undefined ? undefined : formatPeerAddress(address);
  };
  return {
    announce: async (change: MemberAnnouncement) => {
      const argv = change.kind === 'join' ? [change.id, change.peer, change.client] : [change.id];
      const replies = await o.write({ commands: [[MEMBER_COMMAND, ...argv.map((arg) => Buffer.from(arg))]], watches: [] });
      const reply = replies[0];
      // The cluster state machine answers OK once the book changed on the leader.
      if (reply?.type !== 'simple' || reply.value !== 'OK') throw new CairnError('CAIRN_INVALID_ARGUMENT', `CAIRN.MEMBER did not apply: ${reply?.type === 'error' ? reply.message : JSON.stringify(reply)}`);
    },
    removedIds: () => o.book.removed,
    clientAddress,
    addressProblem: (address) => {
      try {
        parsePeerAddress(address);
        return undefined;
      } catch (error) {
        return errorMessage(error);
      }
    },
    ask: async (to: string, request: MemberRequest) => {
      const argv = request.kind === 'remove' ? ['CLUSTER', 'REMOVENODE', request.id] : ['CLUSTER', 'TRANSFER', request.id];
      try {
        return await callMember(o.calls, to, argv, remoteReplyTimeoutMs);
      } catch (error) {
        return errorReply(`ERR ${argv.join(' ')} at ${to}: ${errorMessage(error)}`);
      }
    },
    retire: () => o.retire(),
    log: (event, fields) => o.log(event, fields),
  };
}
