// Seeds 401..600 of the simulator with a fixed membership (800 seeds across four files so the
// runner uses both cores; membership-seeds-{1,2}.test.ts run 200 more with membership changes).
import { test } from 'node:test';
import { runSeedRange } from './seed-range.js';

test('simulator: seeds 401..600 keep every invariant', async () => {
  await runSeedRange(401, 200);
});
