// Active expiry: a timer that finds keys whose time has run out and proposes their deletion as an
// ordinary write (CAIRN.EXPIRED key ...), so expiry goes through the log like every other change
// and every replica deletes a key at the same log index. Bounded: at most EXPIRED_KEYS_PER_ROUND
// keys per round, one round in flight at a time. The single-node store runs it always; a Raft
// node runs it only while it leads (`shouldRun`), by the leader's clock.

import type { Clock, TimerHandle } from '../io/clock.js';
import type { Reply } from '../lib/reply.js';
import type { KvState } from '../kv/state.js';
import { EXPIRED_COMMAND, type WriteRequest } from './kv-machine.js';

export const EXPIRY_INTERVAL_MS = 100;
export const EXPIRED_KEYS_PER_ROUND = 64;

export interface ActiveExpiryOptions {
  readonly clock: Clock;
  /** The state as it is now (a snapshot install may replace the object). */
  readonly state: () => KvState;
  readonly write: (request: WriteRequest) => Promise<Reply[]>;
  /** Rounds run only while this holds (a replica: while it leads). Default: always. */
  readonly shouldRun?: () => boolean;
  /**
   * What a failed write means: 'stop' (the store failed or closed and reports that itself) or
   * 'retry' (leadership was lost or a proposal timed out: the keys stay expired, try next round).
   */
  readonly onWriteFailure: 'stop' | 'retry';
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
      this.round().then(
        () => this.schedule(),
        () => (this.options.onWriteFailure === 'retry' ? this.schedule() : this.stop()),
      );
    });
  }

  private async round(): Promise<void> {
    if (this.stopped) return;
    if (this.options.shouldRun !== undefined && !this.options.shouldRun()) return;
    const keys = this.options.state().collectExpired(Math.floor(this.options.clock.nowMs()), EXPIRED_KEYS_PER_ROUND);
    if (keys.length === 0) return;
    await this.options.write({ commands: keys.map((key) => [EXPIRED_COMMAND, key]) });
  }
}
