// How a removed follower learns it was removed. The leader stops replicating to a node as soon as
// it removes it, so the node usually never applies its own removal; it just stops hearing from a
// leader. So a node that has known no leader for a while asks the other members in its address
// book for CLUSTER MEMBERS (on the peer links: they answer on this node's own connection to them,
// whether or not they still count it a member), and if one lists it as removed — a tombstone in that member's applied
// (committed) address book, which no client can forge and which is never undone — it stops serving
// as a member. A node that is merely cut off hears "voter" or nothing, and keeps waiting.
//
// The same watch notices when a peer refused this node's incarnation over the peer port
// (RaftStatus.staleIncarnation): the data directory is a new one under an id the cluster knew with
// another (the node lost its data), and it may not take part under this id again.

import { assert } from '../../lib/assert.js';
import type { KvMachine } from '../../replica/kv-machine.js';
import type { Replica } from '../../replica/replica.js';
import type { MemberCalls } from '../../server/cluster-relay-link.js';
import { callMember } from './call.js';
import type { ClusterLog } from './log.js';
import type { MemberDirectory } from './members.js';
import { errorMessage } from '../../lib/errors.js';

/** How often the watch looks at the node. */
const checkEveryMs = 500;
/** How long without a known leader before the members are asked. */
const leaderlessMsBeforeAsking = 3000;
/** Most members asked in one round (one at a time). */
const askedPerRoundMax = 16;
const askTimeoutMs = 1000;

export interface RemovalWatchOptions {
  readonly replica: Replica<KvMachine>;
  readonly book: MemberDirectory;
  /** Calls to other members on the peer links. */
  readonly calls: MemberCalls;
  readonly log: ClusterLog;
  /** Called once, when a member says this node was removed. */
  readonly retire: (reportedBy: string) => Promise<void>;
  /** Called once, when a peer refused this data directory's incarnation (then the watch stops). */
  readonly refused: (reportedBy: string) => void;
}

export class RemovalWatch {
  private readonly timer: NodeJS.Timeout;
  private leaderlessSinceMs: number | null = null;
  private asking = false;
  private done = false;

  constructor(private readonly o: RemovalWatchOptions) {
    this.timer = setInterval(() => this.tick(), checkEveryMs);
    this.timer.unref();
  }

  stop(): void {
    this.done = true;
    clearInterval(this.timer);
  }

  private tick(): void {
    if (this.done) return;
    const refusedBy = this.o.replica.failed() === undefined ? this.o.replica.status().staleIncarnation : null;
    if (refusedBy !== null) {
      this.stop();
      this.o.refused(refusedBy);
      return;
    }
    if (this.asking) return;
    if (this.o.replica.failed() !== undefined || this.o.replica.leaderHint() !== null) {
      this.leaderlessSinceMs = null;
      return;
    }
    const nowMs = Date.now();
    this.leaderlessSinceMs ??= nowMs;
    if (nowMs - this.leaderlessSinceMs < leaderlessMsBeforeAsking) return;
    this.asking = true;
    this.askMembers().then(
      () => (this.asking = false),
      (error: unknown) => {
        this.asking = false;
        this.o.log('cluster.removal_check_failed', { error: errorMessage(error) });
      },
    );
  }

  /** Asks the other members, one at a time; retires as soon as one lists this node as removed. */
  private async askMembers(): Promise<void> {
    const self = this.o.replica.id;
    const others = [...this.o.book.peers.keys()].filter((id) => id !== self).slice(0, askedPerRoundMax);
    assert(others.length <= askedPerRoundMax, 'a round asks a bounded number of members');
    for (const id of others) {
      if (this.done) return;
      const reply = await callMember(this.o.calls, id, ['CLUSTER', 'MEMBERS'], askTimeoutMs).catch(() => undefined);
      if (reply === undefined || reply.type !== 'array') continue;
      const lines = reply.items.map((item) => (item.type === 'bulk' ? Buffer.from(item.value).toString('utf8') : ''));
      if (!lines.includes(`${self} removed - -`)) continue;
      this.done = true;
      clearInterval(this.timer);
      this.o.log('cluster.removed', { member: self, reportedBy: id, reason: `${id} lists this node as removed; no longer serving as a member` });
      await this.o.retire(id);
      return;
    }
  }
}
