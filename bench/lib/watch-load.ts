// The load side of bench:watch: closed-loop writers (each one write in flight, to the leader) whose
// values start with a write number, the time each write was acknowledged indexed by that number,
// and the delivery accounting every watcher feeds: events delivered within the measured window and
// the latency from a write's acknowledgement to its event at a watcher (0 when the event arrived
// first), sampled on every `sampleEvery`-th write so a million deliveries cost a bounded buffer.
import { performance } from 'node:perf_hooks';
import { assert } from '../../src/lib/assert.js';
import type { KvConnection } from './kv-connection.js';
import { Latencies } from './stats.js';

/** Writes one phase may number (the ack-time table is preallocated). */
const maxWrites = 4_000_000;
const maxLatencySamples = 2_000_000;
const maxErrors = 1_000;

export class Deliveries {
  /** Ack time (performance.now ms) per write number; 0 until acknowledged. */
  readonly ackMs = new Float64Array(maxWrites);
  readonly latencies = new Latencies(maxLatencySamples);
  /** Deliveries counted inside the window. */
  counted = 0;
  /** Deliveries seen at all (warm-up included). */
  seen = 0;
  private windowStartMs = Number.POSITIVE_INFINITY;
  private windowEndMs = Number.POSITIVE_INFINITY;

  constructor(readonly sampleEvery: number) {
    assert(Number.isInteger(sampleEvery) && sampleEvery >= 1, 'sampleEvery is a positive integer');
  }

  openWindow(): void {
    this.windowStartMs = performance.now();
  }

  closeWindow(): void {
    this.windowEndMs = performance.now();
  }

  inWindow(nowMs: number): boolean {
    return nowMs >= this.windowStartMs && nowMs <= this.windowEndMs;
  }

  /** A watcher received the event of write `write`. */
  delivered(write: number): void {
    this.seen++;
    const nowMs = performance.now();
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

export interface WriteLoad {
  /** Acknowledged writes while the window was open. */
  readonly windowWrites: () => number;
  /** Stops the writers and resolves once every one has returned. */
  stop(): Promise<{ errors: number; firstError: string }>;
}

/** Starts `connections.length` closed-loop writers over `keyCount` keys with `valueBytes`-byte values. */
export function startWriters(connections: readonly KvConnection[], deliveries: Deliveries, keyCount: number, valueBytes: number): WriteLoad {
  let stopped = false;
  let next = 1;
  let windowWrites = 0;
  const errors = { count: 0, first: '' };
  const padding = '.'.repeat(valueBytes);
  const loops = connections.map(async (connection) => {
    while (!stopped && next < maxWrites) {
      const write = next++;
      const value = Buffer.from(`${write}${padding}`.slice(0, Math.max(valueBytes, String(write).length)));
      try {
        await connection.write(`w:${String(write % keyCount).padStart(6, '0')}`, value);
        const nowMs = performance.now();
        deliveries.ackMs[write] = nowMs;
        if (deliveries.inWindow(nowMs)) windowWrites++;
      } catch (error) {
        if (errors.count++ === 0) errors.first = error instanceof Error ? error.message : String(error);
        if (errors.count > maxErrors || !connection.usable()) return;
      }
    }
  });
  return {
    windowWrites: () => windowWrites,
    async stop() {
      stopped = true;
      await Promise.all(loops);
      return { errors: errors.count, firstError: errors.first };
    },
  };
}
