// What a node knows about its cluster for routing clients: every member's client address that is
// known (where followers relay and where CLUSTER SLOTS points clients; each member announces its
// own, and one not announced yet is left out rather than guessed), this node's id, and a live view
// of the Raft role, term, leader and indexes. The runtime fills it from the replica; the server reads it.

import { createHash } from 'node:crypto';
import { assert } from '../lib/assert.js';
import { CLUSTER_MEMBERS_MAX } from '../lib/limits.js';
import type { Reply } from '../lib/reply.js';

export interface ClientAddress {
  readonly host: string;
  readonly port: number;
}

/** The node's current Raft facts, read fresh on every call. */
export interface RaftView {
  role(): string;
  term(): number;
  leaderId(): string | null;
  commitIndex(): number;
  appliedIndex(): number;
  lastIndex(): number;
  /** This data directory's incarnation (16 hex digits): peers refuse this id under another one. */
  incarnation(): string;
  /** Voters and learners of the current membership, sorted. */
  members(): readonly string[];
  /** The learners among them (receive the log, do not vote). */
  learners(): readonly string[];
  /** Leader only: each other member's match index; empty on followers. */
  followerMatch(): readonly { readonly id: string; readonly matchIndex: number }[];
}

/** Membership changes and leadership transfer at runtime (CLUSTER ADDNODE, REMOVENODE, TRANSFER, FAILOVER, MEMBERS); the leader carries them out. */
export interface MembershipControl {
  add(id: string, peerAddress: string, clientAddress: string): Promise<Reply>;
  remove(id: string): Promise<Reply>;
  /** On the leader: hands leadership to the voter `id`; OK once it leads. */
  transfer(id: string): Promise<Reply>;
  /** On a follower: asks the leader to hand leadership to this node; OK once it leads. */
  failover(): Promise<Reply>;
  /** Every member with its role and addresses, as this node knows them. */
  members(): Reply;
}

/** Client-address announcements (CLUSTER ANNOUNCE): every member tells the leader where it serves clients. */
export interface AddressControl {
  /** On the leader: records member `id`'s client address in the replicated address book (idempotent). */
  announce(id: string, clientAddress: string): Promise<Reply>;
  /** True once the replicated address book holds this node's own client address as it serves now. */
  announced(): boolean;
}

export class ClusterTopology {
  private readonly clients: ReadonlyMap<string, ClientAddress>;

  /** Set by the runtime once the node is wired; absent, the membership subcommands are refused. */
  membership: MembershipControl | undefined;
  /** Set by the runtime once the node is wired; absent, CLUSTER ANNOUNCE is refused. */
  addresses: AddressControl | undefined;

  constructor(
    readonly myId: string,
    readonly clusterId: string,
    /** Live: the runtime's address book adds and removes members in place. */
    clients: ReadonlyMap<string, ClientAddress>,
    readonly raft: RaftView,
  ) {
    assert(clients.size <= CLUSTER_MEMBERS_MAX, 'the member list is bounded');
    this.membership = undefined;
    this.addresses = undefined;
    assert(clients.has(myId), 'the topology knows this node\'s own client address');
    this.clients = clients;
  }

  /** The client address of a member, or undefined for one this node has no address for. */
  clientAddress(id: string): ClientAddress | undefined {
    return this.clients.get(id);
  }

  /** Every member with a known client address, in the membership's order. */
  knownMembers(): { readonly id: string; readonly address: ClientAddress }[] {
    const out: { id: string; address: ClientAddress }[] = [];
    for (const id of this.raft.members()) {
      const address = this.clients.get(id);
      if (address !== undefined) out.push({ id, address });
    }
    return out;
  }

  /** Members whose client address this node does not know yet (they have not announced it): left out of CLUSTER SLOTS and never relayed to. */
  unknownMembers(): string[] {
    return this.raft.members().filter((id) => !this.clients.has(id));
  }
}

/** A Redis Cluster node id: 40 hex characters, derived from the Cairn node id so it is stable. */
export function redisNodeId(id: string): string {
  return createHash('sha1').update(`cairn-node:${id}`).digest('hex');
}
