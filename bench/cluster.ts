// bench:cluster — a 3-node Cairn cluster against a 3-member etcd cluster, same machine, same run
// (issue 5 item 10). Starts both on free loopback ports with temp data dirs (Cairn: fsync always,
// default timings; etcd: default fsync and timings), preloads the same key space into both, then
// measures, alternating the two systems phase by phase so both see the same machine:
//   - writes/s, p50/p99 at 1, 16 and 64 clients (Cairn SET over raw RESP to the leader; etcd PUT
//     of the same 100-byte values through the v3 JSON gateway to its leader, keep-alive sockets);
//   - linearizable reads likewise (Cairn GET, ReadIndex; etcd range, linearizable by default);
//   - failover: kill -9 the leader while writers run on the other members, time to the first
//     write acknowledged by the new leader, several rounds each (the killed member restarts
//     and catches up between rounds).
// Prints one table with both systems, the ratios Cairn/etcd and the issue's targets. Every child
// is killed and every temp dir removed at the end, also on error or Ctrl-C.
//
//   npm run bench:cluster                        8 s per phase, 5 failover rounds (~2-3 min)
//   npm run bench:cluster -- --seconds 2 --rounds 2
//   npm run bench:cluster -- --cpu-prof DIR      also write a CPU profile per Cairn node to DIR
//                                                (nodes stop with SIGTERM so node writes them;
//                                                failover rounds are skipped)
//   npm run bench:cluster -- --ops write --clients 64 --rounds 0   only some phases
//   npm run bench:cluster -- --systems cairn      only one system (a profile, a before/after)
//   npm run bench:cluster -- --to follower        clients on a follower (it forwards to the leader)
//   npm run bench:cluster -- --peer-tls           Cairn with plain peer links against Cairn with mutual
//                                                TLS on them (certificates from a throwaway CA), same
//                                                run, phases alternating, then each member's RSS; no etcd, no failover
//   node dist/bench/cluster.js --node --id n1 ...   (internal: one Cairn node, runClusterNode)
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { CairnCluster, type CairnVariant } from './lib/cairn-cluster.js';
import { printPeerTlsTable, type PeerTlsRow } from './lib/peer-tls-report.js';
import { makeCertAuthority } from '../test/support/certs.js';
import { EtcdCluster } from './lib/etcd-cluster.js';
import { failoverRound } from './lib/failover.js';
import type { BenchCluster } from './lib/kv-connection.js';
import { preload, runLoad, type LoadResult, type Op } from './lib/load.js';
import { Procs, rssMegabytes } from './lib/procs.js';
import { printTable, type Row } from './lib/cluster-report.js';
import { benchMain } from './lib/bench-main.js';

const clusterSize = 3;
const defaultClientCounts = [1, 16, 64] as const;
const allOps: readonly Op[] = ['write', 'read'];
const allSystems = ['cairn', 'etcd'] as const;
type SystemName = (typeof allSystems)[number];
const maxClients = 1024;
const valueBytes = 100;
const keyCount = 10_000;
const preloadClients = 64;
const maxOpsPerPhase = 2_000_000;
const callTimeoutMs = 10_000;
const failoverRoundTimeoutMs = 20_000;
const stopTimeoutMs = 10_000;

interface Options {
  readonly seconds: number;
  readonly rounds: number;
  readonly cpuProfDir: string | undefined;
  readonly clientCounts: readonly number[];
  readonly ops: readonly Op[];
  readonly systems: readonly SystemName[];
  /** Which member the clients connect to. */
  readonly to: 'leader' | 'follower';
  /** Cairn with plain peer links against Cairn over peer TLS, instead of Cairn against etcd. */
  readonly peerTls: boolean;
}

function options(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    options: { seconds: { type: 'string' }, rounds: { type: 'string' }, 'cpu-prof': { type: 'string' }, clients: { type: 'string' }, ops: { type: 'string' }, systems: { type: 'string' }, to: { type: 'string' }, 'peer-tls': { type: 'boolean' } },
    strict: true,
  });
  const seconds = Number(values.seconds ?? 8);
  const rounds = Number(values.rounds ?? 5);
  if (!(seconds > 0 && seconds <= 600)) throw new Error(`--seconds must be in (0, 600], got ${values.seconds}`);
  if (!(Number.isInteger(rounds) && rounds >= 0 && rounds <= 50)) throw new Error(`--rounds must be an integer 0..50, got ${values.rounds}`);
  const clientCounts = values.clients === undefined ? [...defaultClientCounts] : values.clients.split(',').map(Number);
  if (clientCounts.length === 0 || !clientCounts.every((c) => Number.isInteger(c) && c >= 1 && c <= maxClients)) {
    throw new Error(`--clients must list client counts 1..${maxClients}, got ${values.clients}`);
  }
  const ops = values.ops === undefined ? allOps : values.ops.split(',');
  if (!ops.every((op): op is Op => (allOps as readonly string[]).includes(op))) throw new Error(`--ops must list write and/or read, got ${values.ops}`);
  const systems = values.systems === undefined ? allSystems : values.systems.split(',');
  if (systems.length === 0 || !systems.every((n): n is SystemName => (allSystems as readonly string[]).includes(n))) {
    throw new Error(`--systems must list cairn and/or etcd, got ${values.systems}`);
  }
  const to = values.to ?? 'leader';
  if (to !== 'leader' && to !== 'follower') throw new Error(`--to must be leader or follower, got ${values.to}`);
  return { seconds, rounds, cpuProfDir: values['cpu-prof'], clientCounts, ops, systems, to, peerTls: values['peer-tls'] === true };
}

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

async function phase(system: BenchCluster, op: Op, clients: number, opts: Options, value: Buffer): Promise<LoadResult> {
  const leader = await system.leader(15_000);
  const member = opts.to === 'leader' ? leader : (leader + 1) % system.size;
  const seconds = opts.seconds;
  log(`${system.name} ${op}s, ${clients} clients on the ${opts.to}, ${seconds} s ...`);
  const result = await runLoad(system, member, { op, clients, seconds, maxOps: maxOpsPerPhase, keyCount, value });
  if (result.errors > 0) log(`${system.name}: ${result.errors} errors, first: ${result.firstError}`);
  return result;
}

async function failovers(system: BenchCluster, rounds: number, value: Buffer): Promise<number[]> {
  const timesMs: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const ms = await failoverRound(system, keyCount, value, failoverRoundTimeoutMs);
    log(`${system.name} failover round ${round}: ${ms.toFixed(0)} ms`);
    timesMs.push(ms);
  }
  return timesMs;
}

/** The same key space into every system that runs (also the warm-up). */
async function preloadAll(systems: readonly (BenchCluster | undefined)[], value: Buffer): Promise<void> {
  for (const system of systems) {
    if (system === undefined) continue;
    log(`${system.name}: preloading ${keyCount} keys of ${valueBytes} bytes (also the warm-up) ...`);
    await preload(system, await system.leader(15_000), preloadClients, keyCount, value);
  }
}

/** Peer TLS flags per member, from a throwaway CA in a temp dir the Procs remove. */
async function peerTlsVariant(procs: Procs): Promise<CairnVariant> {
  const ca = makeCertAuthority('bench-ca', join(await procs.tempDir('cairn-bench-certs-')));
  return {
    name: 'cairn peer TLS',
    memberArgs: (id) => {
      const leaf = ca.issue(id);
      return ['--peer-cert-file', leaf.certFile, '--peer-key-file', leaf.keyFile, '--peer-trusted-ca-file', ca.certFile];
    },
  };
}

/** --peer-tls: the same cluster with and without TLS on its peer links, phase by phase. */
async function runPeerTls(opts: Options, procs: Procs, nodeCommand: readonly string[], value: Buffer): Promise<void> {
  log(`starting two ${clusterSize}-member Cairn clusters: plain peer links and peer TLS ...`);
  const [plain, tls] = await Promise.all([
    CairnCluster.start(procs, clusterSize, callTimeoutMs, nodeCommand),
    CairnCluster.start(procs, clusterSize, callTimeoutMs, nodeCommand, await peerTlsVariant(procs)),
  ]);
  await preloadAll([plain, tls], value);
  const loadAverage = loadavg()[0]!;
  const rows: PeerTlsRow[] = [];
  for (const op of opts.ops) {
    for (const clients of opts.clientCounts) {
      rows.push({ op, clients, plain: await phase(plain, op, clients, opts, value), tls: await phase(tls, op, clients, opts, value) });
    }
  }
  printPeerTlsTable({ seconds: opts.seconds, valueBytes, keyCount, loadAverage, rows });
  console.log('\nRSS at the end of the run (MB):');
  for (const cluster of [plain, tls]) {
    const members = Array.from({ length: clusterSize }, (_, i) => `n${i + 1} ${rssMegabytes(cluster.pid(i)).toFixed(0)}`);
    console.log(`  ${cluster.name.padEnd(16)} ${members.join('  ')}`);
  }
}

async function run(opts: Options, procs: Procs): Promise<void> {
  const value = Buffer.alloc(valueBytes, 'v');
  const profile = opts.cpuProfDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', opts.cpuProfDir];
  const nodeCommand = [...process.execArgv, ...profile, process.argv[1]!, '--node'];
  if (opts.peerTls) return runPeerTls(opts, procs, nodeCommand, value);
  log(`starting a ${clusterSize}-member cluster of ${opts.systems.join(' and ')} ...`);
  const [cairn, etcd] = await Promise.all([
    opts.systems.includes('cairn') ? CairnCluster.start(procs, clusterSize, callTimeoutMs, nodeCommand) : undefined,
    opts.systems.includes('etcd') ? EtcdCluster.start(procs, clusterSize, callTimeoutMs) : undefined,
  ]);
  await preloadAll([cairn, etcd], value);
  const loadAverage = loadavg()[0]!;
  const rows: Row[] = [];
  for (const op of opts.ops) {
    for (const clients of opts.clientCounts) {
      const cairnResult = cairn === undefined ? undefined : await phase(cairn, op, clients, opts, value);
      const etcdResult = etcd === undefined ? undefined : await phase(etcd, op, clients, opts, value);
      rows.push({ op, clients, cairn: cairnResult, etcd: etcdResult });
    }
  }
  let failover: { cairnMs: number[]; etcdMs: number[] } | undefined;
  if (opts.cpuProfDir === undefined && opts.rounds > 0) {
    const cairnMs = cairn === undefined ? [] : await failovers(cairn, opts.rounds, value);
    const etcdMs = etcd === undefined ? [] : await failovers(etcd, opts.rounds, value);
    failover = { cairnMs, etcdMs };
  } else if (opts.cpuProfDir !== undefined && cairn !== undefined) {
    log(`stopping Cairn with SIGTERM so the profiles land in ${opts.cpuProfDir} (failover skipped)`);
    await cairn.stopAll(stopTimeoutMs);
  }
  printTable({ seconds: opts.seconds, valueBytes, keyCount, rows, failover, loadAverage, to: opts.to });
}

process.exitCode = await benchMain(options, run, log);
