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
import { test } from 'node:test';
import { describeSchedule, shortCampaignOptions } from './short-campaign.js';
import { runWatchCampaign } from '../../torture/watch.js';

const seed = Number(process.env['TORTURE_SEED'] ?? 20261213);

test(`watch torture campaign (seed ${seed}, kill/pause/partition): the honest watchers pass, the planted skip after a reconnect fails the run`, { timeout: 180_000 }, async (t) => {
  const outDir = await mkdtemp(join(tmpdir(), 'cairn-torture-watch-test-'));
  try {
    const result = await runWatchCampaign({ ...shortCampaignOptions('watch campaign', seed, 20_000, outDir), plant: 'skip-after-reconnect' });
    const schedule = describeSchedule(result.faults);
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
