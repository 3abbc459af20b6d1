// SimClock: io/Clock over the scheduler's simulated milliseconds. Each simulated process gets its
// own SimClock; kill() models the process dying, so its timers never fire again, and pause()
// freezes it for a while, so its timers fire late.

import { assert } from '../lib/assert.js';
import type { Clock, TimerHandle } from '../io/clock.js';
import type { Scheduler, SimEvent } from './scheduler.js';

/** Wall-clock origin of every simulation: 2026-01-01T00:00:00Z, fixed so runs replay exactly. */
export const SIM_EPOCH_MS = 1_767_225_600_000;

export class SimClock implements Clock {
  private alive = true;
  private pausedUntilMs = 0;
  private readonly timers = new Set<SimEvent>();

  constructor(
    private readonly scheduler: Scheduler,
    private readonly label: string,
    private readonly maxTimers = 10_000,
  ) {
    assert(maxTimers > 0, 'maxTimers must be positive');
  }

  nowMs(): number {
    return SIM_EPOCH_MS + this.scheduler.nowMs();
  }

  monotonicMs(): number {
    return this.scheduler.nowMs();
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    assert(delayMs >= 0, 'setTimer: delay must not be negative');
    assert(this.timers.size < this.maxTimers, `${this.label}: too many live timers`);
    if (!this.alive) return { cancel: () => undefined };
    let event: SimEvent;
    const fire = (): void => {
      this.timers.delete(event);
      if (!this.alive) return;
      const frozenMs = this.pausedUntilMs - this.scheduler.nowMs();
      if (frozenMs > 0) {
        // The process is frozen: the timer fires when it thaws, in the order it was due.
        event = this.scheduler.schedule(frozenMs, `${this.label} timer`, fire);
        this.timers.add(event);
        return;
      }
      callback();
    };
    event = this.scheduler.schedule(delayMs, `${this.label} timer`, fire);
    this.timers.add(event);
    return {
      cancel: () => {
        event.cancelled = true;
        this.timers.delete(event);
      },
    };
  }

  /** Freezes the process's timers for `durationMs` (a GC pause, a stalled VM). */
  pause(durationMs: number): void {
    assert(durationMs >= 0, 'pause: duration must not be negative');
    this.pausedUntilMs = Math.max(this.pausedUntilMs, this.scheduler.nowMs() + durationMs);
  }

  /** The process died: cancel every timer and ignore any set later. */
  kill(): void {
    this.alive = false;
    for (const event of this.timers) event.cancelled = true;
    this.timers.clear();
  }

  liveTimers(): number {
    return this.timers.size;
  }
}
