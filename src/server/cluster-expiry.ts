// Active expiry on a replicated node: while this node leads, a timer finds keys whose time ran out
// (by the leader's clock) and proposes CAIRN.EXPIRED for them as an ordinary write, so every
// replica deletes them at the same log index. Followers never propose; one round at a time.

import type { Clock, TimerHandle } from '../io/clock.js';
import type { Reply } from '../lib/reply.js';
import type { KvState } from '../kv/state.js';
import { EXPIRED_COMMAND } from '../store/kv-machine.js';
import type { WriteEntry } from './backend.js';

export const CLUSTER_EXPIRY_INTERVAL_MS = 100;
export const CLUSTER_EXPIRED_KEYS_PER_ROUND = 64;

export class ClusterExpiry {
  private timer: TimerHandle | null = null;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    /** The state as it is now (a snapshot install replaces the object). */
    private readonly state: () => KvState,
    private readonly isLeader: () => boolean,
    private readonly write: (entry: WriteEntry) => Promise<Reply[]>,
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
    this.timer = this.clock.setTimer(CLUSTER_EXPIRY_INTERVAL_MS, () => {
      this.timer = null;
      // A failed round (leadership lost, shutdown) is retried next time: the keys stay expired.
      this.round().catch(() => undefined).finally(() => this.schedule());
    });
  }

  private async round(): Promise<void> {
    if (this.stopped || !this.isLeader()) return;
    const keys = this.state().collectExpired(Math.floor(this.clock.nowMs()), CLUSTER_EXPIRED_KEYS_PER_ROUND);
    if (keys.length === 0) return;
    await this.write({ commands: keys.map((key) => [EXPIRED_COMMAND, key]), watches: [] });
  }
}
