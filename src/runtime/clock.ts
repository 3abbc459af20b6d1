// SystemClock: the io/Clock contract on the real wall clock, the monotonic clock and node timers;
// eventLoopTurn, the yield between a snapshot's steps, and the pace of a snapshot file's write;
// gatherTurns, the Ready loop's wait for the writes of the clients it has just answered.

import { performance } from 'node:perf_hooks';
import type { Clock, TimerHandle } from '../io/clock.js';
import { collectYoungIfFull } from './young-collector.js';
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

/**
 * One turn of the event loop (setImmediate): what a replica yields between a snapshot's steps, so
 * I/O runs between them. A young generation filled by the steps is collected first (young-collector.ts).
 */
export function eventLoopTurn(): Promise<void> {
  collectYoungIfFull();
  return new Promise((resolve) => setImmediate(resolve));
}

/** A snapshot file is checksummed a mebibyte per event-loop turn: clients are served between chunks. */
export const EVENT_LOOP_SNAPSHOT_PACE: SnapshotPace = { chunkBytes: SNAPSHOT_CHUNK_BYTES, yieldTurn: eventLoopTurn };

/**
 * Three turns of the event loop: what a sole voter's Ready loop awaits before it proposes the writes
 * it held during an fsync (ReplicaIo.gatherTurn). Its replies went out in the turn that ended the
 * fsync; in the next turn the clients' next writes are read (a WriteCoalescer gathers them for the
 * turn's check phase, after this loop's own setImmediate); the third runs after that flush.
 */
export async function gatherTurns(): Promise<void> {
  for (let turn = 0; turn < 3; turn++) await eventLoopTurn();
}
