// Latency samples for one bench phase: a preallocated, bounded buffer of milliseconds (a phase
// stops taking samples when it is full) and nearest-rank percentiles over it.
import { assert } from '../../src/lib/assert.js';

export class Latencies {
  private readonly samplesMs: Float64Array;
  private count = 0;

  constructor(readonly maxSamples: number) {
    assert(Number.isInteger(maxSamples), 'maxSamples must be an integer');
    assert(maxSamples > 0, 'maxSamples must be positive');
    this.samplesMs = new Float64Array(maxSamples);
  }

  get size(): number {
    return this.count;
  }

  get full(): boolean {
    return this.count >= this.maxSamples;
  }

  add(latencyMs: number): void {
    assert(latencyMs >= 0, 'a latency is never negative');
    if (this.count < this.maxSamples) this.samplesMs[this.count++] = latencyMs;
  }

  /** A copy of the samples taken. */
  samples(): Float64Array {
    return this.samplesMs.slice(0, this.count);
  }

  /** Nearest-rank percentile (p in 0..100) in ms; NaN when there are no samples. */
  percentile(p: number): number {
    assert(p >= 0 && p <= 100, 'percentile out of range');
    if (this.count === 0) return Number.NaN;
    const sorted = this.samplesMs.slice(0, this.count).sort();
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    return sorted[rank - 1]!;
  }
}

/** The median of a few measurements (failover times); NaN when there are none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
