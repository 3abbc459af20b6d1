// bench:snapshot — does a snapshot stall a node? Starts a Cairn node (`cairn server`, a one-member
// cluster, fsync no), loads N keys of 100-byte values with pipelined MSETs, then one client issues
// GETs back to back (one in flight) while the node goes quiet and compacts its log with a snapshot
// of every key (the idle compaction, a second after the last write; the server logs
// raft.compacted). Prints GET latency p50/p99/max over the window from the end of the load to the
// last compaction, over the two seconds after it (a quiet node's forced GC runs then), and the
// slowest GETs with their time relative to the compaction. Then, in this process, the decoding of
// such a snapshot in the replica's steps (what a follower installing it runs): the time of each step,
// which is how long the installing node's event loop is held at once.
//
//   npm run bench:snapshot                       N = 1,000,000
//   npm run bench:snapshot -- --keys 200000      a quicker run
//   node dist/bench/snapshot-stall.js --serve --port P --dir D   (internal: the Cairn node process)

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { main as serverMain } from '../src/cli/server.js';
import { KvState } from '../src/kv/state.js';
import { SNAPSHOT_STEP_BUDGET } from '../src/replica/stepped-snapshot.js';
import { acceptsConnections, freePort } from '../test/support/free-port.js';
import { RespConnection } from './lib/resp-connection.js';

const valueBytes = 100;
const msetPairs = 1000;
const msetInFlight = 16;
const callTimeoutMs = 60_000;
const startTimeoutMs = 30_000;
/** How long to wait for the compaction after the load before giving up. */
const compactionWaitMs = 120_000;
const afterCompactionMs = 2000;

interface Sample {
  readonly atMs: number;
  readonly latencyMs: number;
}

function percentile(sortedMs: readonly number[], p: number): number {
  if (sortedMs.length === 0) return NaN;
  return sortedMs[Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1)] as number;
}

function describe(name: string, samples: readonly Sample[]): string {
  const sorted = samples.map((s) => s.latencyMs).sort((a, b) => a - b);
  const f = (ms: number): string => ms.toFixed(2).padStart(8);
  return `${name.padEnd(34)} GETs ${String(sorted.length).padStart(7)}  p50 ${f(percentile(sorted, 50))}  p99 ${f(percentile(sorted, 99))}  max ${f(sorted[sorted.length - 1] ?? NaN)} ms`;
}

async function startNode(): Promise<{ proc: ChildProcess; port: number; dir: string; compactedAtMs: number[] }> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'cairn-snapbench-'));
  const self = new URL(import.meta.url).pathname;
  const proc = spawn(process.execPath, [...process.execArgv, self, '--serve', '--port', String(port), '--dir', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  const node = { proc, port, dir, compactedAtMs: [] as number[] };
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) if (line.includes('raft.compacted')) node.compactedAtMs.push(performance.now());
  });
  const deadline = Date.now() + startTimeoutMs;
  while (!(await acceptsConnections(port))) {
    if (proc.exitCode !== null) throw new Error(`cairn server exited with ${proc.exitCode}`);
    if (Date.now() > deadline) throw new Error(`cairn server did not start within ${startTimeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return node;
}

async function load(conn: RespConnection, keys: number): Promise<void> {
  const value = Buffer.alloc(valueBytes, 'x');
  let next = 0;
  const batch = async (): Promise<void> => {
    while (next < keys) {
      const args: Buffer[] = [Buffer.from('MSET')];
      for (let i = 0; i < msetPairs && next < keys; i++, next++) args.push(Buffer.from(`key:${next}`), value);
      await conn.call(args);
    }
  };
  await Promise.all(Array.from({ length: msetInFlight }, batch));
}

/** GETs back to back until `done()` says stop; each sample's time is when its GET was sent. */
async function getLoop(conn: RespConnection, keys: number, done: () => boolean): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let i = 0; !done(); i++) {
    const atMs = performance.now();
    await conn.call([Buffer.from('GET'), Buffer.from(`key:${(i * 7919) % keys}`)]);
    samples.push({ atMs, latencyMs: performance.now() - atMs });
  }
  return samples;
}

async function serverRun(keys: number): Promise<void> {
  const node = await startNode();
  try {
    const conn = await RespConnection.open(node.port, callTimeoutMs);
    const loadStartMs = performance.now();
    await load(conn, keys);
    const loadEndMs = performance.now();
    const compactionsBefore = node.compactedAtMs.length;
    console.log(`loaded ${keys} keys in ${((loadEndMs - loadStartMs) / 1000).toFixed(1)} s (${compactionsBefore} compactions during the load)`);
    // The idle compaction comes a second after the last write; wait for it, then a little more.
    const samples = await getLoop(conn, keys, () => {
      const last = node.compactedAtMs[node.compactedAtMs.length - 1];
      const nowMs = performance.now();
      if (node.compactedAtMs.length > compactionsBefore && last !== undefined) return nowMs > last + afterCompactionMs;
      return nowMs > loadEndMs + compactionWaitMs;
    });
    conn.close();
    const compactedMs = node.compactedAtMs.length > compactionsBefore ? (node.compactedAtMs[node.compactedAtMs.length - 1] as number) : NaN;
    if (Number.isNaN(compactedMs)) console.log('no compaction after the load: the window is the whole wait');
    else console.log(`compacted ${((compactedMs - loadEndMs) / 1000).toFixed(2)} s after the load ended`);
    console.log(describe('load end → compaction logged', samples.filter((s) => !(s.atMs > compactedMs))));
    console.log(describe(`${afterCompactionMs} ms after the compaction`, samples.filter((s) => s.atMs > compactedMs)));
    console.log(describe('all', samples));
    const slowest = [...samples].sort((a, b) => b.latencyMs - a.latencyMs).slice(0, 5);
    console.log(`slowest GETs: ${slowest.map((s) => `${s.latencyMs.toFixed(1)} ms at ${((s.atMs - compactedMs) / 1000).toFixed(2)} s`).join(', ')} (times relative to the compaction log line)`);
  } finally {
    if (node.proc.exitCode === null && node.proc.signalCode === null) {
      const exited = new Promise((resolve) => node.proc.once('exit', resolve));
      node.proc.kill('SIGTERM');
      await exited;
    }
    await rm(node.dir, { recursive: true, force: true });
  }
}

/** The replica's decoding steps (SNAPSHOT_STEP_BUDGET keys each) over a snapshot of `keys` keys: each step holds the event loop. */
function decodeSteps(keys: number): void {
  const state = new KvState();
  const set = Buffer.from('SET');
  const value = Buffer.alloc(valueBytes, 'x');
  for (let i = 0; i < keys; i++) state.execute([set, Buffer.from(`key:${i}`), value], 1000);
  const bytes = state.encodeSnapshot();
  const decoder = KvState.snapshotDecoder(bytes);
  const stepsMs: number[] = [];
  const startMs = performance.now();
  for (let done = false; !done; ) {
    const t = performance.now();
    done = decoder.step(SNAPSHOT_STEP_BUDGET) !== null;
    stepsMs.push(performance.now() - t);
  }
  const totalMs = performance.now() - startMs;
  stepsMs.sort((a, b) => a - b);
  const f = (ms: number): string => ms.toFixed(2);
  console.log(`install (in-process): decoding ${bytes.length} bytes in ${stepsMs.length} steps of ${SNAPSHOT_STEP_BUDGET} keys took ${f(totalMs)} ms; ` +
    `step p50 ${f(percentile(stepsMs, 50))} p99 ${f(percentile(stepsMs, 99))} max ${f(stepsMs[stepsMs.length - 1] ?? NaN)} ms`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { keys: { type: 'string' }, serve: { type: 'boolean' }, port: { type: 'string' }, dir: { type: 'string' } },
  });
  if (values.serve === true) return serverMain(['--port', values.port ?? '0', '--dir', values.dir ?? 'bench-data', '--fsync', 'no']);
  const keys = Number(values.keys ?? 1_000_000);
  console.log(`bench:snapshot — ${keys} keys of ${valueBytes}-byte values; GET latency while the node snapshots them`);
  await serverRun(keys);
  decodeSteps(keys);
  return 0;
}

main().then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
