// A short change-feed torture campaign in `npm test`: 3 real node processes (network namespaces
// when this process may create them, else fault proxies), 3 writers (SET/DEL/INCRBY) and per node
// an XREAD watcher and a CAIRN.WATCH watcher (when the nodes have it) that resume from their last
// id on another node after every error, through about
// 20 s of kills, pauses and partitions; plus, in the same run, a watcher per node with the planted
// bug "skip the first event after a reconnect". The feed checker must pass the honest watchers and
// fail the run once the planted ones are judged too, naming only their misses. TORTURE_SEED replays
// another schedule, TORTURE_NET=proxy forces the proxies.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { runWatchCampaign } from '../../torture/watch.js';

const seed = Number(process.env['TORTURE_SEED'] ?? 20261213);
const net = process.env['TORTURE_NET'] === 'proxy' ? 'proxy' : 'auto';

test(`watch torture campaign (seed ${seed}, kill/pause/partition): the honest watchers pass, the planted skip after a reconnect fails the run`, { timeout: 180_000 }, async (t) => {
  const startedMs = performance.now();
  const outDir = await mkdtemp(join(tmpdir(), 'cairn-torture-watch-test-'));
  try {
    const result = await runWatchCampaign({
      timeMs: 20_000,
      nodes: 3,
      clients: 3,
      seed,
      net,
      nemesis: ['kill', 'pause', 'partition'],
      outDir,
      plant: 'skip-after-reconnect',
      timing: { faultMinMs: 2_000, faultMaxMs: 3_500, calmMs: 1_000, overlapChance: 0.3 },
      log: (line) => console.log(`watch campaign +${((performance.now() - startedMs) / 1000).toFixed(1)}s: ${line}`),
    });
    const schedule = result.faults.map((f) => `${f.atMs}ms ${f.action} ${f.fault} ${f.detail}`).join('\n');
    const injected = result.faults.filter((f) => f.action === 'inject');
    for (const kind of ['kill', 'pause', 'partition'] as const) {
      assert.ok(injected.some((f) => f.kind === kind), `no ${kind} fault was injected (${result.net}):\n${schedule}`);
    }
    const { honest, withPlanted, final } = result;
    assert.ok(final !== undefined && honest !== undefined && withPlanted !== undefined, 'no node answered the final read');
    t.diagnostic(`network ${result.net}; final revision ${final.revision}; ${result.tally.ok} writes ok; acks ${JSON.stringify(honest.acks)}`);
    assert.ok(final.revision >= 100, `only ${final.revision} revisions:\n${schedule}`);
    assert.ok(honest.acks.acknowledged >= 100, `only ${honest.acks.acknowledged} acknowledged writes`);
    assert.deepEqual(honest.problems, [], `faults:\n${schedule}`);
    assert.ok(honest.ok);
    for (const w of honest.watchers) {
      assert.ok(w.reconnects >= 1 && w.caughtUp, `${w.name}: ${JSON.stringify(w)}`);
      if (w.name.startsWith('xread')) assert.ok(w.events >= final.revision, `${w.name}: ${JSON.stringify(w)}`);
    }
    assert.equal(withPlanted.ok, false, 'the planted skip after a reconnect went unnoticed');
    assert.equal(result.passed, false);
    for (const w of withPlanted.watchers) {
      if (w.name.startsWith('planted-')) assert.ok(w.missing >= 1 && w.missing <= w.reconnects, `${w.name}: ${JSON.stringify(w)}`);
      else assert.equal(w.missing, 0);
    }
    assert.ok(withPlanted.problems.every((p) => p.startsWith('planted-')), withPlanted.problems.join('\n'));
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
});
