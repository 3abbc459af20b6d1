// A quiet node collects twice after a compaction (the second collection is the one V8 shrinks its
// new space in); entries applied meanwhile put the collections off until the node is quiet again,
// never cancel them (a compaction in the middle of a load is collected once the load stops), and so
// do clients sending commands (a full collection of a big heap would stall them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { IdleCollector } from '../../src/runtime/cluster/idle-gc.js';

const timings = { quietMs: 5, shrinkAfterMs: 10 };

async function untilCount(read: () => number, count: number): Promise<void> {
  const deadlineMs = Date.now() + 5000;
  while (read() < count) {
    assert.ok(Date.now() < deadlineMs, `still ${read()} collections, expected ${count}`);
    await sleep(2);
  }
}

test('a quiet node collects twice after a compaction, then stops', async () => {
  let collections = 0;
  const idle = new IdleCollector(() => collections++, timings);
  idle.compacted();
  await untilCount(() => collections, 2);
  await sleep((timings.quietMs + timings.shrinkAfterMs) * 3);
  assert.equal(collections, 2);
});

test('entries applied after a compaction put the collections off until the node is quiet', async () => {
  let collections = 0;
  // A long quiet time, so that a loaded machine's late 1 ms sleeps never look quiet.
  const idle = new IdleCollector(() => collections++, { quietMs: 100, shrinkAfterMs: 10 });
  idle.compacted();
  const loadUntilMs = Date.now() + 500;
  while (Date.now() < loadUntilMs) {
    idle.applied();
    await sleep(1);
  }
  assert.equal(collections, 0, 'no collection while entries are applied');
  await untilCount(() => collections, 2);
});

test('no collection while clients send commands; the collections come once they pause', async () => {
  let collections = 0;
  let commands = 0;
  const idle = new IdleCollector(() => collections++, { quietMs: 40, shrinkAfterMs: 10 });
  idle.watchClients(() => commands);
  idle.compacted();
  // Commands keep coming for ten quiet periods: every look finds some.
  const busyUntilMs = Date.now() + 400;
  while (Date.now() < busyUntilMs) {
    commands++;
    await sleep(5);
  }
  assert.equal(collections, 0, 'no collection while commands flow');
  await untilCount(() => collections, 2);
});
