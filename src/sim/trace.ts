// A bounded ring of recent simulation events. Text is built lazily, so tracing every message costs
// a closure, not a string; the ring is printed only when a seed fails.

import { assert } from '../lib/assert.js';

interface TraceEntry {
  readonly atMs: number;
  readonly text: string | (() => string);
}

export class Trace {
  private readonly ring: (TraceEntry | undefined)[];
  private next = 0;
  private total = 0;

  constructor(readonly capacity: number) {
    assert(Number.isInteger(capacity), 'trace capacity must be an integer');
    assert(capacity > 0, 'trace capacity must be positive');
    this.ring = new Array<TraceEntry | undefined>(capacity);
  }

  add(atMs: number, text: string | (() => string)): void {
    this.ring[this.next] = { atMs, text };
    this.next = (this.next + 1) % this.capacity;
    this.total++;
  }

  /** The retained entries, oldest first, one line each. */
  lines(): string[] {
    const out: string[] = [];
    const kept = Math.min(this.total, this.capacity);
    const start = (this.next - kept + this.capacity) % this.capacity;
    for (let i = 0; i < kept; i++) {
      const entry = this.ring[(start + i) % this.capacity] as TraceEntry;
      const text = typeof entry.text === 'string' ? entry.text : entry.text();
      out.push(`${String(entry.atMs).padStart(8)}ms  ${text}`);
    }
    if (this.total > kept) out.unshift(`(${this.total - kept} earlier events not kept)`);
    return out;
  }
}
