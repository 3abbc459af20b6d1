// Runs a range of simulator seeds with the production wiring and fails with the first failing
// seed's trace and the one command that reproduces it.

import assert from 'node:assert/strict';
import { DEFAULT_RUN, runSeed } from '../../src/sim/run.js';
import { PRODUCTION_SETUP } from '../../src/sim/setup.js';

export async function runSeedRange(from: number, count: number): Promise<void> {
  for (let seed = from; seed < from + count; seed++) {
    const result = await runSeed(PRODUCTION_SETUP, { ...DEFAULT_RUN, seed });
    if (!result.ok) {
      assert.fail(`SEED=${seed}: ${result.violation}\n${result.trace.join('\n')}\nreproduce: npm run sim -- --seed ${seed}`);
    }
  }
}
