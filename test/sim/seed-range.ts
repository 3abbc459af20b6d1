// Runs a range (or list) of simulator seeds with the production wiring (optionally with membership
// changes, and with removed ids reused) and fails with the first failing seed's trace and the one command that reproduces it.

import assert from 'node:assert/strict';
import { DEFAULT_MEMBERSHIP } from '../../src/sim/membership.js';
import { DEFAULT_RUN, runSeed } from '../../src/sim/run.js';
import { PRODUCTION_SETUP } from '../../src/sim/setup.js';

export async function runSeedRange(from: number, count: number, options: { membership?: boolean; reuseIds?: boolean } = {}): Promise<void> {
  await runSeeds(Array.from({ length: count }, (_, i) => from + i), options);
}

/** The same for a list of seeds; `reuseIds` (with membership) brings removed nodes back wiped under their old ids. */
export async function runSeeds(seeds: readonly number[], options: { membership?: boolean; reuseIds?: boolean } = {}): Promise<void> {
  const membership = options.membership === true || options.reuseIds === true;
  const reuseIds = options.reuseIds === true;
  for (const seed of seeds) {
    const result = await runSeed(PRODUCTION_SETUP, membership ? { ...DEFAULT_RUN, seed, membership: { ...DEFAULT_MEMBERSHIP, reuseIds } } : { ...DEFAULT_RUN, seed });
    if (!result.ok) {
      const flag = reuseIds ? ' --membership --reuse-ids' : membership ? ' --membership' : '';
      assert.fail(`SEED=${seed}: ${result.violation}\n${result.trace.join('\n')}\nreproduce: npm run sim -- --seed ${seed}${flag}`);
    }
  }
}
