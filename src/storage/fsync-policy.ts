// The fsync policies and what each promises for a write that has been acknowledged:
//   always   — acknowledged only after fdatasync; survives process crash and power loss.
//              Concurrent writers share one fdatasync (group commit in SegmentedLog.sync()).
//   everysec — acknowledged once written to the OS; a background fdatasync runs every second.
//              Survives a process crash; power loss can lose up to about one second of writes.
//   no       — acknowledged once written to the OS; the OS flushes when it likes (Linux: ~30 s).
//              Survives a process crash; power loss can lose any unflushed writes.
// Every policy makes everything durable on a clean close.

import { assert } from '../lib/assert.js';
import type { Clock, TimerHandle } from '../io/clock.js';

export type FsyncPolicy = 'always' | 'everysec' | 'no';
export const FSYNC_POLICIES: readonly FsyncPolicy[] = ['always', 'everysec', 'no'];
export const EVERYSEC_INTERVAL_MS = 1000;

export function isFsyncPolicy(value: unknown): value is FsyncPolicy {
  return typeof value === 'string' && (FSYNC_POLICIES as readonly string[]).includes(value);
}

/** Calls `syncDurably` every EVERYSEC_INTERVAL_MS until stopped; a failure is handed to `onError` and stops it. */
export class PeriodicSync {
  private timer: TimerHandle | null = null;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly syncDurably: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    assert(this.timer === null, 'periodic sync started once');
    assert(!this.stopped, 'periodic sync not restarted after stop');
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
  }

  private schedule(): void {
    this.timer = this.clock.setTimer(EVERYSEC_INTERVAL_MS, () => {
      this.timer = null;
      if (this.stopped) return;
      this.syncDurably().then(
        () => {
          if (!this.stopped) this.schedule();
        },
        (error: unknown) => {
          this.stopped = true;
          this.onError(error);
        },
      );
    });
  }
}
