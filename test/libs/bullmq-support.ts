// What the BullMQ tests share: connection options for one node (a plain ioredis connection per
// node: Cairn relays a follower's writes and scripts to the leader, so a producer or a worker may
// sit on any node, and BullMQ needs no `{hash tag}` prefix as it would under Redis.Cluster), the
// queues and workers a test opened (closed in one call), and the queue's own record of what
// completed — the events stream, which gets one `completed` entry each time a job really moved to
// the completed set, whichever process moved it, the killed ones included.
import { Queue, Worker, type ConnectionOptions, type Processor, type WorkerOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { waitFor } from '../cluster/helpers.js';

/** Options for BullMQ connections to the node on `port` (workers need maxRetriesPerRequest null). */
export function nodeConnection(port: number): ConnectionOptions {
  return { host: '127.0.0.1', port, maxRetriesPerRequest: null };
}

/** Timings short enough for tests: a lost lock is noticed within about a second. */
export const quickWorker: Partial<WorkerOptions> = { lockDuration: 3000, stalledInterval: 1000, drainDelay: 1 };

/** The queues, workers and plain connections a test opened, closed together. */
export class Opened {
  private readonly closers: (() => Promise<unknown>)[] = [];

  queue(name: string, port: number): Queue {
    const queue = new Queue(name, { connection: nodeConnection(port) });
    queue.on('error', () => undefined);
    this.closers.push(() => queue.close());
    return queue;
  }

  worker(name: string, port: number, processor: Processor, options: Partial<WorkerOptions> = {}): Worker {
    const worker = new Worker(name, processor, { connection: nodeConnection(port), ...quickWorker, ...options });
    worker.on('error', () => undefined);
    this.closers.push(() => worker.close(true));
    return worker;
  }

  redis(port: number): Redis {
    const redis = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: null });
    redis.on('error', () => undefined);
    this.closers.push(async () => redis.disconnect());
    return redis;
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled(this.closers.splice(0).reverse().map((close) => close()));
  }
}

/** How many times each job id was recorded as completed in queue `name`'s events stream. */
export async function completions(redis: Redis, name: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const entries = await redis.xrange(`bull:${name}:events`, '-', '+');
  for (const [, fields] of entries) {
    const event = new Map<string, string>();
    for (let i = 0; i + 1 < fields.length; i += 2) event.set(fields[i]!, fields[i + 1]!);
    if (event.get('event') !== 'completed') continue;
    const id = event.get('jobId')!;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** Job ids completed more than once, as "id×n". */
export function completedTwice(counts: ReadonlyMap<string, number>): string[] {
  return [...counts].filter(([, n]) => n > 1).map(([id, n]) => `${id}×${n}`);
}

/** Resolves once queue's completed set holds `count` jobs, asking the server at most every 250 ms. */
export async function untilCompleted(queue: Queue, count: number, timeoutMs: number): Promise<void> {
  let nextAskMs = 0;
  await waitFor(`${count} jobs completed`, async () => {
    if (Date.now() < nextAskMs) return undefined;
    nextAskMs = Date.now() + 250;
    const completed = await queue.getCompletedCount().catch(() => 0);
    return completed >= count ? true : undefined;
  }, timeoutMs);
}

/** The ids of `ids` by the state queue's server has them in ("unknown": no such job), for failure messages. */
export async function statesOf(queue: Queue, ids: readonly string[]): Promise<Record<string, string[]>> {
  const byState: Record<string, string[]> = {};
  for (const id of ids) {
    const state = await queue.getJobState(id).catch((error: Error) => `error ${error.message}`);
    const job = state === 'failed' ? await queue.getJob(id) : undefined;
    (byState[state] ??= []).push(job === undefined ? id : `${id} (${job.attemptsMade} attempts, ${job.stalledCounter} stalls: ${job.failedReason})`);
  }
  if (byState.completed !== undefined) byState.completed = [`${byState.completed.length} jobs`];
  return byState;
}
