// The nemesis: on a seeded schedule it injects one fault at a time into the TortureCluster, holds
// it, heals it, and lets the cluster recover before the next. Faults: kill (SIGKILL, restart on
// heal), pause (SIGSTOP/SIGCONT), partition (majority/minority, isolated leader, bridge, one-way),
// delay and loss on every link. Every injection and heal is logged with its time (ms since the
// campaign's start, the same clock the history uses).

import { Redis } from 'ioredis';
import { assert } from '../src/lib/assert.js';
import { CairnError } from '../src/lib/errors.js';
import type { Prng } from '../src/lib/prng.js';
import type { TortureCluster } from './cluster.js';
import { OPEN } from './links.js';
import { connectionOptions } from './workload.js';

export const NEMESIS_KINDS = ['kill', 'pause', 'partition', 'delay', 'loss', 'stale-leader'] as const;
export type NemesisKind = (typeof NEMESIS_KINDS)[number];

export interface FaultEvent {
  readonly atMs: number;
  readonly action: 'inject' | 'heal';
  readonly kind: NemesisKind;
  readonly detail: string;
}

export interface NemesisTiming {
  /** A fault lasts a random time within [min, max]. */
  readonly faultMinMs: number;
  readonly faultMaxMs: number;
  /** Quiet time after each heal. */
  readonly calmMs: number;
}

export const DEFAULT_TIMING: NemesisTiming = { faultMinMs: 3_000, faultMaxMs: 6_000, calmMs: 2_000 };

/** stale-leader keeps the old leader stopped this long: the rest elect a leader and write meanwhile. */
const STALE_LEADER_PAUSE_MS = 2_500;

export function parseNemesisKinds(text: string): NemesisKind[] {
  const kinds = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const kind of kinds) {
    if (!(NEMESIS_KINDS as readonly string[]).includes(kind)) {
      throw new CairnError('CAIRN_INVALID_ARGUMENT', `unknown nemesis ${JSON.stringify(kind)} (choose from ${NEMESIS_KINDS.join(',')})`);
    }
  }
  if (kinds.length === 0) throw new CairnError('CAIRN_INVALID_ARGUMENT', '--nemesis needs at least one kind');
  return kinds as NemesisKind[];
}

export class Nemesis {
  readonly events: FaultEvent[] = [];
  private heal: (() => Promise<void>) | null = null;

  constructor(
    private readonly cluster: TortureCluster,
    private readonly kinds: readonly NemesisKind[],
    private readonly prng: Prng,
    private readonly now: () => number,
    private readonly timing: NemesisTiming = DEFAULT_TIMING,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    assert(kinds.length > 0, 'the nemesis needs at least one fault kind');
    assert(timing.faultMinMs <= timing.faultMaxMs, 'faultMinMs must not exceed faultMaxMs');
  }

  /** Injects and heals faults until `untilMs` (on the campaign clock); always ends healed. */
  async run(untilMs: number): Promise<void> {
    while (this.now() + this.timing.calmMs < untilMs) {
      await this.sleepUntil(this.now() + this.timing.calmMs);
      const kind = this.prng.pick(this.kinds);
      await this.inject(kind);
      await this.sleepUntil(Math.min(untilMs, this.now() + this.prng.int(this.timing.faultMinMs, this.timing.faultMaxMs)));
      await this.healNow();
    }
  }

  /** Heals whatever fault is active (restarts, resumes, opens every link). */
  async healNow(): Promise<void> {
    const heal = this.heal;
    this.heal = null;
    if (heal !== null) await heal();
  }

  private record(action: FaultEvent['action'], kind: NemesisKind, detail: string): void {
    const event: FaultEvent = { atMs: Math.round(this.now()), action, kind, detail };
    this.events.push(event);
    this.log(`[${(event.atMs / 1000).toFixed(3)}s] nemesis ${action} ${kind}: ${detail}`);
  }

  private async inject(kind: NemesisKind): Promise<void> {
    assert(this.heal === null, 'one fault at a time');
    const cluster = this.cluster;
    const ids = (nodes: readonly number[]): string => nodes.map((i) => cluster.nodes[i]!.id).join(',');
    switch (kind) {
      case 'kill': {
        const victim = await this.pickVictim();
        await cluster.kill(victim);
        this.record('inject', kind, `SIGKILL ${ids([victim])}`);
        this.heal = async () => {
          await cluster.startNode(victim);
          this.record('heal', kind, `restarted ${ids([victim])}`);
        };
        return;
      }
      case 'pause': {
        const victim = await this.pickVictim();
        cluster.pause(victim);
        this.record('inject', kind, `SIGSTOP ${ids([victim])}`);
        this.heal = async () => {
          cluster.resume(victim);
          this.record('heal', kind, `SIGCONT ${ids([victim])}`);
        };
        return;
      }
      case 'partition':
        await this.partition();
        return;
      case 'stale-leader':
        await this.staleLeader();
        return;
      case 'delay':
      case 'loss': {
        const delayMs = kind === 'delay' ? this.prng.int(50, 300) : 0;
        const lossRate = kind === 'loss' ? this.prng.int(5, 30) / 100 : 0;
        for (let a = 0; a < cluster.size; a++) for (let b = 0; b < cluster.size; b++) if (a !== b) cluster.links.set(a, b, { cut: false, delayMs, lossRate });
        this.record('inject', kind, kind === 'delay' ? `every link +${delayMs} ms` : `every link loses ${Math.round(lossRate * 100)}% of chunks (200 ms retransmit, 5% of those reset)`);
        this.heal = async () => {
          cluster.links.healAll();
          this.record('heal', kind, 'every link open');
        };
      }
    }
  }

  /** Cuts links in one of the partition shapes; the heal opens them all. */
  private async partition(): Promise<void> {
    const cluster = this.cluster;
    const all = cluster.nodes.map((n) => n.index);
    const shuffled = [...all];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = this.prng.int(0, i);
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    const shape = this.prng.pick(['majority-minority', 'isolated-leader', 'bridge', 'one-way'] as const);
    const cut = (a: number, b: number): void => cluster.links.set(a, b, { ...OPEN, cut: true });
    const ids = (nodes: readonly number[]): string => nodes.map((i) => cluster.nodes[i]!.id).join(',');
    let detail: string;
    if (shape === 'majority-minority' || shape === 'isolated-leader') {
      const leader = shape === 'isolated-leader' ? await this.findLeader() : undefined;
      const minority = leader !== undefined ? [leader] : shuffled.slice(0, Math.floor(cluster.size / 2));
      const majority = all.filter((i) => !minority.includes(i));
      for (const a of minority) for (const b of majority) { cut(a, b); cut(b, a); }
      detail = `${shape}: {${ids(minority)}} | {${ids(majority)}}`;
    } else if (shape === 'bridge') {
      // Two halves that cannot talk, and one node both halves reach (Jepsen's bridge).
      const bridge = shuffled[0]!;
      const rest = shuffled.slice(1);
      const left = rest.slice(0, Math.floor(rest.length / 2));
      const right = rest.slice(Math.floor(rest.length / 2));
      for (const a of left) for (const b of right) { cut(a, b); cut(b, a); }
      detail = `bridge: {${ids(left)}} - ${ids([bridge])} - {${ids(right)}}`;
    } else {
      // One node's outgoing messages vanish while it still hears everyone.
      const mute = (await this.findLeader()) ?? shuffled[0]!;
      for (const b of all) if (b !== mute) cut(mute, b);
      detail = `one-way: ${ids([mute])} -> others cut, others -> ${ids([mute])} open`;
    }
    this.record('inject', 'partition', detail);
    this.heal = async () => {
      cluster.links.healAll();
      this.record('heal', 'partition', 'every link open');
    };
  }

  /**
   * Isolates the leader and stops it, so its own timers cannot depose it; once the others have
   * had time to elect a new leader and write, resumes it while it is still cut off. Until its
   * own election timeout runs out it believes it leads: a read it answers from its own state
   * without confirming leadership is stale. The heal opens every link.
   */
  private async staleLeader(): Promise<void> {
    const cluster = this.cluster;
    const leader = await this.findLeader();
    if (leader === undefined) {
      this.record('inject', 'stale-leader', 'no leader found; nothing injected');
      return;
    }
    for (const b of cluster.nodes) {
      if (b.index === leader) continue;
      cluster.links.set(leader, b.index, { ...OPEN, cut: true });
      cluster.links.set(b.index, leader, { ...OPEN, cut: true });
    }
    cluster.pause(leader);
    const id = cluster.nodes[leader]!.id;
    this.record('inject', 'stale-leader', `${id} cut off from every node and SIGSTOPped`);
    await this.sleepUntil(this.now() + STALE_LEADER_PAUSE_MS);
    cluster.resume(leader);
    this.record('inject', 'stale-leader', `SIGCONT ${id}, still cut off`);
    this.heal = async () => {
      cluster.links.healAll();
      this.record('heal', 'stale-leader', 'every link open');
    };
  }

  /** The leader half the time (faults there hurt most), else a random running node. */
  private async pickVictim(): Promise<number> {
    const leader = this.prng.chance(0.5) ? await this.findLeader() : undefined;
    if (leader !== undefined) return leader;
    const up = this.cluster.nodes.filter((n) => n.proc !== null && !n.paused).map((n) => n.index);
    assert(up.length > 0, 'no running node to fault');
    return this.prng.pick(up);
  }

  /** The node that says it leads (CLUSTER INFO), or undefined if none answers so within a second. */
  private async findLeader(): Promise<number | undefined> {
    for (const node of this.cluster.nodes) {
      if (node.proc === null || node.paused) continue;
      const redis = new Redis({ ...connectionOptions(node.clientPort), commandTimeout: 1_000 });
      redis.on('error', () => undefined);
      try {
        await redis.connect();
        const info = String(await redis.call('CLUSTER', 'INFO'));
        if (info.includes('cairn_role:leader')) return node.index;
      } catch {
        // Unreachable or slow: not the leader we can use.
      } finally {
        redis.disconnect();
      }
    }
    return undefined;
  }

  private async sleepUntil(atMs: number): Promise<void> {
    const waitMs = atMs - this.now();
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
}
