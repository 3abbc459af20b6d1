// maxmemory's evictor: while this node leads, used memory is over the limit and the policy evicts,
// it chooses keys by the policy (eviction-choice.ts) and proposes their deletion as one entry of
// CAIRN.EVICT commands (an internal command: no client may send it, and a leader refuses it in a
// relayed entry), so every replica deletes the same keys at the same log index. Bounded: at most
// EVICTED_KEYS_PER_ROUND keys per round, one round in flight; a round that evicted runs again at
// once while memory is still over, otherwise every EVICTION_INTERVAL_MS or when a write finds
// memory over (MemoryGuard.onPressure). What each round frees is counted at once from MEMORY
// USAGE's estimate (the heap drops only at the next GC), so it evicts about what is needed. With
// nothing the policy may evict it marks the guard stuck, and denyoom writes get OOM, as in Redis.

import { Buffer } from 'node:buffer';
import type { Clock, TimerHandle } from '../io/clock.js';
import { keyBytes } from '../kv/bytes.js';
import type { KvState } from '../kv/state.js';
import type { Reply } from '../lib/reply.js';
import type { WriteEntry } from './backend.js';
import type { MaxMemoryPolicy } from './config.js';
import { chooseVictims, type Victim } from './eviction-choice.js';
import type { MemoryGuard } from './memory-guard.js';

export const EVICTION_INTERVAL_MS = 100;
export const EVICTED_KEYS_PER_ROUND = 256;
export const EVICT_COMMAND = Buffer.from('CAIRN.EVICT');

export interface EvictorOptions {
  readonly clock: Clock;
  /** The state as it is now (a snapshot install may replace the object). */
  readonly state: () => KvState;
  readonly write: (entry: WriteEntry) => Promise<Reply[]>;
  /** Rounds run only while this holds (while this node leads). */
  readonly shouldRun: () => boolean;
  readonly memory: MemoryGuard;
  /** Uniform in [0, 1) for the random picks (the leader's choice: not replicated). */
  readonly random?: () => number;
}

export class Evictor {
  private timer: TimerHandle | null = null;
  private running = false;
  private stopped = false;

  constructor(private readonly options: EvictorOptions) {}

  start(): void {
    this.options.memory.onPressure = () => this.wake();
    this.schedule(EVICTION_INTERVAL_MS);
  }

  stop(): void {
    this.stopped = true;
    this.options.memory.onPressure = () => undefined;
    this.timer?.cancel();
    this.timer = null;
  }

  /** Runs a round soon rather than at the next interval (unless one is in flight). */
  private wake(): void {
    if (this.running || this.stopped) return;
    this.timer?.cancel();
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = this.options.clock.setTimer(delayMs, () => {
      this.timer = null;
      this.running = true;
      const next = (again: boolean): void => {
        this.running = false;
        this.schedule(again ? 0 : EVICTION_INTERVAL_MS);
      };
      this.round().then(next, () => next(false));
    });
  }

  /** One round; resolves true when it evicted and memory may still be over. */
  private async round(): Promise<boolean> {
    const memory = this.options.memory;
    const policy = memory.settings.maxMemoryPolicy;
    if (this.stopped || policy === 'noeviction' || memory.overBytes() === 0 || !this.options.shouldRun()) {
      memory.evictionStuck = false;
      return false;
    }
    // Over by the sampled figure, which counts garbage too: the evictor goes by live data.
    memory.collectIfDue();
    let victims = this.choose(policy);
    // Nothing to evict: before refusing writes, make sure (once per spell) the figure is not stale.
    if (victims.length === 0 && !memory.evictionStuck && memory.evictionOverBytes() > 0 && memory.collectIfDue(true)) victims = this.choose(policy);
    memory.evictionStuck = victims.length === 0 && memory.evictionOverBytes() > 0;
    if (victims.length === 0) return false;
    const replies = await this.options.write({
      commands: victims.map((victim) => [EVICT_COMMAND, keyBytes(victim.key)]),
      watches: [],
      dbs: victims.map((victim) => victim.db),
    });
    let keys = 0;
    let bytes = 0;
    replies.forEach((reply, i) => {
      if (reply.type !== 'integer' || reply.value !== 1) return;
      keys++;
      bytes += victims[i]?.bytes ?? 0;
    });
    memory.noteEvicted(keys, bytes);
    return true;
  }

  /** The keys to evict now (none when memory is under the limit or the policy leaves nothing). */
  private choose(policy: Exclude<MaxMemoryPolicy, 'noeviction'>): Victim[] {
    const overBytes = this.options.memory.evictionOverBytes();
    if (overBytes === 0) return [];
    const state = this.options.state();
    return chooseVictims({
      dbs: state.usedDatabases().map((index) => [index, state.database(index)] as const),
      policy,
      overBytes,
      keysMax: EVICTED_KEYS_PER_ROUND,
      access: this.options.memory.access,
      random: this.options.random ?? Math.random,
    });
  }
}
