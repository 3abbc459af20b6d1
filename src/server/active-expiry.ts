// Active expiry: a timer that finds keys whose time has run out and proposes their deletion as an
// ordinary write (CAIRN.EXPIRED key ...), so expiry goes through the log like every other change
// and every replica deletes a key at the same log index. Bounded: at most EXPIRED_KEYS_PER_ROUND
// keys per round, one round in flight at a time. It runs only while this node leads
// (`shouldRun`), by the leader's clock; a failed round (leadership lost, a timeout) is retried,
// since the keys stay expired until the deletion lands.

import { Buffer } from 'node:buffer';
import type { Clock, TimerHandle } from '../io/clock.js';
import type { Reply } from '../lib/reply.js';
import type { KvState } from '../kv/state.js';
import type { WriteEntry } from './backend.js';

export const EXPIRY_INTERVAL_MS = 100;
export const EXPIRED_KEYS_PER_ROUND = 64;
/** Internal command proposed by active expiry (kv flags it `internal`: no client may send it). */
export const EXPIRED_COMMAND = Buffer.from('CAIRN.EXPIRED');

export interface ActiveExpiryOptions {
  readonly clock: Clock;
  /** The state as it is now (a snapshot install may replace the object). */
  readonly state: () => KvState;
  readonly write: (entry: WriteEntry) => Promise<Reply[]>;
  /** Rounds run only while this holds (while this node leads). */
  readonly shouldRun: () => boolean;
}

export class ActiveExpiry {
  private timer: TimerHandle | null = null;
  private stopped = false;

  constructor(private readonly options: ActiveExpiryOptions) {}

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.options.clock.setTimer(EXPIRY_INTERVAL_MS, () => {
      this.timer = null;
      const again = (): void => this.schedule();
      this.round().then(again, again);
    });
  }

  private async round(): Promise<void> {
    if (this.stopped || !this.options.shouldRun()) return;
    const state = this.options.state();
    const nowMs = Math.floor(this.options.clock.nowMs());
    const commands: Uint8Array[][] = [];
    const dbs: number[] = [];
    for (const db of state.usedDatabases()) {
      for (const key of state.collectExpired(nowMs, EXPIRED_KEYS_PER_ROUND - commands.length, db)) {
        commands.push([EXPIRED_COMMAND, key]);
        dbs.push(db);
      }
      if (commands.length >= EXPIRED_KEYS_PER_ROUND) break;
    }
    if (commands.length === 0) return;
    await this.options.write({ commands, watches: [], dbs });
  }
}
