// The chaos schedule: at random moments it partitions the network (symmetric splits, one-way
// links, an isolated node), makes links lossy, duplicating or slow, freezes a node for a while
// (timers and inbound messages wait, as in a long GC pause), transfers leadership, replays old
// messages (stale replies from earlier terms), and crashes nodes (dropping unsynced writes,
// sometimes tearing the last one) to restart them later. heal() then restores a
// quorum so the run can demand progress.

import { assert } from '../lib/assert.js';
import type { Prng } from '../lib/prng.js';
import type { Message } from '../raft/types.js';
import type { StateMachine } from '../replica/ports.js';
import type { SimClock } from './clock.js';
import type { SimCluster } from './cluster.js';
import { STALE_ACK_DRILL_MS, StaleAckDrill } from './drills.js';
import { CALM_NETWORK } from './network.js';
import type { SimNetwork } from './network.js';
import type { Trace } from './trace.js';
import { errorMessage } from '../lib/errors.js';

export interface FaultOptions {
  /** Mean gap between fault events. */
  meanGapMs: number;
  /** A crashed node restarts after a delay in [restartMinMs, restartMaxMs]. */
  restartMinMs: number;
  restartMaxMs: number;
  /** Probability weights of each fault; 0 disables one. */
  weights: Readonly<Record<FaultKind, number>>;
  /** Per run of 5 or more nodes, the chance that one stale-ack drill (drills.ts) interrupts the chaos. */
  staleAckDrillProbability: number;
}

export type FaultKind = 'partition' | 'oneWay' | 'isolate' | 'lossy' | 'slowLink' | 'pause' | 'transfer' | 'replay' | 'crash' | 'heal';

/** A replay fault re-delivers up to this many old messages to one node (often the leader). */
const REPLAY_MESSAGES_MAX = 16;
const REPLAY_DELAY_MS_MAX = 50;

export const DEFAULT_FAULTS: FaultOptions = {
  meanGapMs: 150,
  restartMinMs: 20,
  restartMaxMs: 600,
  weights: { partition: 3, oneWay: 2, isolate: 2, lossy: 2, slowLink: 1, pause: 2, transfer: 1, replay: 2, crash: 3, heal: 3 },
  staleAckDrillProbability: 0.25,
};

/** A drill starts this long into the chaos (random in the range), so a leader exists and has a log. */
const DRILL_START_MIN_MS = 100;
const DRILL_START_MS_MAX = 500;

export class FaultInjector<S extends StateMachine> {
  private active = false;
  /** Random faults wait while a drill runs. */
  private drillUntilMs = 0;
  private readonly drill: StaleAckDrill<S>;
  faultsInjected = 0;

  constructor(
    private readonly cluster: SimCluster<S>,
    private readonly network: SimNetwork<Message>,
    private readonly prng: Prng,
    private readonly trace: Trace,
    private readonly clock: SimClock,
    private readonly options: FaultOptions,
    drillWrite: (nowMs: number) => Uint8Array,
  ) {
    assert(options.meanGapMs > 0, 'meanGapMs must be positive');
    this.drill = new StaleAckDrill(cluster, network, trace, clock, drillWrite);
  }

  /** Injects faults until stop(). */
  start(): void {
    this.active = true;
    this.scheduleNext();
    if (this.cluster.ids.length >= 5 && this.prng.chance(this.options.staleAckDrillProbability)) {
      this.clock.setTimer(this.prng.int(DRILL_START_MIN_MS, DRILL_START_MS_MAX), () => this.startDrill());
    }
  }

  private startDrill(): void {
    if (!this.active) return;
    if (this.drill.start()) this.drillUntilMs = this.clock.monotonicMs() + STALE_ACK_DRILL_MS;
  }

  stop(): void {
    this.active = false;
  }

  /**
   * Ends the chaos: heals the network, calms every link and makes sure the nodes of `quorum` run;
   * the others stay cut off (or down), so progress must come from the quorum alone.
   */
  heal(quorum: readonly string[]): void {
    this.stop();
    this.network.heal();
    this.network.setDefaults(CALM_NETWORK);
    for (const id of this.cluster.ids) {
      if (quorum.includes(id)) {
        if (this.cluster.node(id).state === 'down') this.cluster.start(id);
      } else {
        this.network.isolate(id, this.cluster.ids);
      }
    }
    this.trace.add(this.clock.monotonicMs(), `HEAL: network healed, quorum ${quorum.join(',')} running, others cut off`, true);
  }

  private scheduleNext(): void {
    const gapMs = this.prng.int(1, 2 * this.options.meanGapMs);
    this.clock.setTimer(gapMs, () => {
      if (!this.active) return;
      if (this.clock.monotonicMs() >= this.drillUntilMs) this.inject(this.pickKind());
      this.scheduleNext();
    });
  }

  private pickKind(): FaultKind {
    const entries = Object.entries(this.options.weights) as [FaultKind, number][];
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
    assert(total > 0, 'at least one fault needs a weight');
    let roll = this.prng.next() * total;
    for (const [kind, weight] of entries) {
      roll -= weight;
      if (roll < 0) return kind;
    }
    return (entries[entries.length - 1] as [FaultKind, number])[0];
  }

  private inject(kind: FaultKind): void {
    this.faultsInjected++;
    const ids = this.cluster.activeIds();
    if (ids.length < 2) return;
    const now = this.clock.monotonicMs();
    switch (kind) {
      case 'partition': {
        // Half the time the current leader lands in the minority side: the hardest case for reads.
        const shuffled = this.leaderFirst(shuffle([...ids], this.prng));
        const cut = this.prng.int(1, Math.max(1, Math.floor((ids.length - 1) / 2)));
        const groups = [shuffled.slice(0, cut), shuffled.slice(cut)];
        this.network.partition(groups);
        this.trace.add(now, `FAULT partition ${groups.map((g) => `{${g.join(',')}}`).join(' | ')}`, true);
        return;
      }
      case 'oneWay': {
        const [from, to] = shuffle([...ids], this.prng) as [string, string];
        this.network.blockOneWay(from, to);
        this.trace.add(now, `FAULT one-way block ${from} -> ${to}`, true);
        return;
      }
      case 'isolate': {
        const id = this.leaderFirst(shuffle([...ids], this.prng))[0] as string;
        this.network.isolate(id, ids);
        this.trace.add(now, `FAULT isolate ${id}`, true);
        return;
      }
      case 'lossy': {
        // Now and then a delay storm: messages overtake each other by hundreds of ms (stale replies).
        const delayMaxMs = this.prng.chance(0.25) ? this.prng.int(100, 600) : this.prng.int(5, 40);
        const faults = { delayMinMs: 1, delayMaxMs, lossProbability: this.prng.next() * 0.3, duplicateProbability: this.prng.next() * 0.2 };
        this.network.setDefaults(faults);
        this.trace.add(now, `FAULT network loss ${faults.lossProbability.toFixed(2)} dup ${faults.duplicateProbability.toFixed(2)} delay 1..${faults.delayMaxMs}ms`, true);
        return;
      }
      case 'slowLink': {
        const [from, to] = shuffle([...ids], this.prng) as [string, string];
        const delayMaxMs = this.prng.int(50, 400);
        this.network.setLink(from, to, { delayMinMs: 10, delayMaxMs, lossProbability: 0, duplicateProbability: 0 });
        this.trace.add(now, `FAULT slow link ${from} -> ${to} (10..${delayMaxMs}ms)`, true);
        return;
      }
      case 'pause': {
        const id = this.leaderFirst(shuffle([...ids], this.prng))[0] as string;
        const node = this.cluster.node(id);
        if (node.state === 'down' || node.clock === undefined) return;
        const durationMs = this.prng.int(50, 800);
        node.clock.pause(durationMs);
        this.network.pauseDelivery(id, now + durationMs);
        this.trace.add(now, `FAULT pause ${id} for ${durationMs}ms (timers and inbound messages wait)`, true);
        return;
      }
      case 'transfer':
        return this.transfer(now);
      case 'replay': {
        const to = this.leaderFirst(shuffle([...ids], this.prng))[0] as string;
        const replayed = this.network.replayOld(to, this.prng.int(1, REPLAY_MESSAGES_MAX), REPLAY_DELAY_MS_MAX);
        this.trace.add(now, `FAULT replay ${replayed} old messages to ${to}`, true);
        return;
      }
      case 'crash':
        return this.crashOne(now);
      case 'heal':
        this.network.heal();
        this.network.setDefaults(CALM_NETWORK);
        this.trace.add(now, 'FAULT heal network', true);
        return;
    }
  }

  /** With probability 1/2, moves a node that believes it leads to the front of `ids`. */
  private leaderFirst(ids: string[]): string[] {
    if (!this.prng.chance(0.5)) return ids;
    const leader = ids.find((id) => this.cluster.replica(id)?.status().role === 'leader');
    if (leader === undefined) return ids;
    return [leader, ...ids.filter((id) => id !== leader)];
  }

  /** Asks the current leader to hand over to another node (TimeoutNow), which may fail or stall. */
  private transfer(now: number): void {
    const leader = this.cluster.ids.map((id) => this.cluster.replica(id)).find((r) => r?.status().role === 'leader');
    if (leader === undefined) return;
    const to = this.prng.pick(this.cluster.activeIds().filter((id) => id !== leader.id));
    try {
      leader.transferLeadership(to);
      this.trace.add(now, `FAULT transfer leadership ${leader.id} -> ${to}`, true);
    } catch (error) {
      this.trace.add(now, `FAULT transfer leadership ${leader.id} -> ${to} refused: ${errorMessage(error)}`, true);
    }
  }

  private crashOne(now: number): void {
    const candidates = this.cluster.ids.filter((id) => this.cluster.node(id).state !== 'down');
    if (candidates.length === 0) return;
    const id = this.leaderFirst(shuffle(candidates, this.prng))[0] as string;
    this.cluster.crash(id, this.prng.chance(0.5));
    const restartMs = this.prng.int(this.options.restartMinMs, this.options.restartMaxMs);
    this.clock.setTimer(restartMs, () => {
      const node = this.cluster.node(id);
      if (this.active && node.state === 'down' && !node.retired) this.cluster.start(id);
    });
    this.trace.add(now, `FAULT crash ${id}, restart in ${restartMs}ms`, true);
  }
}

function shuffle<T>(items: T[], prng: Prng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = prng.int(0, i);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}
