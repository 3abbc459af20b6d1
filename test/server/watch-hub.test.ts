// WatchHub's slow-watcher path, deterministically: a real ChangeHistory, a manual clock, and sinks
// that model a client's output buffer (bytes pushed and not yet "read", a drain event only when a
// read empties a buffer the kernel had backed up, reads that drain silently too). Seeded schedules
// of writes, reads and ticks; a watcher that is often backlogged must receive exactly the frames a
// watcher that always reads receives (PREVVALUE included), while its buffer never passes the
// threshold by more than one frame; and one left behind past retention gets `compacted`, then nothing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import type { Clock, TimerHandle } from '../../src/io/clock.js';
import { ChangeHistory, DEFAULT_RETENTION } from '../../src/kv/change-history.js';
import { Prng } from '../../src/lib/prng.js';
import type { Reply } from '../../src/lib/reply.js';
import { WatchHub, type WatchSink } from '../../src/server/watch-hub.js';

class ManualClock implements Clock {
  private nowValueMs = 0;
  private timers: Array<{ atMs: number; callback: () => void; cancelled: boolean }> = [];

  nowMs(): number {
    return this.nowValueMs;
  }

  monotonicMs(): number {
    return this.nowValueMs;
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const timer = { atMs: this.nowValueMs + delayMs, callback, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => (timer.cancelled = true) };
  }

  /** Moves time on by `ms`, firing the timers due, in order. */
  advance(ms: number): void {
    const untilMs = this.nowValueMs + ms;
    for (;;) {
      const due = this.timers.filter((t) => !t.cancelled && t.atMs <= untilMs).sort((a, b) => a.atMs - b.atMs)[0];
      if (due === undefined) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.nowValueMs = Math.max(this.nowValueMs, due.atMs);
      due.callback();
    }
    this.nowValueMs = untilMs;
  }
}

/** Flattens a frame to text for comparison and sizing. */
function text(reply: Reply): string {
  if (reply.type === 'bulk') return Buffer.from(reply.value).toString('latin1');
  if (reply.type === 'integer') return String(reply.value);
  if (reply.type === 'push' || reply.type === 'array' || reply.type === 'replies') return `[${reply.items.map(text).join(' ')}]`;
  return reply.type;
}

class ModelSink implements WatchSink {
  readonly received: string[] = [];
  /** Frames pushed, not yet read. */
  private pending: string[] = [];
  bufferedBytes = 0;
  largestBytes = 0;
  private listeners = new Set<() => void>();

  constructor(private readonly thresholdBytes: number) {}

  push(frame: Reply): void {
    const shown = text(frame);
    this.pending.push(shown);
    this.bufferedBytes += shown.length;
    this.largestBytes = Math.max(this.largestBytes, this.bufferedBytes);
  }

  backlogged(): boolean {
    return this.bufferedBytes >= this.thresholdBytes;
  }

  drained(): boolean {
    return this.bufferedBytes < this.thresholdBytes / 2;
  }

  onDrained(listener: () => void): void {
    this.listeners.add(listener);
  }

  /** The client reads `count` frames; with `event`, a drain event fires when that empties the buffer. */
  read(count: number, event: boolean): void {
    const taken = this.pending.splice(0, count);
    for (const frame of taken) this.bufferedBytes -= frame.length;
    this.received.push(...taken);
    if (!event || this.pending.length > 0) return;
    const listeners = [...this.listeners];
    this.listeners.clear();
    for (const listener of listeners) listener();
  }

  readAll(): void {
    this.read(this.pending.length, true);
  }
}

const changes = (frames: readonly string[]): string[] => frames.filter((f) => f.startsWith('[change'));

function setup(): { history: ChangeHistory; clock: ManualClock; hub: WatchHub } {
  const history = new ChangeHistory();
  const clock = new ManualClock();
  return { history, clock, hub: new WatchHub(() => history, clock) };
}

for (const seed of [1, 2, 3, 4, 5, 6]) {
  test(`seed ${seed}: a watcher often backlogged gets exactly what one always reading gets, its buffer bounded`, () => {
    const prng = new Prng(seed);
    const { history, clock, hub } = setup();
    const threshold = 400;
    const prevValue = seed % 2 === 0;
    const fast = new ModelSink(Number.POSITIVE_INFINITY);
    const slow = new ModelSink(threshold);
    hub.start(Buffer.from('k*'), fast, undefined, prevValue);
    hub.start(Buffer.from('k*'), slow, undefined, prevValue);
    let largestFrame = 0;
    for (let step = 0; step < 2_000; step++) {
      const roll = prng.next();
      if (roll < 0.5) {
        const count = prng.int(1, 4);
        const batch = Array.from({ length: count }, () => ({ db: 0, op: 'set', key: `${prng.chance(0.8) ? 'k' : 'x'}${prng.int(0, 9)}`, value: 'v'.repeat(prng.int(1, 60)) }));
        history.append(history.revision + 1, clock.nowMs(), batch);
        hub.deliver();
      } else if (roll < 0.8) {
        slow.read(prng.int(1, 8), prng.chance(0.7));
      } else {
        clock.advance(prng.int(0, 300));
      }
      fast.readAll();
      for (const frame of changes(fast.received.slice(-8))) largestFrame = Math.max(largestFrame, frame.length);
    }
    for (let round = 0; round < 1_000 && changes(slow.received).length < changes(fast.received).length; round++) {
      slow.readAll();
      clock.advance(250);
    }
    assert.ok(changes(fast.received).length > 500, 'the schedule wrote enough');
    assert.deepEqual(changes(slow.received), changes(fast.received));
    assert.ok(slow.largestBytes < threshold + largestFrame + 64, `bounded: largest ${slow.largestBytes}, threshold ${threshold}, frame ${largestFrame}`);
    assert.ok(slow.largestBytes >= threshold, 'the slow watcher was backlogged');
    assert.ok(!slow.received.some((f) => f.startsWith('[compacted')));
  });
}

test('a watcher left behind past retention gets compacted with the oldest retained revision, then nothing', () => {
  const { history, clock, hub } = setup();
  history.setRetention({ ...DEFAULT_RETENTION, maxChanges: 50 }, 0);
  const slow = new ModelSink(200);
  hub.start(Buffer.from('*'), slow, undefined, false);
  for (let n = 1; n <= 300; n++) {
    history.append(n, clock.nowMs(), [{ db: 0, op: 'set', key: `k${n}`, value: 'x'.repeat(40) }]);
    history.setRetention(history.retention, clock.nowMs());
    hub.deliver();
  }
  assert.equal(hub.count, 0, 'the watch has ended');
  slow.readAll();
  clock.advance(1_000);
  const last = slow.received[slow.received.length - 1]!;
  assert.match(last, /^\[compacted \* \d+\]$/);
  const oldest = Number(/(\d+)\]$/.exec(last)![1]);
  const got = changes(slow.received).map((f) => Number(/^\[change \* (\d+)-0/.exec(f)![1]));
  assert.deepEqual(got, got.map((_, i) => i + 1), 'a gap-free prefix from the start');
  assert.ok(oldest > got.length + 1, `the oldest retained (${oldest}) is past what it got (${got.length})`);
});

test('a FROM replay longer than the reply holds follows as a catch-up, in order, then live', () => {
  const { history, clock, hub } = setup();
  for (let n = 1; n <= 2_000; n++) history.append(n, 0, [{ db: 0, op: 'set', key: `k${n}`, value: 'y'.repeat(200) }]);
  const sink = new ModelSink(64 * 1024);
  const { reply } = hub.start(Buffer.from('k*'), sink, 1, false);
  const inReply = changes(text(reply).slice(1, -1).split(/(?=\[change)/));
  assert.ok(inReply.length > 0 && inReply.length < 2_000, `the reply holds part of the replay (${inReply.length})`);
  history.append(2_001, 0, [{ db: 0, op: 'set', key: 'k-live', value: 'z' }]);
  hub.deliver();
  for (let round = 0; round < 100; round++) {
    sink.readAll();
    clock.advance(1);
  }
  const ids = [...inReply, ...changes(sink.received)].map((f) => Number(/^\[change k\* (\d+)-0/.exec(f)![1]));
  assert.deepEqual(ids, Array.from({ length: 2_001 }, (_, i) => i + 1));
});
