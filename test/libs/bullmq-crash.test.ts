// BullMQ through crashes, on redis-server and on a 3-node Cairn cluster: a worker process killed -9
// in the middle of its jobs (another worker takes them once their locks lapse: none lost, none
// completed twice), and the leader killed -9 while producers on every node add jobs and workers on
// every node process them (redis-server: the one node, restarted on its append-only file) — every
// job a producer added completes exactly once.
import { spawn, type ChildProcess } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job, Queue } from 'bullmq';
import { waitFor } from '../cluster/helpers.js';
import { forEachTarget, NO_SCRIPTING, type LibTarget } from './targets.js';
import { completedTwice, completions, Opened } from './bullmq-support.js';

const root = new URL('../../', import.meta.url).pathname;

/** A worker process (fixtures/bullmq-worker.ts) and the ids it has started and finished. */
interface WorkerProcess {
  readonly proc: ChildProcess;
  readonly started: Set<string>;
  readonly done: Set<string>;
}

function spawnWorker(port: number, queue: string): WorkerProcess {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/libs/fixtures/bullmq-worker.ts', String(port), queue], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const worker: WorkerProcess = { proc, started: new Set(), done: new Set() };
  let partial = '';
  proc.stdout!.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      const [word, id] = line.split(' ');
      if (word === 'start') worker.started.add(id!);
      if (word === 'done') worker.done.add(id!);
    }
  });
  return worker;
}

async function killWorker(worker: WorkerProcess): Promise<void> {
  if (worker.proc.exitCode !== null || worker.proc.signalCode !== null) return;
  const exited = new Promise((resolve) => worker.proc.once('exit', resolve));
  worker.proc.kill('SIGKILL');
  await exited;
}

/** Resolves once queue's completed set holds `count` jobs, asking the server at most every 250 ms. */
async function untilCompleted(queue: Queue, count: number, timeoutMs: number): Promise<void> {
  let nextAskMs = 0;
  await waitFor(`${count} jobs completed`, async () => {
    if (Date.now() < nextAskMs) return undefined;
    nextAskMs = Date.now() + 250;
    const completed = await queue.getCompletedCount().catch(() => 0);
    return completed >= count ? true : undefined;
  }, timeoutMs);
}

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
  test('a worker process killed -9 mid-job: another worker completes its jobs, none lost, none completed twice', async () => {
    const opened = new Opened();
    const doomed = spawnWorker(target().port(1), 'crash');
    try {
      const queue = opened.queue('crash', target().port(0));
      const jobs = await Promise.all(Array.from({ length: 10 }, () => queue.add('slow', { workMs: 400 })));
      await waitFor('the worker process in the middle of two jobs', () => (doomed.started.size - doomed.done.size >= 2 ? true : undefined), 20_000);
      await killWorker(doomed);
      const interrupted = [...doomed.started].filter((id) => !doomed.done.has(id));
      const survivor = opened.worker('crash', target().port(2), async (job: Job<{ workMs: number }>) => {
        await new Promise((resolve) => setTimeout(resolve, job.data.workMs / 4));
        return 'by the survivor';
      }, { concurrency: 4 });
      const failed: string[] = [];
      survivor.on('failed', (job, error) => failed.push(`${job?.id}: ${error.message}`));
      await untilCompleted(queue, jobs.length, 30_000);
      assert.deepEqual(failed, []);
      const counts = await completions(opened.redis(target().port(2)), 'crash');
      assert.deepEqual(completedTwice(counts), []);
      assert.deepEqual([...counts.keys()].sort(), jobs.map((j) => j.id!).sort());
      for (const id of interrupted) {
        const job = (await queue.getJob(id))!;
        assert.equal(job.returnvalue, 'by the survivor', `job ${id} was interrupted by the kill`);
        assert.ok((job.stalledCounter ?? 0) >= 1, `job ${id} was noticed as stalled`);
      }
    } finally {
      await killWorker(doomed);
      await opened.closeAll();
    }
  });

  test('the leader killed -9 under load: every job the producers added completes exactly once', async () => {
    const opened = new Opened();
    try {
      const perProducer = 60;
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
}, { cairnSkip: NO_SCRIPTING });
