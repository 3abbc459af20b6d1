// SystemClock: the io/Clock contract on the real wall clock, the monotonic clock and node timers.

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
