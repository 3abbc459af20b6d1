// The delivery accounting of bench:watch: the time each write was acknowledged, indexed by the
// write number its value starts with, in memory shared with the writers' thread
// (watch-writer-thread.ts); and what every watcher feeds: events delivered within the measured
// window and the latency from a write's acknowledgement to its event at a watcher (0 when the
// event arrived first), sampled on every `sampleEvery`-th write so a million deliveries cost a
// bounded buffer. Times are epoch ms (timeOrigin + now), the same clock in both threads.
import { performance } from 'node:perf_hooks';
import { assert } from '../../src/lib/assert.js';
import { Latencies } from './stats.js';

/** Writes one phase may number (the ack-time table is preallocated). */
export const maxWrites = 4_000_000;
export const maxLatencySamples = 2_000_000;

/** Epoch milliseconds with sub-millisecond resolution, comparable across threads. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

export class Deliveries {
  readonly ackMs: Float64Array;
  /** The measured window's start and end (epoch ms; +Infinity until set), shared with the reader threads. */
  private readonly window: Float64Array;
  readonly latencies: Latencies;
  /** Deliveries counted inside the window. */
  counted = 0;
  /** Deliveries seen at all (warm-up included). */
  seen = 0;

  constructor(
    readonly sampleEvery: number,
    /** Shared with the writers' thread: ack time (epoch ms) per write number; 0 until acknowledged. */
    readonly ackBuffer = new SharedArrayBuffer(maxWrites * Float64Array.BYTES_PER_ELEMENT),
    readonly windowBuffer = new SharedArrayBuffer(2 * Float64Array.BYTES_PER_ELEMENT),
    maxSamples = maxLatencySamples,
  ) {
    assert(Number.isInteger(sampleEvery) && sampleEvery >= 1, 'sampleEvery is a positive integer');
    this.ackMs = new Float64Array(ackBuffer);
    this.window = new Float64Array(windowBuffer);
    if (this.window[0] === 0) this.window.fill(Number.POSITIVE_INFINITY);
    this.latencies = new Latencies(maxSamples);
  }

  private get windowStartMs(): number {
    return this.window[0]!;
  }

  private get windowEndMs(): number {
    return this.window[1]!;
  }

  openWindow(): void {
    this.window[0] = epochMs();
  }

  closeWindow(): void {
    this.window[1] = epochMs();
  }

  /** Writes acknowledged inside the window. */
  windowWrites(): number {
    let count = 0;
    for (const ackMs of this.ackMs) if (ackMs !== 0 && this.inWindow(ackMs)) count++;
    return count;
  }

  inWindow(nowMs: number): boolean {
    return nowMs >= this.windowStartMs && nowMs <= this.windowEndMs;
  }

  /** Adds what a reader thread counted (its counts and latency samples). */
  merge(counted: number, seen: number, samplesMs: Float64Array): void {
    this.counted += counted;
    this.seen += seen;
    for (const sampleMs of samplesMs) this.latencies.add(sampleMs);
  }

  /** A watcher received the event of write `write`. */
  delivered(write: number): void {
    this.seen++;
    const nowMs = epochMs();
    if (!this.inWindow(nowMs)) return;
    this.counted++;
    if (write % this.sampleEvery !== 0 || write < 0 || write >= maxWrites) return;
    const ackMs = this.ackMs[write]!;
    this.latencies.add(ackMs === 0 ? 0 : Math.max(0, nowMs - ackMs));
  }
}

/** The write number at the start of a value (its digits up to the first non-digit); -1 if none. */
export function writeNumber(value: Uint8Array): number {
  let n = 0;
  let digits = 0;
  for (; digits < value.length && value[digits]! >= 0x30 && value[digits]! <= 0x39; digits++) n = n * 10 + value[digits]! - 0x30;
  return digits === 0 ? -1 : n;
}

