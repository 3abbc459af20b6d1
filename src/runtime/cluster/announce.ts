// Every member announces its own client address (--advertise, else --host:--port) to the cluster,
// as etcd members publish their --advertise-client-urls: the address goes into the replicated
// address book through a CAIRN.MEMBER entry, so every node — and every client asking any node —
// sees each member's real address, and a member that restarts on a new address updates it.
//
// Only the leader proposes CAIRN.MEMBER (a leader refuses one in a relayed entry, relay-guard.ts),
// so a follower calls the leader with `CLUSTER ANNOUNCE <id> <host:port>` on the peer link (call.ts;
// a client cannot send it, and a member can announce only its own id). The leader checks the id is
// in its book and not removed, and proposes only when the book holds another address: announcing
// is idempotent.
// Each node checks a few times a second whether the replicated book holds its own address as it
// serves now; while it does not, it announces — one request at a time, backing off on failure up to
// a bound — until the entry lands; a later entry that changes it again (a stale announcement from
// an earlier run) is noticed and mended the same way.

import { assert } from '../../lib/assert.js';
import { errorMessage, isCairnError } from '../../lib/errors.js';
import { errorReply, OK, type Reply } from '../../lib/reply.js';
import type { KvMachine } from '../../replica/kv-machine.js';
import type { Replica } from '../../replica/replica.js';
import type { WriteEntry } from '../../server/backend.js';
import type { AddressControl } from '../../server/cluster-topology.js';
import type { MemberCalls } from '../../server/cluster-relay-link.js';
import { callMember } from './call.js';
import type { ClusterLog } from './log.js';
import { MEMBER_COMMAND, type MemberDirectory } from './members.js';
import { formatPeerAddress, parsePeerAddress } from '../peer/address.js';

/** How often a node looks whether its address is in the replicated book. */
const checkEveryMs = 200;
/** Waits between failed announcements: doubling from the first to the last. */
const retryFirstMs = 200;
const retryMaxMs = 5000;
/** After the leader accepted: how long to give the entry to reach this node before announcing again. */
const appliedWaitMs = 1000;
const replyTimeoutMs = 5000;

export interface AnnouncerOptions {
  readonly replica: Replica<KvMachine>;
  readonly book: MemberDirectory;
  /** Proposes a kv entry here while this node leads (CAIRN.MEMBER is never relayed). */
  readonly write: (entry: WriteEntry) => Promise<Reply[]>;
  /** Calls to other members on the peer links. */
  readonly calls: MemberCalls;
  readonly log: ClusterLog;
}

/** A node with no peers: its own address is all there is (from its flags), and it takes no announcements. */
export const ADDRESSES_OF_A_NODE_ALONE: AddressControl = {
  announce: () => Promise.resolve(errorReply('ERR this node has no peers: it takes no client-address announcements')),
  announced: () => true,
};

export class AddressAnnouncer implements AddressControl {
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;
  private retryMs = retryFirstMs;
  private nextTryMs = 0;
  /** The last failure logged, so a failure repeating every retry is logged once. */
  private lastFailure = '';

  constructor(private readonly o: AnnouncerOptions) {}

  start(): void {
    assert(this.timer === undefined, 'the announcer starts once');
    this.timer = setInterval(() => this.check(), checkEveryMs);
    this.timer.unref();
    this.check();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
  }

  announced(): boolean {
    return this.o.book.ownClientAnnounced();
  }

  /** The leader's side of CLUSTER ANNOUNCE (and of this node's own announcement while it leads). */
  async announce(id: string, clientText: string): Promise<Reply> {
    const replica = this.o.replica;
    if (replica.status().role !== 'leader') {
      const leader = replica.leaderHint();
      const address = leader === null ? undefined : this.o.book.clients.get(leader);
      if (leader === null || address === undefined) return errorReply('CLUSTERDOWN no leader known; client addresses are announced to the leader');
      return errorReply(`NOTLEADER ${leader} ${formatPeerAddress(address)} client addresses are announced to the leader`);
    }
    let client;
    try {
      client = parsePeerAddress(clientText);
    } catch (error) {
      return errorReply(`ERR ${errorMessage(error)}`);
    }
    if (this.o.book.removed.has(id)) return errorReply(`ERR ${id} was removed from this cluster`);
    const peer = this.o.book.peers.get(id);
    if (peer === undefined) return errorReply(`ERR ${id} is not a member this cluster knows`);
    const current = this.o.book.announcedClient(id);
    if (current !== undefined && current.host === client.host && current.port === client.port) return OK;
    const text = formatPeerAddress(client);
    let reply: Reply | undefined;
    try {
      reply = (await this.o.write({ commands: [[MEMBER_COMMAND, Buffer.from(id), Buffer.from(peer), Buffer.from(text)]], watches: [] }))[0];
    } catch (error) {
      // Lost the lead, timed out or closed: the announcing member tries again.
      return errorReply(`ERR the announcement was not committed (${isCairnError(error) ? error.code : 'ERR'}): ${errorMessage(error)}`);
    }
    if (reply?.type !== 'simple' || reply.value !== 'OK') return errorReply(`ERR the announcement did not apply: ${reply?.type === 'error' ? reply.message : JSON.stringify(reply)}`);
    this.o.log('cluster.address_announced', { member: id, client: text, previous: current === undefined ? null : formatPeerAddress(current) });
    return OK;
  }

  /** One look: announce when the book lacks this node's address, a leader is known and no try is under way or due later. */
  private check(): void {
    if (this.inFlight || this.announced()) return;
    if (Date.now() < this.nextTryMs || this.o.replica.failed() !== undefined) return;
    const leader = this.o.replica.leaderHint();
    if (leader === null) return;
    this.inFlight = true;
    this.send(leader).then(
      (reply) => this.settle(reply.type === 'error' ? reply.message : undefined),
      (error: unknown) => this.settle(errorMessage(error)),
    );
  }

  /** Here while this node leads; otherwise to the leader, on the peer link. */
  private async send(leader: string): Promise<Reply> {
    const own = formatPeerAddress(this.o.book.ownClient());
    if (leader === this.o.replica.id) return this.announce(this.o.replica.id, own);
    return callMember(this.o.calls, leader, ['CLUSTER', 'ANNOUNCE', this.o.replica.id, own], replyTimeoutMs);
  }

  /** After a try: on failure wait longer next time (bounded); the next check sees whether it landed. */
  private settle(failure: string | undefined): void {
    this.inFlight = false;
    if (failure === undefined) {
      // Accepted: the entry reaches this node's book when it applies it; look again after that.
      this.lastFailure = '';
      this.nextTryMs = Date.now() + appliedWaitMs;
      this.retryMs = retryFirstMs;
      return;
    }
    this.nextTryMs = Date.now() + this.retryMs;
    this.retryMs = Math.min(retryMaxMs, this.retryMs * 2);
    if (failure !== this.lastFailure) this.o.log('cluster.announce_failed', { client: formatPeerAddress(this.o.book.ownClient()), error: failure, retryInMs: this.nextTryMs - Date.now() });
    this.lastFailure = failure;
  }
}
