// Runs a range of simulator seeds with the production wiring (optionally with membership changes)
// and fails with the first failing seed's trace and the one command that reproduces it.

import assert from 'node:assert/strict';
import { DEFAULT_MEMBERSHIP } from '../../src/sim/membership.js';
import { DEFAULT_RUN, runSeed } from '../../src/sim/run.js';
import { PRODUCTION_SETUP } from '../../src/sim/setup.js';

export async function runSeedRange(from: number, count: number, options: { membership?: boolean } = {}): Promise<void> {
  const membership = options.membership === true;
  for (let seed = from; seed < from + count; seed++) {
    const result = await runSeed(PRODUCTION_SETUP, membership ? { ...DEFAULT_RUN, seed, membership: DEFAULT_MEMBERSHIP } : { ...DEFAULT_RUN, seed });
    if (!result.ok) {
      const flag = membership ? ' --membership' : '';
      assert.fail(`SEED=${seed}: ${result.violation}\n${result.trace.join('\n')}\nreproduce: npm run sim -- --seed ${seed}${flag}`);
    }
  }
}
