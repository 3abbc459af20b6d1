// Seeds 501..750 of the simulator (1,000 seeds across four files so the runner uses both cores).
import { test } from 'node:test';
import { runSeedRange } from './seed-range.js';

test('simulator: seeds 501..750 keep every invariant', async () => {
  await runSeedRange(501, 250);
});
