// The simulator with membership changes where a removed machine comes back wiped under its old id
// (--reuse-ids): each such start is a new incarnation, which every peer that knew the old one
// refuses (the node stops, as `cairn server` exits 1), so no blank voter is ever counted. Seeds
// 1..50, plus 1507 and 1884, which break Election Safety when the refusal is taken out of the core
// (two leaders in one term, elected with a blank node's second vote), and 2475, the reproduction
// from before incarnations (the simulation's random draws have moved since, so it no longer hits it).
import { test } from 'node:test';
import { runSeeds } from './seed-range.js';

test('simulator with removed ids reused: seeds 1..50, 1507, 1884 and 2475 keep every invariant', async () => {
  await runSeeds([...Array.from({ length: 50 }, (_, i) => i + 1), 1507, 1884, 2475], { reuseIds: true });
});
