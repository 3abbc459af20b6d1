// bench:snapshot — does a snapshot stall a node? Starts a Cairn node (`cairn server`, a one-member
// cluster, fsync no), loads N keys of 100-byte values with pipelined MSETs, then one client issues
// GETs back to back (one in flight) while the node goes quiet and compacts its log with a snapshot
// of every key (the idle compaction, a second after the last write; the server logs
// raft.compacted). Prints GET latency p50/p99/max over the window from the end of the load to the
// last compaction, over the two seconds after it (a quiet node's forced GC would run then), and the
// slowest GETs with their time relative to the compaction.
// Then the install side, end to end: a 3-node cluster (fsync no) whose follower is killed, N keys
// loaded through the leader, which compacts; the follower restarts, far behind the compacted log,
// and receives the snapshot (InstallSnapshot over the peer transport, 256 KiB chunks), writes it
// and decodes it in steps, while one READONLY client GETs from that follower back to back (local
// reads: the follower's own event loop, not the leader's). Prints the same figures, the window
// ending at the follower's raft.snapshot_installed line.
// Last, in this process, the decoding of such a snapshot in the replica's steps: the time of each
// step, which is how long the installing node's event loop is held at once.
//
//   npm run bench:snapshot                       N = 1,000,000
//   npm run bench:snapshot -- --keys 200000      a quicker run
//   npm run bench:snapshot -- --phases install   only some of snapshot, install, decode
//   npm run bench:snapshot -- --trace-gc FILE    the snapshotting node runs with --trace-gc, its stdout into FILE
//   node dist/bench/snapshot-stall.js --serve --port P --dir D   (internal: the Cairn node process)
//   node dist/bench/snapshot-stall.js --node --id n1 ...         (internal: a cluster member)

import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { main as serverMain } from '../src/cli/server.js';
import { KvState } from '../src/kv/state.js';
import { SNAPSHOT_STEP_BUDGET } from '../src/replica/stepped-snapshot.js';
import { eventLoopTurn } from '../src/runtime/clock.js';
import { acceptsConnections, freePort } from '../test/support/free-port.js';
import { CairnCluster } from './lib/cairn-cluster.js';
import { Procs, waitFor } from './lib/procs.js';
import { RespConnection } from './lib/resp-connection.js';
import { runAsNodeIfAsked } from './lib/node-mode.js';

const valueBytes = 100;
const msetPairs = 1000;
const msetInFlight = 16;
const callTimeoutMs = 60_000;
const startTimeoutMs = 30_000;
/** How long to wait for the compaction after the load before giving up. */
const compactionWaitMs = 120_000;
const afterCompactionMs = 2000;
const allPhases = ['snapshot', 'install', 'decode'] as const;
type Phase = (typeof allPhases)[number];

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

/** The snapshotting node's stdout, with --trace-gc lines, goes here when set (--trace-gc FILE). */
let traceGcFd: number | null = null;

async function startNode(): Promise<{ proc: ChildProcess; port: number; dir: string; compactedAtMs: number[] }> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'cairn-snapbench-'));
  const self = new URL(import.meta.url).pathname;
  const traceArgs = traceGcFd === null ? [] : ['--trace-gc'];
  const args = [...process.execArgv, ...traceArgs, self, '--serve', '--port', String(port), '--dir', dir];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', traceGcFd ?? 'ignore', 'pipe'] });
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

/** The figures before and after `eventMs` (NaN: none came, the whole run is "before"), and the slowest GETs. */
function report(samples: readonly Sample[], eventMs: number, event: string): void {
  if (Number.isNaN(eventMs)) console.log(`no ${event} seen: the window is the whole wait`);
  console.log(describe(`→ ${event}`, samples.filter((s) => !(s.atMs > eventMs))));
  console.log(describe(`${afterCompactionMs} ms after the ${event}`, samples.filter((s) => s.atMs > eventMs)));
  console.log(describe('all', samples));
  const slowest = [...samples].sort((a, b) => b.latencyMs - a.latencyMs).slice(0, 5);
  console.log(`slowest GETs: ${slowest.map((s) => `${s.latencyMs.toFixed(1)} ms at ${((s.atMs - eventMs) / 1000).toFixed(2)} s`).join(', ')} (times relative to the ${event} line)`);
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
    if (!Number.isNaN(compactedMs)) console.log(`compacted ${((compactedMs - loadEndMs) / 1000).toFixed(2)} s after the load ended`);
    report(samples, compactedMs, 'raft.compacted');
  } finally {
    if (node.proc.exitCode === null && node.proc.signalCode === null) {
      const exited = new Promise((resolve) => node.proc.once('exit', resolve));
      node.proc.kill('SIGTERM');
      await exited;
    }
    await rm(node.dir, { recursive: true, force: true });
  }
}

/** The index of the last raft.compacted line in a node's log tail, 0 if none. */
function lastCompactedIndex(output: string): number {
  const found = [...output.matchAll(/"event":"raft\.compacted","index":(\d+)/g)];
  return Number(found[found.length - 1]?.[1] ?? 0);
}

/** A 3-node cluster, one follower down while N keys are loaded and the leader compacts; the follower back, installing the snapshot. */
async function startBehind(procs: Procs, keys: number): Promise<{ cluster: CairnCluster; follower: number }> {
  const self = new URL(import.meta.url).pathname;
  const cluster = await CairnCluster.start(procs, 3, callTimeoutMs, [...process.execArgv, self, '--node', '--fsync', 'no']);
  const leader = await cluster.leader(startTimeoutMs);
  const follower = (leader + 1) % 3;
  await cluster.kill(follower);
  const conn = await RespConnection.open(cluster.port(leader), callTimeoutMs);
  const loadStartMs = performance.now();
  await load(conn, keys);
  conn.close();
  const commitIndex = Number((await cluster.info(leader))['cairn_commit_index']);
  console.log(`loaded ${keys} keys through leader n${leader + 1} in ${((performance.now() - loadStartMs) / 1000).toFixed(1)} s, follower n${follower + 1} down`);
  // The idle compaction leaves at most a sixteenth of the state's bytes in the log (compaction-policy.ts).
  const coveredMin = Math.floor(commitIndex * 0.9);
  const covered = await waitFor(`the leader's compaction past ${coveredMin}`, () => {
    const index = lastCompactedIndex(cluster.output(leader));
    return index >= coveredMin ? index : undefined;
  }, compactionWaitMs);
  console.log(`the leader compacted up to ${covered} of ${commitIndex}: the follower gets that snapshot, then the entries after it`);
  return { cluster, follower };
}

async function installRun(keys: number): Promise<void> {
  const procs = new Procs();
  try {
    const { cluster, follower } = await startBehind(procs, keys);
    const started = cluster.startAgain(follower);
    const port = cluster.port(follower);
    await waitFor('the follower to accept clients', async () => ((await acceptsConnections(port)) ? true : undefined), startTimeoutMs);
    const reader = await RespConnection.open(port, callTimeoutMs);
    await reader.call([Buffer.from('READONLY')]);
    const startMs = performance.now();
    let installedMs = NaN;
    const samples = await getLoop(reader, keys, () => {
      const nowMs = performance.now();
      if (Number.isNaN(installedMs) && cluster.output(follower).includes('raft.snapshot_installed')) installedMs = nowMs;
      return Number.isNaN(installedMs) ? nowMs > startMs + compactionWaitMs : nowMs > installedMs + afterCompactionMs;
    });
    reader.close();
    await started;
    if (!Number.isNaN(installedMs)) console.log(`the follower installed the snapshot ${((installedMs - startMs) / 1000).toFixed(2)} s after its first GET`);
    report(samples, installedMs, 'raft.snapshot_installed');
  } finally {
    await procs.cleanup();
  }
}

/** GC pauses (perf_hooks 'gc' entries) while `run` runs: count, total, max, and how many over 10 ms. */
async function withGcPauses<T>(run: () => Promise<T>): Promise<{ result: T; gc: string }> {
  const pausesMs: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) pausesMs.push(entry.duration);
  });
  observer.observe({ entryTypes: ['gc'] });
  const result = await run();
  await new Promise((resolve) => setTimeout(resolve, 100)); // the observer is called asynchronously
  observer.disconnect();
  const totalMs = pausesMs.reduce((sum, ms) => sum + ms, 0);
  const gc = `${pausesMs.length} GC pauses, ${totalMs.toFixed(0)} ms in all, max ${Math.max(0, ...pausesMs).toFixed(1)} ms, ${pausesMs.filter((ms) => ms > 10).length} over 10 ms`;
  return { result, gc };
}

/**
 * The replica's decoding steps (SNAPSHOT_STEP_BUDGET keys each) over a snapshot of `keys` keys,
 * with the node's yield between steps (eventLoopTurn, which scavenges a full young generation):
 * each step holds the event loop. Prints the steps' times, the event-loop delay and the GC pauses.
 */
async function decodeSteps(keys: number): Promise<void> {
  const state = new KvState();
  const set = Buffer.from('SET');
  const value = Buffer.alloc(valueBytes, 'x');
  for (let i = 0; i < keys; i++) state.execute([set, Buffer.from(`key:${i}`), value], 1000);
  const bytes = state.encodeSnapshot();
  const decoder = KvState.snapshotDecoder(bytes);
  const stepsMs: number[] = [];
  const delay = monitorEventLoopDelay({ resolution: 1 });
  const startMs = performance.now();
  delay.enable();
  const { gc } = await withGcPauses(async () => {
    for (let done = false; !done; ) {
      const t = performance.now();
      done = decoder.step(SNAPSHOT_STEP_BUDGET) !== null;
      stepsMs.push(performance.now() - t);
      await eventLoopTurn();
    }
  });
  delay.disable();
  const totalMs = performance.now() - startMs;
  stepsMs.sort((a, b) => a - b);
  const f = (ms: number): string => ms.toFixed(2);
  console.log(`install (in-process): decoding ${bytes.length} bytes in ${stepsMs.length} steps of ${SNAPSHOT_STEP_BUDGET} keys took ${f(totalMs)} ms; ` +
    `step p50 ${f(percentile(stepsMs, 50))} p99 ${f(percentile(stepsMs, 99))} max ${f(stepsMs[stepsMs.length - 1] ?? NaN)} ms`);
  console.log(`  event-loop delay p50 ${f(delay.percentile(50) / 1e6)} p99 ${f(delay.percentile(99) / 1e6)} max ${f(delay.max / 1e6)} ms; ${gc}`);
}

async function main(): Promise<number> {
  const nodeExit = await runAsNodeIfAsked(process.argv);
  if (nodeExit !== undefined) return nodeExit;
  const { values } = parseArgs({
    options: { keys: { type: 'string' }, phases: { type: 'string' }, 'trace-gc': { type: 'string' }, serve: { type: 'boolean' }, port: { type: 'string' }, dir: { type: 'string' } },
  });
  if (values.serve === true) return serverMain(['--port', values.port ?? '0', '--dir', values.dir ?? 'bench-data', '--fsync', 'no']);
  const keys = Number(values.keys ?? 1_000_000);
  if (values['trace-gc'] !== undefined) traceGcFd = openSync(values['trace-gc'], 'w');
  const phases = (values.phases ?? allPhases.join(',')).split(',');
  if (!phases.every((p): p is Phase => (allPhases as readonly string[]).includes(p))) throw new Error(`--phases lists ${allPhases.join(', ')}; got ${values.phases}`);
  console.log(`bench:snapshot — ${keys} keys of ${valueBytes}-byte values; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (phases.includes('snapshot')) {
    console.log('-- a node snapshotting them (one node), GETs to it:');
    await serverRun(keys);
  }
  if (phases.includes('install')) {
    console.log('-- a follower installing them (three nodes), READONLY GETs to the follower:');
    await installRun(keys);
  }
  if (phases.includes('decode')) await decodeSteps(keys);
  console.log(`load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
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
