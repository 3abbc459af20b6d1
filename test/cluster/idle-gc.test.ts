// The forced collection after a compaction (runtime/cluster/idle-gc.ts) waits for a quiet period:
// none while clients keep sending commands (a full collection of a big heap would stall them), one
// once they pause, none at all when entries were applied meanwhile.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdleCollector } from '../../src/runtime/cluster/idle-gc.js';

const QUIET_MS = 40;
const DEADLINE_MS = 5000;

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + DEADLINE_MS;
  while (!condition()) {
    assert.ok(performance.now() < deadline, `${what} within ${DEADLINE_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('a quiet node collects once, a quiet period after the compaction', async () => {
  let collections = 0;
  const idle = new IdleCollector(() => collections++, QUIET_MS);
  idle.watchClients(() => 0);
  const startMs = performance.now();
  idle.compacted();
  await waitFor(() => collections === 1, 'the collection');
  assert.ok(performance.now() - startMs >= QUIET_MS - 1, 'not before the quiet period');
});

test('no collection while clients send commands; one once they pause', async () => {
  let collections = 0;
  let commands = 0;
  const idle = new IdleCollector(() => collections++, QUIET_MS);
  idle.watchClients(() => commands);
  idle.compacted();
  // Commands keep coming for ten quiet periods: every check finds some.
  const busyUntilMs = performance.now() + 10 * QUIET_MS;
  while (performance.now() < busyUntilMs) {
    commands++;
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS / 8));
  }
  assert.equal(collections, 0, 'no collection while commands flow');
  await waitFor(() => collections === 1, 'the collection once the clients paused');
});

test('entries applied after the compaction: no forced collection (writes bring V8 its own)', async () => {
  let collections = 0;
  const idle = new IdleCollector(() => collections++, QUIET_MS);
  idle.compacted();
  idle.applied();
  // The timer is due after QUIET_MS; a second collector without writes shows when it would have run.
  let control = 0;
  const quiet = new IdleCollector(() => control++, QUIET_MS);
  quiet.compacted();
  await waitFor(() => control === 1, 'the control collection');
  await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
  assert.equal(collections, 0);
});
