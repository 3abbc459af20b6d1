// maxmemory's evictor: while this node leads, used memory (memory-guard.ts: the keyspace's size
// estimate) is over the limit and the policy evicts, it chooses keys by the policy
// (eviction-choice.ts) until their figures cover the excess, and proposes their deletion as one
// entry of CAIRN.EVICT commands (an internal command: no client may send it, and a leader refuses it
// in a relayed entry), so every replica deletes the same keys at the same log index. The figures
// are the estimate's own, so one round brings the estimate under the limit, never further than
// one key below what is needed. Bounded: at most EVICTED_KEYS_PER_ROUND keys per round, one round
// in flight; a round that evicted runs again at once while memory is still over, otherwise every
// EVICTION_INTERVAL_MS or when a write finds memory over (MemoryGuard.onPressure).

import { Buffer } from 'node:buffer';
import type { Clock, TimerHandle } from '../io/clock.js';
import { keyBytes } from '../kv/bytes.js';
import type { KvState } from '../kv/state.js';
import type { Reply } from '../lib/reply.js';
import type { WriteEntry } from './backend.js';
import { chooseVictims } from './eviction-choice.js';
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

  /** One round; resolves true when it evicted (memory may still be over). */
  private async round(): Promise<boolean> {
    const memory = this.options.memory;
    const policy = memory.settings.maxMemoryPolicy;
    if (this.stopped || policy === 'noeviction' || !this.options.shouldRun()) return false;
    const overBytes = memory.overBytes();
    if (overBytes === 0) return false;
    const state = this.options.state();
    const victims = chooseVictims({
      dbs: state.usedDatabases().map((index) => [index, state.database(index)] as const),
      policy,
      overBytes,
      keysMax: EVICTED_KEYS_PER_ROUND,
      access: memory.access,
      random: this.options.random ?? Math.random,
    });
    if (victims.length === 0) return false;
    for (const victim of victims) memory.access.forget(victim.db, victim.key);
    const replies = await this.options.write({
      commands: victims.map((victim) => [EVICT_COMMAND, keyBytes(victim.key)]),
      watches: [],
      dbs: victims.map((victim) => victim.db),
    });
    memory.noteEvicted(replies.filter((reply) => reply.type === 'integer' && reply.value === 1).length);
    return true;
  }
}
