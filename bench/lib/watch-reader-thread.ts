// The watchers of bench:watch, spread over several worker threads so that parsing a thousand
// watchers' deliveries is not one event loop's work (the bench's reader must not be what limits
// the delivered events/s it reports). Each thread opens its share of the watchers (watcher i on
// member i % members), counts deliveries and samples latencies against the ack-time table and the
// measured window, both shared memory written by the writers' thread and the main thread
// (Deliveries), and hands its counts and samples back when stopped. With `pause` each watcher stops
// reading once open: a slow watcher, whose undelivered events pile up on the server's side.
// startReaderThreads() runs them from the main thread.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { CairnXreadWatcher } from './watch-cairn.js';
import { CairnPushWatcher } from './watch-cairn-push.js';
import { EtcdWatcher, type BenchWatcher } from './watch-etcd.js';
import { Deliveries } from './watch-load.js';

export interface ReaderSpec {
  readonly system: 'cairn' | 'etcd';
  /** Cairn's watchers: CAIRN.WATCH push connections, or XREAD BLOCK loops on the feed. */
  readonly cairnMode: 'watch' | 'xread';
  /** Every member's client port. */
  readonly ports: readonly number[];
  /** The watchers of this thread: those numbered first, first + step, ... below total. */
  readonly first: number;
  readonly step: number;
  readonly total: number;
  readonly keyPrefix: string;
  readonly sampleEvery: number;
  readonly maxSamples: number;
  readonly ackBuffer: SharedArrayBuffer;
  readonly windowBuffer: SharedArrayBuffer;
  readonly pause: boolean;
  readonly callTimeoutMs: number;
  readonly openTimeoutMs: number;
}

export interface ReaderOutcome {
  readonly counted: number;
  readonly seen: number;
  readonly samplesMs: Float64Array;
  readonly failures: readonly string[];
}

export interface ReaderThreads {
  /** Stops every thread (closing its watchers) and adds up what they counted into `deliveries`. */
  stop(deliveries: Deliveries): Promise<{ failures: string[] }>;
}

const openBatch = 50;

function startOne(spec: ReaderSpec): Promise<Worker> {
  const worker = new Worker(new URL(import.meta.url), { workerData: spec });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (message: unknown) => (message === 'open' ? resolve(worker) : reject(new Error(`reader thread: ${String(message)}`))));
  });
}

function stopOne(worker: Worker): Promise<ReaderOutcome> {
  return new Promise<ReaderOutcome>((done, failed) => {
    worker.once('message', (outcome: ReaderOutcome) => done(outcome));
    worker.once('error', failed);
    worker.postMessage('stop');
  }).finally(() => void worker.terminate());
}

/** Starts `threads` reader threads sharing `spec`'s watchers; resolves once every watcher is open. */
export async function startReaderThreads(spec: Omit<ReaderSpec, 'first' | 'step'>, threads: number): Promise<ReaderThreads> {
  const started = await Promise.allSettled(Array.from({ length: threads }, (_, t) => startOne({ ...spec, first: t, step: threads })));
  const workers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw failed.reason;
  }
  return {
    stop: async (deliveries) => {
      const outcomes = await Promise.all(workers.map(stopOne));
      for (const outcome of outcomes) deliveries.merge(outcome.counted, outcome.seen, outcome.samplesMs);
      return { failures: outcomes.flatMap((o) => o.failures) };
    },
  };
}

function openWatcher(spec: ReaderSpec, index: number, deliveries: Deliveries): Promise<BenchWatcher> {
  const port = spec.ports[index % spec.ports.length]!;
  if (spec.system === 'etcd') return EtcdWatcher.open(port, spec.keyPrefix, deliveries, spec.openTimeoutMs);
  if (spec.cairnMode === 'xread') return CairnXreadWatcher.open(port, deliveries, spec.callTimeoutMs);
  return CairnPushWatcher.open(port, `${spec.keyPrefix}*`, deliveries, spec.openTimeoutMs);
}

async function runReaders(spec: ReaderSpec): Promise<void> {
  const deliveries = new Deliveries(spec.sampleEvery, spec.ackBuffer, spec.windowBuffer, spec.maxSamples);
  const mine: number[] = [];
  for (let i = spec.first; i < spec.total; i += spec.step) mine.push(i);
  const watchers: BenchWatcher[] = [];
  for (let at = 0; at < mine.length; at += openBatch) {
    watchers.push(...(await Promise.all(mine.slice(at, at + openBatch).map((i) => openWatcher(spec, i, deliveries)))));
  }
  if (spec.pause) for (const watcher of watchers) watcher.pause();
  parentPort!.once('message', () => {
    const failures = watchers.flatMap((w) => (w.failure === undefined ? [] : [w.failure]));
    for (const watcher of watchers) watcher.close();
    const samplesMs = deliveries.latencies.samples();
    parentPort!.postMessage({ counted: deliveries.counted, seen: deliveries.seen, samplesMs, failures } satisfies ReaderOutcome);
  });
  parentPort!.postMessage('open');
}

if (!isMainThread && parentPort !== null) {
  runReaders(workerData as ReaderSpec).catch((error: unknown) => parentPort!.postMessage(error instanceof Error ? error.message : String(error)));
}
