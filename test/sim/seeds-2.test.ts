// Seeds 251..500 of the simulator (1,000 seeds across four files so the runner uses both cores).
import { test } from 'node:test';
import { runSeedRange } from './seed-range.js';

test('simulator: seeds 251..500 keep every invariant', async () => {
  await runSeedRange(251, 250);
});
