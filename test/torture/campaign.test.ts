// A short torture campaign in `npm test`: 5 real node processes (each in its own network
// namespace when this process may create them, else behind fault proxies on loopback), 8 clients,
// about 45 s of every fault kind — kills, pauses, partitions, slow and lossy links, stale leaders
// and a member removed and added back — some of them overlapping; then the history must be
// linearizable with no acknowledged increment or write lost. TORTURE_SEED replays another
// schedule, TORTURE_NET=proxy forces the proxies. Everything it starts and every temp dir and
// namespace is removed, pass or fail.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { runCampaign } from '../../torture/campaign.js';
import { NEMESIS_KINDS } from '../../torture/nemesis.js';

const seed = Number(process.env['TORTURE_SEED'] ?? 20261131);
const net = process.env['TORTURE_NET'] === 'proxy' ? 'proxy' : 'auto';

test(`torture campaign (seed ${seed}, every fault kind, overlapping): linearizable, nothing lost`, { timeout: 300_000 }, async (t) => {
  const startedMs = performance.now();
  const outDir = await mkdtemp(join(tmpdir(), 'cairn-torture-test-'));
  try {
    const result = await runCampaign({
      timeMs: 45_000,
      nodes: 5,
      clients: 8,
      seed,
      net,
      nemesis: [...NEMESIS_KINDS],
      outDir,
      timing: { faultMinMs: 2_500, faultMaxMs: 4_500, calmMs: 1_500, overlapChance: 0.6 },
      // Printed as it happens, so a campaign that hangs still shows how far it got.
      log: (line) => console.log(`campaign +${((performance.now() - startedMs) / 1000).toFixed(1)}s: ${line}`),
    });
    const schedule = result.faults.map((f) => `${f.atMs}ms ${f.action} ${f.fault} ${f.detail}${f.alsoActive.length > 0 ? ` [with ${f.alsoActive.join(',')}]` : ''}`).join('\n');
    const injected = result.faults.filter((f) => f.action === 'inject');
    t.diagnostic(`network ${result.net}; ${result.tally.ok} ok / ${result.tally.failed} failed / ${result.tally.unknown} unknown`);
    for (const kind of ['kill', 'pause', 'partition', 'member'] as const) {
      assert.ok(injected.some((f) => f.kind === kind), `no ${kind} fault was injected (${result.net}):\n${schedule}`);
    }
    assert.ok(injected.some((f) => f.kind === 'delay' || f.kind === 'loss'), `no delay or loss fault was injected:\n${schedule}`);
    assert.ok(injected.some((f) => f.alsoActive.length > 0), `no two faults overlapped:\n${schedule}`);
    assert.ok(result.tally.ok >= 500, `only ${result.tally.ok} operations succeeded:\n${schedule}`);
    assert.equal(result.verdict, 'ok', `checker: ${result.explanation}\nfaults:\n${schedule}`);
    assert.deepEqual(result.final, { lost: 0, duplicated: 0, unreadable: 0 }, `final reads:\n${schedule}`);
    assert.ok(result.passed);
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
});
