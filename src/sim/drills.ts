// Scripted fault sequences for interleavings random faults almost never produce. The stale-ack
// drill (5 nodes): the leader L and one follower F are cut off together, so L appends a tail only F
// acknowledges; the majority elects another leader, which overwrites L's tail once the partition
// heals, while nothing from L reaches F any more (F's replies still can); leadership is handed back to L, which appends over the same
// indexes in a new term; then F's old acknowledgements are replayed to L. A leader that counts a
// reply from an older term now believes F holds entries it never saw, and commits without a
// majority (the checker's leader-commit rule catches that at once).

import type { Message } from '../raft/types.js';
import type { StateMachine } from '../replica/ports.js';
import type { SimClock } from './clock.js';
import type { SimCluster } from './cluster.js';
import { CALM_NETWORK } from './network.js';
import type { LinkFaults, SimNetwork } from './network.js';
import type { Trace } from './trace.js';
import { errorMessage } from '../lib/errors.js';

/** Simulated ms from the drill's start until the other nodes may elect a leader. */
const MAJORITY_REJOINS_AT_MS = 250;
/** While cut off, L is handed this many writes (on a key no client uses), one every DRILL_WRITE_EVERY_MS. */
const DRILL_WRITES = 8;
const DRILL_WRITE_EVERY_MS = 10;
/** Polling for the majority's new leader, then for L to lead again: every POLL_MS, at most POLLS_MAX times. */
const POLL_MS = 5;
const POLLS_MAX = 100;
const TRANSFER_AFTER_MS = 15;
/** Once L leads again, F's recorded replies are replayed to it this often, this many times. */
const REPLAY_EVERY_MS = 10;
const REPLAY_ROUNDS = 30;
const REPLAY_MESSAGES = 8;
const REPLAY_DELAY_MS_MAX = 5;
/** Links from L to all but one of the others are slow meanwhile, so few nodes hold L's new entries. */
const SLOW_LINK: LinkFaults = { delayMinMs: 40, delayMaxMs: 80, lossProbability: 0, duplicateProbability: 0 };
/** The drill's longest run: random faults wait until it is over. */
export const STALE_ACK_DRILL_MS = MAJORITY_REJOINS_AT_MS + 3 * POLLS_MAX * POLL_MS + REPLAY_EVERY_MS * REPLAY_ROUNDS;

interface DrillNodes {
  readonly leader: string;
  readonly follower: string;
  readonly rest: readonly string[];
  readonly term: number;
}

export class StaleAckDrill<S extends StateMachine> {
  constructor(
    private readonly cluster: SimCluster<S>,
    private readonly network: SimNetwork<Message>,
    private readonly trace: Trace,
    private readonly clock: SimClock,
    /** The entry data of one write on a key the clients never touch (their history stays exact). */
    private readonly drillWrite: (nowMs: number) => Uint8Array,
  ) {}

  /**
   * Starts the drill with the leader's best-replicated follower; false when no node leads. While
   * L and F are cut off, the other nodes are cut off from each other too, so no new leader
   * appends before L's tail is long; then they may elect one, and the network heals at once.
   */
  start(): boolean {
    const ids = this.cluster.ids;
    const status = ids.map((id) => this.cluster.replica(id)?.status()).find((s) => s?.role === 'leader');
    if (status === undefined) return false;
    const best = [...status.peers].sort((a, b) => b.matchIndex - a.matchIndex)[0];
    if (best === undefined) return false;
    const nodes: DrillNodes = { leader: status.id, follower: best.id, rest: ids.filter((id) => id !== status.id && id !== best.id), term: status.term };
    this.network.heal();
    this.network.setDefaults(CALM_NETWORK);
    this.network.partition([[nodes.leader, nodes.follower], ...nodes.rest.map((id) => [id])]);
    this.network.startRecording(nodes.leader);
    this.note(`DRILL stale-ack: ${nodes.leader} (leader) and ${nodes.follower} cut off; ${nodes.rest.join(',')} cut off from each other`);
    for (let i = 0; i < DRILL_WRITES; i++) this.clock.setTimer(i * DRILL_WRITE_EVERY_MS, () => this.writeAt(nodes.leader));
    this.clock.setTimer(MAJORITY_REJOINS_AT_MS, () => {
      this.network.heal();
      this.network.partition([[nodes.leader, nodes.follower], [...nodes.rest]]);
      this.note(`DRILL stale-ack: ${nodes.rest.join(',')} may elect a leader`);
      this.poll(POLLS_MAX, () => this.newLeaderElected(nodes));
    });
    return true;
  }

  /** Proposes one drill write at `id` if it still leads; the outcome does not matter. */
  private writeAt(id: string): void {
    const replica = this.cluster.replica(id);
    if (replica === undefined || replica.status().role !== 'leader') return;
    replica.propose(this.drillWrite(this.clock.nowMs())).catch(() => undefined);
  }

  /** Calls `done` every POLL_MS until it returns true, at most `polls` times. */
  private poll(polls: number, done: () => boolean): void {
    if (polls <= 0 || done()) return;
    this.clock.setTimer(POLL_MS, () => this.poll(polls - 1, done));
  }

  private newLeaderElected(nodes: DrillNodes): boolean {
    const leader = nodes.rest.map((id) => this.cluster.replica(id)?.status()).find((s) => s?.role === 'leader' && s.term > nodes.term);
    if (leader === undefined) return false;
    this.network.heal();
    this.network.blockOneWay(nodes.leader, nodes.follower);
    for (const id of nodes.rest.slice(1)) this.network.setLink(nodes.leader, id, SLOW_LINK);
    this.note(`DRILL stale-ack: ${leader.id} leads term ${leader.term}; healed, ${nodes.leader} -> ${nodes.follower} blocked, ${nodes.leader} slow to ${nodes.rest.slice(1).join(',')}`);
    this.clock.setTimer(TRANSFER_AFTER_MS, () => this.poll(POLLS_MAX, () => this.leadsAgain(nodes)));
    return true;
  }

  /** Hands leadership back to L until it leads, then replays F's recorded replies to it. */
  private leadsAgain(nodes: DrillNodes): boolean {
    const status = this.cluster.replica(nodes.leader)?.status();
    if (status?.role !== 'leader' || status.term <= nodes.term) {
      this.handBack(nodes.leader);
      return false;
    }
    const recorded = this.network.takeRecorded().filter((sent) => sent.from === nodes.follower);
    this.note(`DRILL stale-ack: ${nodes.leader} leads term ${status.term}; replaying ${recorded.length} old messages from ${nodes.follower}`);
    for (let round = 0; round < REPLAY_ROUNDS; round++) {
      this.clock.setTimer(round * REPLAY_EVERY_MS, () => {
        this.network.replay(recorded, REPLAY_MESSAGES, REPLAY_DELAY_MS_MAX);
      });
    }
    this.clock.setTimer(REPLAY_ROUNDS * REPLAY_EVERY_MS, () => {
      this.network.heal();
      this.note('DRILL stale-ack: over, network healed');
    });
    return true;
  }

  /** Asks whoever leads now to hand leadership to `to` (once per leader and term). */
  private handBack(to: string): void {
    const current = this.cluster.ids.map((id) => this.cluster.replica(id)).find((r) => r?.status().role === 'leader');
    if (current === undefined || current.id === to || current.status().transferTarget !== null) return;
    try {
      current.transferLeadership(to);
      this.note(`DRILL stale-ack: transfer leadership ${current.id} -> ${to}`);
    } catch (error) {
      this.note(`DRILL stale-ack: transfer ${current.id} -> ${to} refused: ${errorMessage(error)}`);
    }
  }

  private note(text: string): void {
    this.trace.add(this.clock.monotonicMs(), text, true);
  }
}
