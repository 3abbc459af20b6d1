// Closed-loop load for one bench phase: `clients` connections to one member, each with one
// request in flight (a write of a fixed-size value, or a linearizable read) over a fixed key
// space, for a bounded time and a bounded number of samples. Reports ops/s, p50/p99 and the
// member's CPU per op (from /proc, comparable even when the machine is busy).
import { performance } from 'node:perf_hooks';
import { assert } from '../../src/lib/assert.js';
import type { BenchCluster, KvConnection } from './kv-connection.js';
import { cpuSeconds } from './procs.js';
import { Latencies } from './stats.js';

export type Op = 'write' | 'read';

export interface LoadSpec {
  readonly op: Op;
  readonly clients: number;
  readonly seconds: number;
  readonly maxOps: number;
  readonly keyCount: number;
  readonly value: Buffer;
}

export interface LoadResult {
  readonly ops: number;
  readonly opsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly firstError: string;
  /** The target member's CPU (user + system) per acknowledged op. */
  readonly cpuMicrosPerOp: number;
  /** Every live member's CPU per acknowledged op, summed: followers' heartbeat and append work included. */
  readonly clusterCpuMicrosPerOp: number;
  /** The bench process's own CPU per op: the load generator shares the machine's cores. */
  readonly clientCpuMicrosPerOp: number;
}

const maxErrorsPerPhase = 1000;
const keyStride = 7919;

export function keyName(index: number): string {
  return `bench:${String(index).padStart(6, '0')}`;
}

/** Runs one phase against `member` (the leader) and closes its connections. */
export async function runLoad(cluster: BenchCluster, member: number, spec: LoadSpec): Promise<LoadResult> {
  assert(spec.clients > 0 && spec.clients <= 1024, 'clients 1..1024');
  assert(spec.seconds > 0, 'a phase needs a positive duration');
  const connections: KvConnection[] = [];
  try {
    for (let c = 0; c < spec.clients; c++) connections.push(await cluster.connect(member));
    const latencies = new Latencies(spec.maxOps);
    const errors = { count: 0, first: '' };
    const pid = cluster.pid(member);
    const pids = cluster.live().map((m) => cluster.pid(m));
    const cpuBefore = cpuSeconds(pid);
    const clusterCpuBefore = sumCpuSeconds(pids);
    const clientCpuBefore = process.cpuUsage();
    const startMs = performance.now();
    const endMs = startMs + spec.seconds * 1000;
    await Promise.all(connections.map((connection, c) => worker(connection, c, spec, endMs, latencies, errors)));
    const elapsedMs = performance.now() - startMs;
    const cpuUsed = cpuSeconds(pid) - cpuBefore;
    const clusterCpuUsed = sumCpuSeconds(pids) - clusterCpuBefore;
    const clientCpu = process.cpuUsage(clientCpuBefore);
    return {
      ops: latencies.size,
      opsPerSecond: (latencies.size * 1000) / elapsedMs,
      p50Ms: latencies.percentile(50),
      p99Ms: latencies.percentile(99),
      errors: errors.count,
      firstError: errors.first,
      cpuMicrosPerOp: latencies.size === 0 ? Number.NaN : (cpuUsed * 1e6) / latencies.size,
      clusterCpuMicrosPerOp: latencies.size === 0 ? Number.NaN : (clusterCpuUsed * 1e6) / latencies.size,
      clientCpuMicrosPerOp: latencies.size === 0 ? Number.NaN : (clientCpu.user + clientCpu.system) / latencies.size,
    };
  } finally {
    for (const connection of connections) connection.close();
  }
}

function sumCpuSeconds(pids: readonly number[]): number {
  let seconds = 0;
  for (const pid of pids) seconds += cpuSeconds(pid);
  return seconds;
}

async function worker(connection: KvConnection, client: number, spec: LoadSpec, endMs: number, latencies: Latencies, errors: { count: number; first: string }): Promise<void> {
  let next = (client * keyStride) % spec.keyCount;
  while (performance.now() < endMs && !latencies.full) {
    const key = keyName(next);
    next = (next + 1) % spec.keyCount;
    const sentMs = performance.now();
    try {
      if (spec.op === 'write') await connection.write(key, spec.value);
      else await connection.read(key);
      latencies.add(performance.now() - sentMs);
    } catch (error) {
      if (errors.count === 0) errors.first = error instanceof Error ? error.message : String(error);
      errors.count++;
      if (errors.count > maxErrorsPerPhase) throw new Error(`more than ${maxErrorsPerPhase} errors; first: ${errors.first}`);
    }
  }
}

/** Writes every key of the key space once (so reads find values); also warms both sides up. */
export async function preload(cluster: BenchCluster, member: number, clients: number, keyCount: number, value: Buffer): Promise<void> {
  assert(keyCount > 0, 'an empty key space');
  const connections: KvConnection[] = [];
  try {
    for (let c = 0; c < clients; c++) connections.push(await cluster.connect(member));
    let next = 0;
    await Promise.all(connections.map(async (connection) => {
      while (next < keyCount) await connection.write(keyName(next++), value);
    }));
  } finally {
    for (const connection of connections) connection.close();
  }
}
