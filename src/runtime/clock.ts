// SystemClock: the io/Clock contract on the real wall clock, the monotonic clock and node timers;
// eventLoopTurn, the yield between a snapshot's steps.

import { performance } from 'node:perf_hooks';
import type { Clock, TimerHandle } from '../io/clock.js';

export class SystemClock implements Clock {
  nowMs(): number {
    return Date.now();
  }

  monotonicMs(): number {
    return performance.now();
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const timer = setTimeout(callback, delayMs);
    // A pending timer (an fsync tick, an expiry sweep) must not keep the process alive on its own.
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  }
}

/** One turn of the event loop (setImmediate): what a replica yields between a snapshot's steps, so I/O runs between them. */
export function eventLoopTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
