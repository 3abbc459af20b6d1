// The simulator with membership changes where a removed machine comes back wiped under its old id
// (--reuse-ids): each such start is a new incarnation, which every peer that knew the old one
// refuses (the node stops, as `cairn server` exits 1), so no blank voter is ever counted. Seeds
// 1..50, plus 118, 542 and 807, which break Leader Completeness when the refusal is taken out of the
// core (a stale voter elected with a blank node's vote). (Until membership went through the
// controller users run, those were 1507 and 1884; the driver's random draws moved with it.)
import { test } from 'node:test';
import { runSeeds } from './seed-range.js';

test('simulator with removed ids reused: seeds 1..50, 118, 542 and 807 keep every invariant', async () => {
  await runSeeds([...Array.from({ length: 50 }, (_, i) => i + 1), 118, 542, 807], { reuseIds: true });
});
