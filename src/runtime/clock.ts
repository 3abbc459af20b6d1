// SystemClock: the io/Clock contract on the real wall clock, the monotonic clock and node timers;
// eventLoopTurn, the yield between a snapshot's steps, and the pace of a snapshot file's write.

import { performance } from 'node:perf_hooks';
import type { Clock, TimerHandle } from '../io/clock.js';
import { SNAPSHOT_CHUNK_BYTES, type SnapshotPace } from '../storage/snapshot.js';

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

/** A snapshot file is checksummed a mebibyte per event-loop turn: clients are served between chunks. */
export const EVENT_LOOP_SNAPSHOT_PACE: SnapshotPace = { chunkBytes: SNAPSHOT_CHUNK_BYTES, yieldTurn: eventLoopTurn };
