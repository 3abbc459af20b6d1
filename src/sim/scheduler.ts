// The discrete-event scheduler at the heart of the simulator: a priority queue of callbacks keyed
// by simulated time, ties broken by insertion sequence, so one seed replays one exact run. After
// each event it lets every pending promise continuation settle before the next event fires, so
// async code (the replica, storage) sees the same interleaving on every run.

import { assert } from '../lib/assert.js';

export interface SimEvent {
  readonly atMs: number;
  readonly seq: number;
  readonly label: string;
  readonly run: () => void;
  cancelled: boolean;
}

export class Scheduler {
  private heap: SimEvent[] = [];
  private seq = 0;
  private nowMsValue = 0;
  private eventsRunCount = 0;

  constructor(readonly maxPendingEvents = 1_000_000) {
    assert(maxPendingEvents > 0, 'maxPendingEvents must be positive');
  }

  nowMs(): number {
    return this.nowMsValue;
  }

  eventsRun(): number {
    return this.eventsRunCount;
  }

  pending(): number {
    return this.heap.length;
  }

  /** Queues `run` to fire `delayMs` simulated milliseconds from now. */
  schedule(delayMs: number, label: string, run: () => void): SimEvent {
    assert(Number.isFinite(delayMs), 'schedule: delay must be finite');
    assert(delayMs >= 0, 'schedule: delay must not be negative');
    assert(this.heap.length < this.maxPendingEvents, 'scheduler: too many pending events');
    const event: SimEvent = { atMs: this.nowMsValue + delayMs, seq: this.seq++, label, run, cancelled: false };
    this.push(event);
    return event;
  }

  /**
   * Fires events in time order until `stop()` is true, simulated time would pass `untilMs`, or
   * `maxEvents` have fired. Resolves with the number of events fired.
   */
  async runUntil(untilMs: number, stop: () => boolean, maxEvents: number): Promise<number> {
    assert(maxEvents > 0, 'runUntil: maxEvents must be positive');
    let fired = 0;
    await settle();
    while (fired < maxEvents && !stop()) {
      const next = this.heap[0];
      if (next === undefined || next.atMs > untilMs) break;
      this.pop();
      if (next.cancelled) continue;
      assert(next.atMs >= this.nowMsValue, 'scheduler: time went backwards');
      this.nowMsValue = next.atMs;
      this.eventsRunCount++;
      fired++;
      next.run();
      await settle();
    }
    if (this.heap.length === 0 || (this.heap[0] as SimEvent).atMs > untilMs) {
      this.nowMsValue = Math.max(this.nowMsValue, untilMs === Infinity ? this.nowMsValue : untilMs);
    }
    return fired;
  }

  private push(event: SimEvent): void {
    const heap = this.heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as SimEvent, heap[parent] as SimEvent)) break;
      [heap[i], heap[parent]] = [heap[parent] as SimEvent, heap[i] as SimEvent];
      i = parent;
    }
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    assert(last !== undefined, 'pop from an empty scheduler');
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      if (l < heap.length && before(heap[l] as SimEvent, heap[smallest] as SimEvent)) smallest = l;
      if (r < heap.length && before(heap[r] as SimEvent, heap[smallest] as SimEvent)) smallest = r;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest] as SimEvent, heap[i] as SimEvent];
      i = smallest;
    }
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}

/**
 * Resolves once every promise continuation queued so far (and every one those queue in turn) has
 * run: Node runs the next-tick queue only after V8 has drained its microtask queue. No real time
 * passes and no macrotask runs, so nothing outside the simulation can interleave.
 */
export function settle(): Promise<void> {
  return new Promise((resolve) => process.nextTick(resolve));
}
