// The membership controller users run (replica/membership-controller.ts), one per running simulated
// node, on that node's SimClock: its announcements go through the node's own log (a kv write of a
// harness key, where the runtime writes CAIRN.MEMBER), and a call to another member (a leader
// removing itself asks its successor to propose the removal; FAILOVER asks the leader to transfer)
// travels between the two nodes with a delay, is lost across a partition (the caller times out), and
// dies with either process. A node's controller dies with its process (its clock stops).

import { REMOVED_IDS_MAX } from '../lib/limits.js';
import { CairnError } from '../lib/errors.js';
import { errorReply, type Reply } from '../lib/reply.js';
import type { Prng } from '../lib/prng.js';
import type { Message } from '../raft/types.js';
import {
  MembershipController,
  type MemberAnnouncement,
  type MemberRequest,
  type MembershipIo,
  type MembershipTimeouts,
} from '../replica/membership-controller.js';
import type { Replica } from '../replica/replica.js';
import type { StateMachine } from '../replica/ports.js';
import type { SimClock } from './clock.js';
import type { SimCluster } from './cluster.js';
import type { SimModel } from './model.js';
import type { SimNetwork } from './network.js';
import type { Trace } from './trace.js';

/** The key the announcements write (no client reads or writes it). */
const MEMBERS_KEY = 'sim-members';
/** One way of a call between two members. */
const CALL_DELAY_MS_MIN = 1;
const CALL_DELAY_MS_MAX = 5;

export interface SimControllerOptions {
  readonly timeouts: MembershipTimeouts;
  /** How long a node waits for the member it asked to answer. */
  readonly remoteReplyTimeoutMs: number;
}

/** The simulated nodes, the network between them and what they replicate. */
export interface SimMembers<S extends StateMachine> {
  readonly cluster: SimCluster<S>;
  readonly network: SimNetwork<Message>;
  readonly model: SimModel<S>;
  readonly trace: Trace;
}

/** The world around the controllers, as the membership driver sees it. */
export interface ControllerWorld<S extends StateMachine> extends SimMembers<S> {
  /** Delays of the calls between members. */
  readonly prng: Prng;
  /** Ids ADDNODE must refuse (the replicated book's tombstones, kept by the driver). */
  removedIds(): ReadonlySet<string>;
  /** The controller of `id` retired its node (it removed itself): stop it and wipe its storage. */
  retire(id: string): void;
}

/** A simulated member's client address (the controller names it in NOTLEADER replies). */
export function simClientAddress(id: string): string {
  return `${id}.sim:6379`;
}

export class SimControllers<S extends StateMachine> {
  private readonly byId = new Map<string, { replica: Replica<S>; controller: MembershipController }>();

  constructor(
    private readonly world: ControllerWorld<S>,
    private readonly options: SimControllerOptions,
  ) {}

  /** The controller of the node's running replica (a new one after each start), or undefined when it is down. */
  of(id: string): MembershipController | undefined {
    const replica = this.world.cluster.replica(id);
    const clock = this.world.cluster.node(id).clock;
    if (replica === undefined || clock === undefined) return undefined;
    const known = this.byId.get(id);
    if (known?.replica === replica) return known.controller;
    const controller = new MembershipController({
      replica,
      clock,
      io: this.io(replica, clock),
      timeouts: this.options.timeouts,
      growRefusal: undefined,
      removedIdsMax: REMOVED_IDS_MAX,
    });
    this.byId.set(id, { replica, controller });
    return controller;
  }

  private io(replica: Replica<S>, clock: SimClock): MembershipIo {
    const { world } = this;
    const self = replica.id;
    return {
      announce: (change) => this.announce(replica, clock, change),
      removedIds: () => world.removedIds(),
      clientAddress: (id) => (world.cluster.nodes.has(id) ? simClientAddress(id) : undefined),
      addressProblem: (address) => (address.length === 0 ? 'empty address' : undefined),
      ask: (to, request) => this.call(self, clock, to, request),
      retire: async () => world.retire(self),
      log: (event, fields) => world.trace.add(clock.monotonicMs(), `MEMBERSHIP ${self} ${event} ${JSON.stringify(fields)}`, true),
    };
  }

  /** The announcement as one kv write through the node's log; resolves once applied there. */
  private async announce(replica: Replica<S>, clock: SimClock, change: MemberAnnouncement): Promise<void> {
    const value = change.kind === 'join' ? `join ${change.id} ${change.peer} ${change.client}` : `leave ${change.id}`;
    const replies = await replica.propose(this.world.model.encode({ kind: 'write', key: MEMBERS_KEY, value }, clock.nowMs()));
    const reply = replies[0];
    if (reply === undefined || reply.type === 'error') throw new CairnError('CAIRN_INVALID_ARGUMENT', `the announcement did not apply: ${JSON.stringify(reply)}`);
  }

  /**
   * `from` asks `to`: the request arrives after a delay unless a partition cuts it off or `to` is
   * down (refused at once), and the reply comes back likewise; a caller that hears nothing gives up
   * after remoteReplyTimeoutMs. Every timer is on the caller's clock, so a crashed caller hears nothing.
   */
  private call(from: string, clock: SimClock, to: string, request: MemberRequest): Promise<Reply> {
    const { network, prng } = this.world;
    const text = request.kind === 'remove' ? `CLUSTER REMOVENODE ${request.id}` : `CLUSTER TRANSFER ${request.id}`;
    const linked = (): boolean => !network.isBlocked(from, to) && !network.isBlocked(to, from);
    const delayMs = (): number => prng.int(CALL_DELAY_MS_MIN, CALL_DELAY_MS_MAX);
    return new Promise<Reply>((resolve) => {
      let settled = false;
      const finish = (reply: Reply): void => {
        if (settled) return;
        settled = true;
        this.world.trace.add(clock.monotonicMs(), `MEMBERSHIP ${from} -> ${to}: ${text} -> ${reply.type === 'error' ? reply.message : reply.type === 'simple' ? reply.value : reply.type}`, true);
        resolve(reply);
      };
      clock.setTimer(this.options.remoteReplyTimeoutMs, () => finish(errorReply(`ERR ${text} at ${simClientAddress(to)}: no reply within ${this.options.remoteReplyTimeoutMs} ms`)));
      clock.setTimer(delayMs(), () => {
        if (!linked()) return;
        const target = this.of(to);
        if (target === undefined) return finish(errorReply(`ERR ${text} at ${simClientAddress(to)}: connection refused`));
        const answer = request.kind === 'remove' ? target.remove(request.id) : target.transfer(request.id);
        void answer.then((reply) => clock.setTimer(delayMs(), () => (linked() ? finish(reply) : undefined)));
      });
    });
  }
}
