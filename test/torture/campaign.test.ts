// A short torture campaign in `npm test`: 5 real node processes, 8 clients, about 40 s of kills,
// pauses, partitions, delay, loss and stale leaders, then the history must be linearizable with no acknowledged
// increment or write lost. Set TORTURE_SEED to replay another schedule. Everything it starts and
// every temp dir is removed, pass or fail.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCampaign } from '../../torture/campaign.js';

const seed = Number(process.env['TORTURE_SEED'] ?? 20261125);

test(`torture campaign (seed ${seed}): linearizable, nothing lost`, { timeout: 240_000 }, async () => {
  const outDir = await mkdtemp(join(tmpdir(), 'cairn-torture-test-'));
  try {
    const result = await runCampaign({
      timeMs: 40_000,
      nodes: 5,
      clients: 8,
      seed,
      nemesis: ['kill', 'pause', 'partition', 'delay', 'loss', 'stale-leader'],
      outDir,
      timing: { faultMinMs: 2_500, faultMaxMs: 4_500, calmMs: 1_500 },
    });
    const schedule = result.faults.map((f) => `${f.atMs}ms ${f.action} ${f.kind} ${f.detail}`).join('\n');
    const injected = result.faults.filter((f) => f.action === 'inject').length;
    assert.ok(injected >= 5, `only ${injected} faults injected:\n${schedule}`);
    assert.ok(result.tally.ok >= 500, `only ${result.tally.ok} operations succeeded:\n${schedule}`);
    assert.equal(result.verdict, 'ok', `checker: ${result.explanation}\nfaults:\n${schedule}`);
    assert.deepEqual(result.final, { lost: 0, duplicated: 0, unreadable: 0 }, `final reads:\n${schedule}`);
    assert.ok(result.passed);
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
});
