// Bounded rings of recent simulation events. Text is built lazily, so tracing every message costs
// a closure, not a string. Milestones (faults, crashes, restarts, role changes) are also kept in a
// second, longer-lived ring, so a failure's trace shows how the cluster got there even when the
// last few hundred detailed events are all messages. Printed only when a seed fails.

import { assert } from '../lib/assert.js';

interface TraceEntry {
  readonly seq: number;
  readonly atMs: number;
  readonly text: string | (() => string);
}

class Ring {
  private readonly entries: (TraceEntry | undefined)[];
  private next = 0;
  total = 0;

  constructor(readonly capacity: number) {
    assert(Number.isInteger(capacity), 'trace capacity must be an integer');
    assert(capacity > 0, 'trace capacity must be positive');
    this.entries = new Array<TraceEntry | undefined>(capacity);
  }

  add(entry: TraceEntry): void {
    this.entries[this.next] = entry;
    this.next = (this.next + 1) % this.capacity;
    this.total++;
  }

  /** The retained entries, oldest first. */
  retained(): TraceEntry[] {
    const kept = Math.min(this.total, this.capacity);
    const start = (this.next - kept + this.capacity) % this.capacity;
    return Array.from({ length: kept }, (_, i) => this.entries[(start + i) % this.capacity] as TraceEntry);
  }
}

export class Trace {
  private readonly detail: Ring;
  private readonly milestones: Ring;
  private seq = 0;

  constructor(readonly capacity: number, milestoneCapacity = 200) {
    this.detail = new Ring(capacity);
    this.milestones = new Ring(milestoneCapacity);
  }

  /** Records an event; a milestone is also kept in the longer-lived ring. */
  add(atMs: number, text: string | (() => string), milestone = false): void {
    const entry = { seq: this.seq++, atMs, text };
    this.detail.add(entry);
    if (milestone) this.milestones.add(entry);
  }

  /** Earlier milestones, then every retained recent event, oldest first, one line each. */
  lines(): string[] {
    const recent = this.detail.retained();
    const firstRecent = recent[0]?.seq ?? this.seq;
    const earlier = this.milestones.retained().filter((entry) => entry.seq < firstRecent);
    const out: string[] = [];
    if (earlier.length > 0) out.push(`(milestones before the recent events; ${this.milestones.total - this.milestones.retained().length} older ones not kept)`);
    for (const entry of earlier) out.push(format(entry));
    if (this.detail.total > recent.length) out.push(`(recent events; ${this.detail.total - recent.length} earlier events not kept)`);
    for (const entry of recent) out.push(format(entry));
    return out;
  }
}

function format(entry: TraceEntry): string {
  const text = typeof entry.text === 'string' ? entry.text : entry.text();
  return `${String(entry.atMs).padStart(8)}ms  ${text}`;
}
