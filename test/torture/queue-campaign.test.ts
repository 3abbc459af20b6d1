// A short list-queue torture campaign in `npm test`: 3 real node processes (network namespaces when
// this process may create them, else fault proxies), 3 producers LPUSHing unique items and 3
// consumers BRPOPing with a 1 s timeout, one of each per node, through about 25 s of kills, pauses
// and partitions; then no element may be doubled, invented or lost beyond the pops of unknown
// outcome. TORTURE_SEED replays another schedule, TORTURE_NET=proxy forces the proxies.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { describeSchedule, shortCampaignOptions } from './short-campaign.js';
import { runQueueCampaign } from '../../torture/queue.js';

const seed = Number(process.env['TORTURE_SEED'] ?? 20261207);

test(`queue torture campaign (seed ${seed}, kill/pause/partition): no element doubled or lost`, { timeout: 180_000 }, async (t) => {
  const outDir = await mkdtemp(join(tmpdir(), 'cairn-torture-queue-test-'));
  try {
    const result = await runQueueCampaign(shortCampaignOptions('queue campaign', seed, 25_000, outDir));
    const schedule = describeSchedule(result.faults);
    const injected = result.faults.filter((f) => f.action === 'inject');
    for (const kind of ['kill', 'pause', 'partition'] as const) {
      assert.ok(injected.some((f) => f.kind === kind), `no ${kind} fault was injected (${result.net}):\n${schedule}`);
    }
    const audit = result.audit;
    assert.ok(audit !== undefined, 'no node answered the final LRANGE');
    t.diagnostic(`network ${result.net}; ${JSON.stringify({ ...audit, examples: undefined })}`);
    assert.ok(audit.delivered >= 200, `only ${audit.delivered} elements were delivered:\n${schedule}`);
    assert.deepEqual(
      { doubled: audit.doubled, invented: audit.invented, lost: audit.lost },
      { doubled: 0, invented: 0, lost: 0 },
      `${audit.examples.join('\n')}\nfaults:\n${schedule}`,
    );
    assert.ok(result.passed);
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
});
