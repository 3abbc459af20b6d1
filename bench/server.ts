// bench:server — Cairn against Redis on the same machine in the same run. Starts a Cairn node
// (`cairn server`: a one-member Raft cluster, fsync always), redis-server with AOF fsync always and
// redis-server without persistence, each on a free port with its own temp dir; runs every test of
// redis-benchmark's default run (PING, SET, GET, INCR, LPUSH, RPUSH, LPOP, RPOP, SADD, HSET, SPOP,
// ZADD, ZPOPMIN, LRANGE_100..600, MSET) with `-c 50 -r 100000` (a random keyspace: one key
// flatters) at -P 1 and -P 16 against each, after a warm-up; prints requests/s, p50 and p99 side
// by side with Cairn's ratio to the Redis with matching durability, each server's CPU time per
// request (user + system, from /proc; comparable when the machine is busy) and each server's RSS
// at the end; stops everything, removes temp dirs.
//
// With --tls, the Cairn node and redis-server (AOF always) each listen on a plain and a TLS port
// (certificates from a fresh test CA, clients with a certificate as tls-auth-clients yes wants), and
// every test runs against both ports of each: the table gives TLS over plain for Cairn and for Redis,
// and the ratio of the two ratios (target: Cairn's TLS/plain at least Redis's), then each server's RSS.
//
//   npm run bench:server                         N = 100,000 per test
//   npm run bench:server -- -n 20000 -t set,get  a quick run of some tests
//   npm run bench:server -- --tls -t set,get     TLS against plain, Cairn and Redis, same run
//   node dist/bench/server.js --serve --port P --dir D [--tls-port T ...]   (internal: the Cairn node process)

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { serverSpawnSettings } from '../src/cli/launch.js';
import { main as serverMain } from '../src/cli/server.js';
import { acceptsConnections, freePort } from '../test/support/free-port.js';
import { makeCertAuthority, type CertFiles } from '../test/support/certs.js';

interface Result {
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Server CPU (user + system, all threads) per request: comparable even on a busy machine. */
  readonly cpuMicros: number;
}

interface Target {
  readonly name: string;
  readonly port: number;
  readonly proc: ChildProcess;
  readonly dir: string;
  /** The same server's TLS port (--tls runs). */
  readonly tlsPort?: number;
}

/** What redis-benchmark needs to connect over TLS: the CA, and a client certificate (tls-auth-clients yes). */
interface TlsClient {
  readonly caFile: string;
  readonly cert: CertFiles;
}

const clients = 50;
const keyspaceKeys = 100_000;
const pipelines = [1, 16] as const;
/** redis-benchmark's default run, as -t groups (ping runs PING_INLINE and PING_MBULK; lrange fills a list, then LRANGE_100..600). */
const defaultGroups = ['ping', 'set', 'get', 'incr', 'lpush', 'rpush', 'lpop', 'rpop', 'sadd', 'hset', 'spop', 'zadd', 'zpopmin', 'lrange', 'mset'];
const startTimeoutMs = 30_000;
const warmupRequests = 50_000;


async function waitAccepting(target: Target): Promise<void> {
  const deadline = Date.now() + startTimeoutMs;
  while (!(await acceptsConnections(target.port))) {
    if (target.proc.exitCode !== null) throw new Error(`${target.name} exited with ${target.proc.exitCode}`);
    if (Date.now() > deadline) throw new Error(`${target.name} did not start within ${startTimeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function startTarget(name: string, command: string, args: (port: number, dir: string) => string[], env = process.env, tlsArgs?: (tlsPort: number) => string[]): Promise<Target> {
  const port = await freePort();
  const tlsPort = tlsArgs === undefined ? undefined : await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'cairn-bench-'));
  const proc = spawn(command, [...args(port, dir), ...(tlsPort === undefined ? [] : tlsArgs!(tlsPort))], { stdio: ['ignore', 'ignore', 'inherit'], env });
  const target = { name, port, proc, dir, ...(tlsPort === undefined ? {} : { tlsPort }) };
  await waitAccepting(target);
  return target;
}

async function stopTarget(target: Target): Promise<void> {
  if (target.proc.exitCode === null && target.proc.signalCode === null) {
    const exited = new Promise((resolve) => target.proc.once('exit', resolve));
    target.proc.kill('SIGTERM');
    await exited;
  }
  await rm(target.dir, { recursive: true, force: true });
}

const clockTicksPerSecond = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU seconds (user + system, every thread) a process has used, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
}

/** Resident memory of a process in bytes, from /proc/<pid>/status. */
function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/**
 * Runs redis-benchmark for one -t group and parses its --csv lines (test → rps, p50, p99), plus
 * server CPU per request; over the target's TLS port when `tls` is given.
 */
function benchmark(target: Target, group: string, requests: number, pipeline: number, tls?: TlsClient): Map<string, Result> {
  const port = tls === undefined ? target.port : target.tlsPort;
  if (port === undefined) throw new Error(`${target.name} has no TLS port`);
  const secure = tls === undefined ? [] : ['--tls', '--cacert', tls.caFile, '--cert', tls.cert.certFile, '--key', tls.cert.keyFile];
  const args = ['-h', '127.0.0.1', '-p', String(port), ...secure, '-c', String(clients), '-n', String(requests), '-r', String(keyspaceKeys), '-t', group, '-P', String(pipeline), '--csv'];
  const cpuBefore = cpuSeconds(target.proc.pid!);
  const run = spawnSync('redis-benchmark', args, { encoding: 'utf8', timeout: 900_000 });
  const cpuUsed = cpuSeconds(target.proc.pid!) - cpuBefore;
  if (run.status !== 0) throw new Error(`redis-benchmark -t ${group} failed against ${target.name}: ${run.stderr}`);
  const results = new Map<string, Result>();
  const lines = run.stdout.split('\n').map((line) => line.split(',').map((f) => f.replace(/"/g, ''))).filter((f) => f.length >= 7 && f[0] !== 'test');
  for (const fields of lines) {
    results.set(fields[0]!, { rps: Number(fields[1]), p50Ms: Number(fields[4]), p99Ms: Number(fields[6]), cpuMicros: (cpuUsed * 1e6) / (requests * lines.length) });
  }
  if (results.size === 0) throw new Error(`no result line for -t ${group} in redis-benchmark output: ${run.stdout}`);
  return results;
}

async function compare(requests: number, groups: readonly string[]): Promise<void> {
  const self = process.argv[1]!;
  const targets: Target[] = [];
  try {
    // With the server's V8 flags and malloc settings, as `cairn server` runs, but no launcher: its pid is the server's.
    const { execArgv, env } = serverSpawnSettings(process.execArgv, process.env);
    targets.push(await startTarget('cairn (fsync always)', process.execPath, (port, dir) => [...execArgv, self, '--serve', '--port', String(port), '--dir', dir], env));
    const redisArgs = (extra: string[]) => (port: number, dir: string) => ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...extra];
    targets.push(await startTarget('redis aof always', 'redis-server', redisArgs(['--appendonly', 'yes', '--appendfsync', 'always'])));
    targets.push(await startTarget('redis no persistence', 'redis-server', redisArgs(['--appendonly', 'no'])));
    const results = new Map<string, Result>();
    const testNames: string[] = [];
    const rss = new Map<string, number>();
    for (const target of targets) {
      // Warm up (the JIT, the page cache, the log's first segment, every key of the keyspace) before anything is measured.
      process.stderr.write(`bench: warming up ${target.name} ...\n`);
      for (const group of ['set', 'get']) benchmark(target, group, warmupRequests, 16);
      for (const pipeline of pipelines) {
        for (const group of groups) {
          process.stderr.write(`bench: ${target.name} -t ${group} -P ${pipeline} ...\n`);
          for (const [test, result] of benchmark(target, group, requests, pipeline)) {
            if (!testNames.includes(test)) testNames.push(test);
            results.set(`${target.name}|${test}|${pipeline}`, result);
          }
        }
      }
      rss.set(target.name, rssBytes(target.proc.pid!));
    }
    printTable(requests, targets, testNames, results);
    printRss(targets, rss);
  } finally {
    for (const target of targets) await stopTarget(target);
  }
}

function printRss(targets: readonly Target[], rss: ReadonlyMap<string, number>): void {
  console.log('\nRSS at the end of the run (MB):');
  for (const target of targets) console.log(`  ${target.name.padEnd(22)} ${(rss.get(target.name)! / 1e6).toFixed(0).padStart(6)}`);
}

function printTable(requests: number, targets: readonly Target[], tests: readonly string[], results: Map<string, Result>): void {
  console.log(`\nredis-benchmark -c ${clients} -n ${requests} -r ${keyspaceKeys}; latencies in ms; cpu = server CPU per request\n`);
  console.log(['test'.padEnd(28), 'server'.padEnd(22), 'requests/s'.padStart(12), 'p50'.padStart(7), 'p99'.padStart(8), 'cpu µs'.padStart(8), 'vs aof-always'.padStart(14), 'target'.padStart(7)].join(' '));
  for (const pipeline of pipelines) {
    for (const test of tests) {
      const durable = results.get(`${targets[1]!.name}|${test}|${pipeline}`);
      for (const [i, target] of targets.entries()) {
        const r = results.get(`${target.name}|${test}|${pipeline}`);
        if (r === undefined) continue;
        const ratio = i === 0 && durable !== undefined ? r.rps / durable.rps : undefined;
        const goal = pipeline === 1 ? 0.7 : 0.5;
        const verdict = ratio === undefined ? '' : `${(ratio * 100).toFixed(0)}%${ratio >= goal ? ' ok' : ' MISS'}`;
        console.log([
          (i === 0 ? `${test} -P ${pipeline}` : '').padEnd(28),
          target.name.padEnd(22),
          Math.round(r.rps).toLocaleString('en-US').padStart(12),
          r.p50Ms.toFixed(2).padStart(7),
          r.p99Ms.toFixed(2).padStart(8),
          r.cpuMicros.toFixed(1).padStart(8),
          verdict.padStart(14),
          (i === 0 ? `${goal * 100}%` : '').padStart(7),
        ].join(' '));
      }
    }
  }
}

/**
 * --tls: the Cairn node and redis-server (AOF always) each serve a plain and a TLS port; every test
 * runs on both ports of each, one server at a time, and the table shows TLS over plain for each and
 * the ratio of the two (Cairn's TLS/plain over Redis's).
 */
async function compareTls(requests: number, groups: readonly string[]): Promise<void> {
  const ca = makeCertAuthority('bench-ca');
  const server = ca.issue('bench-server');
  const tls: TlsClient = { caFile: ca.certFile, cert: ca.issue('bench-client', { clientOnly: true }) };
  const tlsArgs = (flagPrefix: string) => (tlsPort: number) => [`${flagPrefix}tls-port`, String(tlsPort), `${flagPrefix}tls-cert-file`, server.certFile, `${flagPrefix}tls-key-file`, server.keyFile, `${flagPrefix}tls-ca-cert-file`, ca.certFile];
  const targets: Target[] = [];
  try {
    const { execArgv, env } = serverSpawnSettings(process.execArgv, process.env);
    const self = process.argv[1]!;
    targets.push(await startTarget('cairn (fsync always)', process.execPath, (port, dir) => [...execArgv, self, '--serve', '--port', String(port), '--dir', dir], env, tlsArgs('--')));
    const redisArgs = (port: number, dir: string) => ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'];
    targets.push(await startTarget('redis aof always', 'redis-server', redisArgs, process.env, tlsArgs('--')));
    const results = new Map<string, Result>();
    const testNames: string[] = [];
    const rss = new Map<string, number>();
    for (const target of targets) {
      process.stderr.write(`bench: warming up ${target.name} (plain and TLS) ...\n`);
      for (const mode of [undefined, tls]) for (const group of ['set', 'get']) benchmark(target, group, warmupRequests, 16, mode);
      for (const pipeline of pipelines) {
        for (const group of groups) {
          for (const [modeName, mode] of [['plain', undefined], ['tls', tls]] as const) {
            process.stderr.write(`bench: ${target.name} ${modeName} -t ${group} -P ${pipeline} ...\n`);
            for (const [test, result] of benchmark(target, group, requests, pipeline, mode)) {
              if (!testNames.includes(test)) testNames.push(test);
              results.set(`${target.name}|${modeName}|${test}|${pipeline}`, result);
            }
          }
        }
      }
      rss.set(target.name, rssBytes(target.proc.pid!));
    }
    printTlsTable(requests, targets, testNames, results);
    printRss(targets, rss);
  } finally {
    for (const target of targets) await stopTarget(target);
    ca.remove();
  }
}

function printTlsTable(requests: number, targets: readonly Target[], tests: readonly string[], results: Map<string, Result>): void {
  console.log(`\nredis-benchmark -c ${clients} -n ${requests} -r ${keyspaceKeys}, plain port and TLS port (TLS 1.3, client certificates); requests/s; cpu = server CPU µs per request; load ${loadAverage()}\n`);
  console.log(['test'.padEnd(24), 'server'.padEnd(22), 'plain r/s'.padStart(10), 'tls r/s'.padStart(10), 'p50 tls'.padStart(8), 'p99 tls'.padStart(8), 'cpu plain'.padStart(9), 'cpu tls'.padStart(8), 'tls/plain'.padStart(10), 'vs redis'.padStart(9)].join(' '));
  for (const pipeline of pipelines) {
    for (const test of tests) {
      const ratios = targets.map((target) => {
        const plain = results.get(`${target.name}|plain|${test}|${pipeline}`);
        const secure = results.get(`${target.name}|tls|${test}|${pipeline}`);
        return plain === undefined || secure === undefined ? undefined : { plain, secure, ratio: secure.rps / plain.rps };
      });
      for (const [i, target] of targets.entries()) {
        const r = ratios[i];
        if (r === undefined) continue;
        const redis = ratios[targets.length - 1];
        const versus = i === 0 && redis !== undefined ? `${(r.ratio / redis.ratio).toFixed(2)}${r.ratio >= redis.ratio ? ' ok' : ' MISS'}` : '';
        console.log([
          (i === 0 ? `${test} -P ${pipeline}` : '').padEnd(24), target.name.padEnd(22),
          Math.round(r.plain.rps).toLocaleString('en-US').padStart(10), Math.round(r.secure.rps).toLocaleString('en-US').padStart(10),
          r.secure.p50Ms.toFixed(2).padStart(8), r.secure.p99Ms.toFixed(2).padStart(8),
          r.plain.cpuMicros.toFixed(1).padStart(9), r.secure.cpuMicros.toFixed(1).padStart(8),
          `${(r.ratio * 100).toFixed(0)}%`.padStart(10), versus.padStart(9),
        ].join(' '));
      }
    }
  }
}

function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', short: 'n' },
      t: { type: 'string', short: 't' },
      serve: { type: 'boolean' },
      port: { type: 'string' },
      dir: { type: 'string' },
      tls: { type: 'boolean' },
      'tls-port': { type: 'string' },
      'tls-cert-file': { type: 'string' },
      'tls-key-file': { type: 'string' },
      'tls-ca-cert-file': { type: 'string' },
    },
    strict: true,
  });
  if (values.serve === true) {
    const tls = values['tls-port'] === undefined ? [] : ['--tls-port', values['tls-port'], '--tls-cert-file', values['tls-cert-file'] ?? '', '--tls-key-file', values['tls-key-file'] ?? '', '--tls-ca-cert-file', values['tls-ca-cert-file'] ?? ''];
    return serverMain(['--port', values.port ?? '0', '--dir', values.dir ?? 'bench-data', '--fsync', 'always', ...tls]);
  }
  const requests = Number(values.n ?? 100_000);
  if (!Number.isInteger(requests) || requests <= 0) throw new Error(`-n must be a positive integer, got ${values.n}`);
  const groups = values.t === undefined ? defaultGroups : values.t.split(',');
  if (values.tls === true) await compareTls(requests, groups);
  else await compare(requests, groups);
  return 0;
}

process.exitCode = await main();
