// The nemesis scheduler: on a seeded schedule it injects faults (faults.ts) into the
// TortureCluster, each healed by its own timer. After a quiet spell it takes the next kind from a
// shuffled bag (every enabled kind comes up once per round); if a fault is still active it either
// overlaps the new one with it (with `overlapChance`, when the two fit: at most two at once, one
// network fault, distinct nodes, a majority of nodes left unfaulted, stale-leader alone) or waits
// for the active ones to heal first. Every injection, step and heal is logged with its time (ms
// since the campaign's start, the clock the history uses) and the other faults active then.

import { assert } from '../src/lib/assert.js';
import { CairnError } from '../src/lib/errors.js';
import type { Prng } from '../src/lib/prng.js';
import type { TortureCluster } from './cluster.js';
import { FOOTPRINT, injectFault, NEMESIS_KINDS, type FaultContext, type NemesisKind } from './faults.js';

export { NEMESIS_KINDS, type NemesisKind } from './faults.js';

export interface FaultEvent {
  readonly atMs: number;
  /** inject: the fault is on; step: part of an injection (stale-leader's stop); heal: it is off; skip: nothing injected. */
  readonly action: 'inject' | 'step' | 'heal' | 'skip';
  readonly kind: NemesisKind;
  /** `kind#n`, the n-th fault of the campaign; the same on its inject, steps and heal. */
  readonly fault: string;
  readonly detail: string;
  /** The other faults active at that moment. */
  readonly alsoActive: readonly string[];
}

export interface NemesisTiming {
  /** A fault lasts a random time within [min, max]. */
  readonly faultMinMs: number;
  readonly faultMaxMs: number;
  /** Quiet time before each injection. */
  readonly calmMs: number;
  /** Chance that the next fault starts while another is still active (when they fit). */
  readonly overlapChance?: number;
}

export const DEFAULT_TIMING: NemesisTiming = { faultMinMs: 3_000, faultMaxMs: 6_000, calmMs: 2_000, overlapChance: 0.4 };

/** Most faults active at once. */
const MAX_ACTIVE = 2;

export function parseNemesisKinds(text: string): NemesisKind[] {
  const kinds = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (kinds.length === 1 && kinds[0] === 'all') return [...NEMESIS_KINDS];
  for (const kind of kinds) {
    if (!(NEMESIS_KINDS as readonly string[]).includes(kind)) {
      throw new CairnError('CAIRN_INVALID_ARGUMENT', `unknown nemesis ${JSON.stringify(kind)} (choose from ${NEMESIS_KINDS.join(',')}, or all)`);
    }
  }
  if (kinds.length === 0) throw new CairnError('CAIRN_INVALID_ARGUMENT', '--nemesis needs at least one kind');
  return [...new Set(kinds)] as NemesisKind[];
}

interface ActiveFault {
  readonly name: string;
  readonly kind: NemesisKind;
  readonly nodes: readonly number[];
  timer: NodeJS.Timeout | null;
  /** Set once healing started; resolves when healed. */
  healing: Promise<void> | null;
  readonly heal: () => Promise<string>;
  /** Resolves when healed (timer or healNow). */
  readonly healed: Promise<void>;
  readonly markHealed: () => void;
}

export class Nemesis {
  readonly events: FaultEvent[] = [];
  private readonly active = new Map<string, ActiveFault>();
  private bag: NemesisKind[] = [];
  private faultCount = 0;
  /** The first heal that failed; the run stops and rethrows it. */
  private failure: unknown = null;

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
    assert((timing.overlapChance ?? 0) >= 0 && (timing.overlapChance ?? 0) <= 1, 'overlapChance must be within [0, 1]');
  }

  /** Injects faults until `untilMs` (on the campaign clock); always ends with every fault healed. */
  async run(untilMs: number): Promise<void> {
    try {
      while (this.now() + this.timing.calmMs < untilMs && this.failure === null) {
        await this.sleepUntil(this.now() + this.timing.calmMs);
        const kind = this.nextKind();
        if (this.active.size > 0 && !(this.prng.chance(this.timing.overlapChance ?? 0) && this.fits(kind))) {
          await Promise.all([...this.active.values()].map((f) => f.healed));
          if (this.failure !== null || this.now() + this.timing.calmMs >= untilMs) break;
          await this.sleepUntil(this.now() + this.timing.calmMs);
        }
        if (this.now() >= untilMs) break;
        await this.inject(kind, untilMs);
      }
    } finally {
      await this.healNow();
    }
    if (this.failure !== null) throw this.failure;
  }

  /** Heals every active fault now, most recent first. */
  async healNow(): Promise<void> {
    for (const fault of [...this.active.values()].reverse()) await this.healFault(fault);
  }

  /** The next kind from the bag, refilled with every enabled kind in a random order when empty. */
  private nextKind(): NemesisKind {
    if (this.bag.length === 0) {
      this.bag = [...this.kinds];
      for (let i = this.bag.length - 1; i > 0; i--) {
        const j = this.prng.int(0, i);
        [this.bag[i], this.bag[j]] = [this.bag[j]!, this.bag[i]!];
      }
    }
    return this.bag.pop()!;
  }

  /** Whether `kind` can start while the active faults continue. */
  private fits(kind: NemesisKind): boolean {
    if (this.active.size >= MAX_ACTIVE) return false;
    const footprints = [...this.active.values()].map((f) => FOOTPRINT[f.kind]);
    const footprint = FOOTPRINT[kind];
    if (footprint === 'exclusive' || footprints.includes('exclusive')) return false;
    if (footprint === 'network') return !footprints.includes('network');
    // A process fault: one membership change at a time, and a majority of nodes left alone.
    if (kind === 'member' && [...this.active.values()].some((f) => f.kind === 'member')) return false;
    const held = new Set([...this.active.values()].flatMap((f) => f.nodes)).size;
    return held + 1 <= Math.floor((this.cluster.size - 1) / 2);
  }

  private busyNodes(): Set<number> {
    return new Set([...this.active.values()].flatMap((f) => f.nodes));
  }

  private record(action: FaultEvent['action'], kind: NemesisKind, fault: string, detail: string): void {
    const alsoActive = [...this.active.keys()].filter((name) => name !== fault);
    const event: FaultEvent = { atMs: Math.round(this.now()), action, kind, fault, detail, alsoActive };
    this.events.push(event);
    const during = alsoActive.length === 0 ? '' : ` [also active: ${alsoActive.join(', ')}]`;
    this.log(`[${(event.atMs / 1000).toFixed(3)}s] nemesis ${action} ${fault}: ${detail}${during}`);
  }

  private async inject(kind: NemesisKind, untilMs: number): Promise<void> {
    const name = `${kind}#${++this.faultCount}`;
    const ctx: FaultContext = {
      cluster: this.cluster,
      prng: this.prng,
      busy: this.busyNodes(),
      sleep: (ms) => this.sleepUntil(this.now() + ms),
      note: (detail) => this.record('step', kind, name, detail),
    };
    const injected = await injectFault(kind, ctx);
    if (typeof injected === 'string') {
      this.record('skip', kind, name, `${injected}; nothing injected`);
      return;
    }
    let markHealed = (): void => undefined;
    const healed = new Promise<void>((resolve) => (markHealed = resolve));
    const fault: ActiveFault = { name, kind, nodes: injected.nodes, timer: null, healing: null, heal: injected.heal, healed, markHealed };
    this.active.set(name, fault);
    this.record('inject', kind, name, injected.detail);
    const healAtMs = Math.min(untilMs, this.now() + this.prng.int(this.timing.faultMinMs, this.timing.faultMaxMs));
    fault.timer = setTimeout(() => void this.healFault(fault), Math.max(0, healAtMs - this.now()));
  }

  /** Heals one fault once, however often it is asked; a failed heal is kept in `failure`. */
  private healFault(fault: ActiveFault): Promise<void> {
    if (fault.timer !== null) clearTimeout(fault.timer);
    fault.timer = null;
    fault.healing ??= (async () => {
      try {
        const detail = await fault.heal();
        this.active.delete(fault.name);
        this.record('heal', fault.kind, fault.name, detail);
      } catch (error) {
        this.active.delete(fault.name);
        this.record('heal', fault.kind, fault.name, `FAILED: ${error instanceof Error ? error.message : String(error)}`);
        this.failure ??= error;
      } finally {
        fault.markHealed();
      }
    })();
    return fault.healing;
  }

  private async sleepUntil(atMs: number): Promise<void> {
    const waitMs = atMs - this.now();
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
}
