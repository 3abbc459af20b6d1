// A quiet node collects twice after a compaction (the second collection is the one V8 shrinks its
// new space in); an entry applied meanwhile calls the collections off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { IdleCollector } from '../../src/runtime/cluster/idle-gc.js';

const timings = { quietMs: 5, shrinkAfterMs: 10 };

async function untilCount(read: () => number, count: number): Promise<void> {
  const deadlineMs = Date.now() + 5000;
  while (read() < count) {
    assert.ok(Date.now() < deadlineMs, `still ${read()} collections, expected ${count}`);
    await sleep(5);
  }
}

test('a quiet node collects twice after a compaction', async () => {
  let collections = 0;
  const idle = new IdleCollector(() => collections++, timings);
  idle.compacted();
  await untilCount(() => collections, 2);
});

test('an entry applied before the second collection calls it off', async () => {
  let collections = 0;
  let idle: IdleCollector | null = null;
  idle = new IdleCollector(() => {
    collections++;
    idle?.applied();
  }, timings);
  idle.compacted();
  await untilCount(() => collections, 1);
  // The second collection would be due after shrinkAfterMs: wait for a later compaction's first one instead.
  idle.compacted();
  await untilCount(() => collections, 2);
  await sleep(timings.shrinkAfterMs * 3);
  assert.equal(collections, 2);
});
