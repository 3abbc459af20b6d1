// BullMQ through the leader's crash, on redis-server and on a 3-node Cairn cluster: the leader
// killed -9 while producers on every node add jobs and workers on every node process them
// (redis-server: its one node, restarted on its append-only file) — every job a producer added
// completes exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job, Queue } from 'bullmq';
import { waitFor } from '../cluster/helpers.js';
import { forEachTarget, type LibTarget } from './targets.js';
import { CMSGPACK, skipUnless } from './script-needs.js';
import { completedTwice, completions, Opened, untilCompleted } from './bullmq-support.js';

/** Adds job `id` until an add is acknowledged: the id makes a repeated add of a job that exists a no-op. */
async function addUntilAcknowledged(queue: Queue, id: string, deadlineMs: number): Promise<void> {
  for (;;) {
    try {
      await queue.add('load', { id }, { jobId: id });
      return;
    } catch (error) {
      if (Date.now() > deadlineMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50)); // back off before adding again
    }
  }
}

/** Kills the leader, and once a new one leads (redis-server: at once), starts the killed node again. */
async function crashLeader(target: LibTarget): Promise<void> {
  const leader = await target.leader();
  await target.kill(leader);
  if (target.size > 1) await target.leader();
  await target.restart(leader);
}

forEachTarget((target) => {
  test('the leader killed -9 under load: every job the producers added completes exactly once', async (t) => {
    if (await skipUnless(t, target(), CMSGPACK)) return;
    const opened = new Opened();
    try {
      const perProducer = 40;
      const nodes = [0, 1, 2];
      const queues = nodes.map((node) => opened.queue('load', target().port(node)));
      const processed = new Set<string>();
      for (const node of nodes) {
        opened.worker('load', target().port(node), async (job: Job<{ id: string }>) => {
          processed.add(job.data.id);
          await new Promise((resolve) => setTimeout(resolve, 5));
          return job.data.id;
        }, { concurrency: 4, maxStalledCount: 10 });
      }
      const deadlineMs = Date.now() + 40_000;
      const producing = queues.map(async (queue, p) => {
        for (let seq = 0; seq < perProducer; seq++) await addUntilAcknowledged(queue, `p${p}-${seq}`, deadlineMs);
      });
      await waitFor('a third of the jobs processed', () => (processed.size >= perProducer ? true : undefined), 20_000);
      await crashLeader(target());
      await Promise.all(producing);
      await untilCompleted(queues[0]!, nodes.length * perProducer, 40_000);
      const counts = await completions(opened.redis(target().port(0)), 'load');
      assert.deepEqual(completedTwice(counts), []);
      assert.equal(counts.size, nodes.length * perProducer);
      assert.deepEqual(await queues[0]!.getJobCounts('wait', 'active', 'delayed', 'completed', 'failed'), {
        wait: 0, active: 0, delayed: 0, completed: nodes.length * perProducer, failed: 0,
      });
    } finally {
      await opened.closeAll();
    }
  });
});
