// The writers of bench:watch, in a worker thread of their own so that parsing a thousand watchers'
// deliveries on the main thread never delays the writers' acknowledgements (and the other way
// round): `writers` closed-loop connections to one member (Cairn SET over RESP, etcd PUT over the
// JSON gateway), each with one write in flight, values starting with a write number, the ack time
// of each written into the shared table. startWriterThread() runs it from the main thread.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { EtcdConnection } from './etcd-connection.js';
import type { KvConnection } from './kv-connection.js';
import { RespConnection } from './resp-connection.js';
import { epochMs, maxWrites } from './watch-load.js';

export interface WriterSpec {
  readonly system: 'cairn' | 'etcd';
  readonly port: number;
  readonly writers: number;
  readonly keyCount: number;
  readonly valueBytes: number;
  readonly callTimeoutMs: number;
  readonly ackBuffer: SharedArrayBuffer;
  /** Writes per second the writers together start at most (0: as fast as they are acknowledged). */
  readonly writesPerSecond: number;
}

export interface WriterOutcome {
  readonly errors: number;
  readonly firstError: string;
}

const maxErrors = 1_000;

export interface WriterThread {
  stop(): Promise<WriterOutcome>;
}

/** Starts the writers' thread; resolves once every connection is open and writing. */
export function startWriterThread(spec: WriterSpec): Promise<WriterThread> {
  const worker = new Worker(new URL(import.meta.url), { workerData: spec });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (message: unknown) => {
      if (message !== 'writing') return reject(new Error(`writer thread: ${String(message)}`));
      resolve({
        stop: () => new Promise<WriterOutcome>((done, failed) => {
          worker.once('message', (outcome: WriterOutcome) => done(outcome));
          worker.once('error', failed);
          worker.postMessage('stop');
        }).finally(() => void worker.terminate()),
      });
    });
  });
}

async function connect(spec: WriterSpec): Promise<KvConnection> {
  return spec.system === 'cairn' ? RespConnection.open(spec.port, spec.callTimeoutMs) : new EtcdConnection(spec.port, spec.callTimeoutMs);
}

async function runWriters(spec: WriterSpec): Promise<void> {
  const ackMs = new Float64Array(spec.ackBuffer);
  const connections = await Promise.all(Array.from({ length: spec.writers }, () => connect(spec)));
  let stopped = false;
  let next = 1;
  const errors = { count: 0, first: '' };
  const padding = '.'.repeat(spec.valueBytes);
  const startMs = epochMs();
  const loops = connections.map(async (connection) => {
    while (!stopped && next < maxWrites) {
      const write = next++;
      // Paced: write n starts no earlier than n / rate seconds after the first (open loop, shared).
      const waitMs = spec.writesPerSecond > 0 ? startMs + ((write - 1) * 1000) / spec.writesPerSecond - epochMs() : 0;
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      const value = Buffer.from(`${write}${padding}`.slice(0, Math.max(spec.valueBytes, String(write).length)));
      try {
        await connection.write(`w:${String(write % spec.keyCount).padStart(6, '0')}`, value);
        ackMs[write] = epochMs();
      } catch (error) {
        if (errors.count++ === 0) errors.first = error instanceof Error ? error.message : String(error);
        if (errors.count > maxErrors || !connection.usable()) return;
      }
    }
  });
  parentPort!.once('message', () => {
    stopped = true;
    void Promise.all(loops).then(() => {
      for (const connection of connections) connection.close();
      parentPort!.postMessage({ errors: errors.count, firstError: errors.first } satisfies WriterOutcome);
    });
  });
  parentPort!.postMessage('writing');
}

if (!isMainThread && parentPort !== null) {
  runWriters(workerData as WriterSpec).catch((error: unknown) => parentPort!.postMessage(error instanceof Error ? error.message : String(error)));
}
