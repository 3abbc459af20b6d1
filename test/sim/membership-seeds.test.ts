// Seeds 1..300 of the simulator with membership changes (spares join as learners and are promoted,
// voters and the leader are removed, removed nodes come back wiped) under the usual faults.
import { test } from 'node:test';
import { runSeedRange } from './seed-range.js';

test('simulator with membership changes: seeds 1..300 keep every invariant', async () => {
  await runSeedRange(1, 300, { membership: true });
});
