// One seed, one run: replaying a seed must reproduce every event, or a failing seed could not be
// debugged. Also: different seeds really do take different paths.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MEMBERSHIP } from '../../src/sim/membership.js';
import { DEFAULT_RUN, runSeed } from '../../src/sim/run.js';
import { PRODUCTION_SETUP } from '../../src/sim/setup.js';

test('a seed replays the same run event for event', async () => {
  for (const seed of [3, 17]) {
    const options = { ...DEFAULT_RUN, seed, alwaysTrace: true, traceLines: 100_000 };
    const first = await runSeed(PRODUCTION_SETUP, options);
    const second = await runSeed(PRODUCTION_SETUP, options);
    assert.ok(first.ok, `seed ${seed}: ${first.violation}`);
    assert.deepEqual(second.stats, first.stats);
    assert.deepEqual(second.trace, first.trace);
    assert.ok(first.trace.length > 100, 'the trace covers the run');
  }
});

test('a seed with membership changes replays the same run event for event', async () => {
  const options = { ...DEFAULT_RUN, seed: 9, membership: DEFAULT_MEMBERSHIP, alwaysTrace: true, traceLines: 100_000 };
  const first = await runSeed(PRODUCTION_SETUP, options);
  const second = await runSeed(PRODUCTION_SETUP, options);
  assert.ok(first.ok, `seed 9: ${first.violation}`);
  assert.ok(first.stats.confChangesApplied > 0, 'the run changed membership');
  assert.deepEqual(second.stats, first.stats);
  assert.deepEqual(second.trace, first.trace);
});

test('different seeds explore different runs', async () => {
  const a = await runSeed(PRODUCTION_SETUP, { ...DEFAULT_RUN, seed: 1, alwaysTrace: true });
  const b = await runSeed(PRODUCTION_SETUP, { ...DEFAULT_RUN, seed: 2, alwaysTrace: true });
  assert.notDeepEqual(a.trace, b.trace);
});
