// How many Raft ticks the clock owes the core: one per tickMs of monotonic time since the ticks run
// so far, however late a timer fired or however long the process was paused, but at most
// ticksOwedMax at once — past that every timeout has run out and the rest would change nothing.

import { assert } from '../lib/assert.js';

export class TickDebt {
  /** The clock time (monotonicMs) the ticks run so far account for. */
  private tickedUntilMs: number;

  constructor(
    private readonly tickMs: number,
    /** Most ticks paid at once after a pause: enough for every lease and election timeout to run out. */
    private readonly ticksOwedMax: number,
    nowMs: number,
  ) {
    assert(tickMs > 0, 'tickMs must be positive');
    assert(ticksOwedMax > 0, 'ticksOwedMax must be positive');
    this.tickedUntilMs = nowMs;
  }

  /** The ticks to run now, counted as run: the caller runs exactly this many. */
  collect(nowMs: number): number {
    const dueTicks = Math.floor((nowMs - this.tickedUntilMs) / this.tickMs);
    if (dueTicks <= 0) return 0;
    const ticks = Math.min(dueTicks, this.ticksOwedMax);
    // Past the bound the rest changes nothing (every timeout has run out): start counting afresh.
    this.tickedUntilMs = ticks === dueTicks ? this.tickedUntilMs + ticks * this.tickMs : nowMs;
    return ticks;
  }
}
