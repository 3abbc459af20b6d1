// BullMQ, unchanged, on redis-server and on a 3-node Cairn cluster: a producer on one node and
// workers on the others; priorities, delays, retries with backoff, and a job scheduler's repeated
// jobs. Every job completes once (the queue's events stream says so), with what its worker returned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from 'bullmq';
import { waitFor } from '../cluster/helpers.js';
import { forEachTarget } from './targets.js';
import { CMSGPACK, HEX_LITERALS, skipUnless } from './script-needs.js';
import { completedTwice, completions, Opened } from './bullmq-support.js';

forEachTarget((target) => {
  test('jobs added on one node are completed by workers on the other two, each once', async (t) => {
    if (await skipUnless(t, target(), CMSGPACK)) return;
    const opened = new Opened();
    try {
      const queue = opened.queue('across', target().port(0));
      const jobs = await Promise.all(Array.from({ length: 20 }, (_, n) => queue.add('sum', { a: n, b: 1 })));
      const doneBy = new Map<string, string>();
      for (const node of [1, 2]) {
        const worker = opened.worker('across', target().port(node), async (job: Job<{ a: number; b: number }>) => job.data.a + job.data.b, { concurrency: 2 });
        worker.on('completed', (job) => doneBy.set(job.id!, `n${node}`));
      }
      await waitFor('20 jobs completed', () => (doneBy.size === 20 ? true : undefined), 30_000);
      for (const [n, job] of jobs.entries()) assert.equal((await queue.getJob(job.id!))?.returnvalue, n + 1);
      const counts = await completions(opened.redis(target().port(1)), 'across');
      assert.deepEqual(completedTwice(counts), []);
      assert.equal(counts.size, 20);
      assert.deepEqual(await queue.getJobCounts('wait', 'active', 'completed', 'failed'), { wait: 0, active: 0, completed: 20, failed: 0 });
    } finally {
      await opened.closeAll();
    }
  });

  test('a worker takes waiting jobs by priority, lowest number first', async (t) => {
    if (await skipUnless(t, target(), CMSGPACK, HEX_LITERALS)) return;
    const opened = new Opened();
    try {
      const queue = opened.queue('priorities', target().port(0));
      const priorities = [5, 1, 9, 3, 7, 2, 8, 4, 6];
      for (const priority of priorities) await queue.add('p', { priority }, { priority });
      const order: number[] = [];
      opened.worker('priorities', target().port(1), async (job: Job<{ priority: number }>) => {
        order.push(job.data.priority);
      }, { concurrency: 1 });
      await waitFor('every prioritised job processed', () => (order.length === priorities.length ? true : undefined), 20_000);
      assert.deepEqual(order, [...priorities].sort((a, b) => a - b));
    } finally {
      await opened.closeAll();
    }
  });

  test('a delayed job waits its delay, then completes', async (t) => {
    if (await skipUnless(t, target(), CMSGPACK)) return;
    const opened = new Opened();
    try {
      const queue = opened.queue('delayed', target().port(2));
      const delayMs = 1500;
      const added = await queue.add('later', {}, { delay: delayMs });
      assert.equal(await added.getState(), 'delayed');
      const started = new Map<string, number>();
      opened.worker('delayed', target().port(0), async (job) => {
        started.set(job.id!, Date.now());
      });
      const startedAtMs = await waitFor('the delayed job processed', () => started.get(added.id!), 20_000);
      assert.ok(startedAtMs >= added.timestamp + delayMs, `processed ${startedAtMs - added.timestamp} ms after it was added`);
      await waitFor('the delayed job completed', async () => ((await added.getState()) === 'completed' ? true : undefined), 10_000);
    } finally {
      await opened.closeAll();
    }
  });

  test('a job that fails twice completes on its third attempt; one that always fails ends failed after its attempts', async (t) => {
    if (await skipUnless(t, target(), CMSGPACK)) return;
    const opened = new Opened();
    try {
      const queue = opened.queue('retries', target().port(1));
      const attempts = { attempts: 3, backoff: { type: 'fixed', delay: 200 } };
      const flaky = await queue.add('flaky', { failures: 2 }, attempts);
      const broken = await queue.add('broken', { failures: 99 }, attempts);
      const finished = new Set<string>();
      const worker = opened.worker('retries', target().port(2), async (job: Job<{ failures: number }>) => {
        if (job.attemptsMade < job.data.failures) throw new Error(`failure ${job.attemptsMade + 1}`);
        return `ok after ${job.attemptsMade} failures`;
      });
      worker.on('completed', (job) => finished.add(job.id!));
      worker.on('failed', (job) => {
        if (job !== undefined && job.attemptsMade >= 3) finished.add(job.id!);
      });
      await waitFor('both jobs finished', () => (finished.size === 2 ? true : undefined), 20_000);
      const flakyNow = (await queue.getJob(flaky.id!))!;
      assert.equal(await flakyNow.getState(), 'completed');
      assert.equal(flakyNow.returnvalue, 'ok after 2 failures');
      assert.equal(flakyNow.attemptsMade, 3);
      const brokenNow = (await queue.getJob(broken.id!))!;
      assert.equal(await brokenNow.getState(), 'failed');
      assert.equal(brokenNow.attemptsMade, 3);
      assert.equal(brokenNow.failedReason, 'failure 3');
    } finally {
      await opened.closeAll();
    }
  });

  test('a job scheduler repeats its job every 300 ms until removed', async (t) => {
    if (await skipUnless(t, target(), CMSGPACK)) return;
    const opened = new Opened();
    try {
      const queue = opened.queue('repeated', target().port(0));
      await queue.upsertJobScheduler('tick', { every: 300 }, { name: 'tick', data: { kind: 'tick' } });
      // A scheduled job's id is repeat:<scheduler>:<the millisecond it is planned for>.
      const runs: { plannedMs: number; ranAtMs: number }[] = [];
      opened.worker('repeated', target().port(2), async (job: Job<{ kind: string }>) => {
        assert.equal(job.data.kind, 'tick');
        runs.push({ plannedMs: Number(/^repeat:tick:(\d+)$/.exec(job.id!)?.[1]), ranAtMs: Date.now() });
      });
      await waitFor('4 repetitions', () => (runs.length >= 4 ? true : undefined), 20_000);
      assert.equal(await queue.removeJobScheduler('tick'), true);
      assert.deepEqual(await queue.getJobSchedulers(), []);
      const plannedGapsMs = runs.slice(1).map((run, i) => run.plannedMs - runs[i]!.plannedMs);
      assert.ok(plannedGapsMs.every((gap) => gap > 0 && gap % 300 === 0), `planned ${plannedGapsMs.join(', ')} ms apart`);
      for (const run of runs) assert.ok(run.ranAtMs >= run.plannedMs - 5, `ran ${run.plannedMs - run.ranAtMs} ms before it was planned`);
      const counts = await completions(opened.redis(target().port(1)), 'repeated');
      assert.deepEqual(completedTwice(counts), []);
    } finally {
      await opened.closeAll();
    }
  });
});
