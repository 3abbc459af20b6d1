// BullMQ through a worker's crash, on redis-server and on a 3-node Cairn cluster: a worker process
// killed -9 in the middle of its jobs; another worker on another node takes them once their locks
// lapse — none lost, none completed twice.
import { spawn, type ChildProcess } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from 'bullmq';
import { waitFor } from '../cluster/helpers.js';
import { forEachTarget } from './targets.js';
import { CMSGPACK, skipUnless } from './script-needs.js';
import { completedTwice, completions, Opened, untilCompleted } from './bullmq-support.js';

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

forEachTarget((target) => {
  test('a worker process killed -9 mid-job: another worker completes its jobs, none lost, none completed twice', async (t) => {
    if (await skipUnless(t, target(), CMSGPACK)) return;
    const opened = new Opened();
    const doomed = spawnWorker(target().port(1), 'crash');
    try {
      const queue = opened.queue('crash', target().port(0));
      const jobs = await Promise.all(Array.from({ length: 8 }, () => queue.add('slow', { workMs: 300 })));
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
});
