// Seeds 101..200 of the simulator with membership changes made through the controller users run
// (replica/membership-controller.ts: spares join as learners and are
// promoted, voters and the leader are removed, removed machines come back under new ids) under
// the usual faults. Two files of 100 so the runner uses both cores.
import { test } from 'node:test';
import { runSeedRange } from './seed-range.js';

test('simulator with membership changes: seeds 101..200 keep every invariant', async () => {
  await runSeedRange(101, 100, { membership: true });
});
