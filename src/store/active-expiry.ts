// Active expiry: a timer that finds keys whose time has run out and proposes their deletion as an
// ordinary write (CAIRN.EXPIRED key ...), so expiry goes through the log like every other change.
// Bounded: at most EXPIRED_KEYS_PER_ROUND keys per round, one round in flight at a time.

import type { Clock, TimerHandle } from '../io/clock.js';
import type { Reply } from '../lib/reply.js';
import type { KvState } from '../kv/state.js';
import { EXPIRED_COMMAND, type WriteRequest } from './kv-machine.js';

export const EXPIRY_INTERVAL_MS = 100;
export const EXPIRED_KEYS_PER_ROUND = 64;

export class ActiveExpiry {
  private timer: TimerHandle | null = null;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly state: KvState,
    private readonly write: (request: WriteRequest) => Promise<Reply[]>,
  ) {}

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
    this.timer = this.clock.setTimer(EXPIRY_INTERVAL_MS, () => {
      this.timer = null;
      this.round().then(
        () => this.schedule(),
        () => this.stop(), // the store failed or closed; it reports that itself
      );
    });
  }

  private async round(): Promise<void> {
    if (this.stopped) return;
    const keys = this.state.collectExpired(Math.floor(this.clock.nowMs()), EXPIRED_KEYS_PER_ROUND);
    if (keys.length === 0) return;
    await this.write({ commands: keys.map((key) => [EXPIRED_COMMAND, key]) });
  }
}
