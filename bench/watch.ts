// bench:watch — change feeds against etcd 3.4's watch, same machine, same run (issue 13 item 6).
// A 3-node Cairn cluster and a 3-member etcd cluster (Debian's etcd 3.4, default fsync) on free
// loopback ports with temp data dirs. For each watcher count (100 and 1,000 by default), one phase
// per system, alternating: the watchers are opened spread over the three members and over
// --readers worker threads (default 4, so the bench's own parsing is not what limits delivery)
// (Cairn: a CAIRN.WATCH push connection each, or with --cairn-mode xread an XREAD BLOCK loop on
// `__cairn:changes`, over raw RESP; etcd: a prefix watch stream each on the v3 gateway's
// /v3/watch), then 64 writers write to the leader (Cairn SET over RESP, etcd PUT over HTTP
// keep-alive; closed loop, or paced with --write-rate) for the warm-up and the measured window.
// Last, a slow phase per system: --slow-watchers (default 1,000) watchers that stop reading once
// open, the same writers with --slow-value-bytes values (default 1,024, so that what a paused
// watcher is owed outgrows its socket buffers), and the members' RSS before and after. Reports writes/s, delivered events/s,
// p50/p99 from a write's acknowledgement to its event at a watcher, the members' CPU and RSS, the
// bench client's CPU and the load average, side by side with the ratios and the target (>= 3x
// etcd's delivered events/s with a p99 no worse). Every child is killed and every temp dir
// removed at the end, also on error or Ctrl-C.
//
//   npm run bench:watch                                  10 s windows after 3 s warm-up (~2 min)
//   npm run bench:watch -- --watchers 100 --seconds 5 --systems etcd
//   npm run bench:watch -- --cairn-mode xread              Cairn's watchers read the stream instead
//   npm run bench:watch -- --write-rate 140                both systems at the same write rate (latency at equal load)
//   npm run bench:watch -- --readers 2 --slow-watchers 0   two reader threads, no slow phase
//   node dist/bench/watch.js --node --id n1 ...          (internal: one Cairn node)
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { CairnCluster } from './lib/cairn-cluster.js';
import { EtcdCluster } from './lib/etcd-cluster.js';
import type { BenchCluster } from './lib/kv-connection.js';
import { benchMain } from './lib/bench-main.js';
import { cpuSeconds, Procs } from './lib/procs.js';
import { RespConnection } from './lib/resp-connection.js';
import { FEED } from './lib/watch-cairn.js';
import { Deliveries, maxLatencySamples } from './lib/watch-load.js';
import { startReaderThreads, type ReaderThreads } from './lib/watch-reader-thread.js';
import { startWriterThread, type WriterThread } from './lib/watch-writer-thread.js';
import { printSlowTable, printWatchTable, type WatchPhase } from './lib/watch-report.js';

const clusterSize = 3;
const callTimeoutMs = 10_000;
const openTimeoutMs = 20_000;
const keyCount = 1_000;
const keyPrefix = 'w:';
const allSystems = ['cairn', 'etcd'] as const;
type SystemName = (typeof allSystems)[number];

interface Options {
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly watcherCounts: readonly number[];
  readonly writers: number;
  /** --write-rate: writes per second all writers together start at most (0: unpaced, closed loop). */
  readonly writesPerSecond: number;
  readonly valueBytes: number;
  readonly sampleEvery: number;
  readonly systems: readonly SystemName[];
  readonly cairnMode: CairnMode;
  /** Reader threads the watchers are spread over. */
  readonly readers: number;
  /** Watchers of the last phase per system, which stop reading once open (0: no such phase). */
  readonly slowWatchers: number;
  /** The slow phase's value size: large enough that what a paused watcher is owed outgrows its socket buffers. */
  readonly slowValueBytes: number;
}

type CairnMode = 'watch' | 'xread';

function options(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    options: { seconds: { type: 'string' }, warmup: { type: 'string' }, watchers: { type: 'string' }, writers: { type: 'string' }, 'value-bytes': { type: 'string' }, 'sample-every': { type: 'string' }, systems: { type: 'string' }, 'cairn-mode': { type: 'string' }, 'write-rate': { type: 'string' }, readers: { type: 'string' }, 'slow-watchers': { type: 'string' }, 'slow-value-bytes': { type: 'string' } },
    strict: true,
  });
  const int = (name: string, text: string | undefined, fallback: number, min: number, max: number): number => {
    const value = Number(text ?? fallback);
    if (!Number.isInteger(value) || value < min || value > max) throw new Error(`--${name} must be an integer ${min}..${max}, got ${text}`);
    return value;
  };
  const watcherCounts = (values.watchers ?? '100,1000').split(',').map((w) => int('watchers', w, 0, 1, 5_000));
  const systems = values.systems === undefined ? allSystems : values.systems.split(',');
  if (systems.length === 0 || !systems.every((n): n is SystemName => (allSystems as readonly string[]).includes(n))) throw new Error(`--systems must list cairn and/or etcd, got ${values.systems}`);
  const cairnMode = values['cairn-mode'] ?? 'watch';
  if (cairnMode !== 'watch' && cairnMode !== 'xread') throw new Error(`--cairn-mode must be watch or xread, got ${cairnMode}`);
  return {
    cairnMode,
    seconds: int('seconds', values.seconds, 10, 1, 600),
    warmupSeconds: int('warmup', values.warmup, 3, 0, 600),
    watcherCounts,
    writers: int('writers', values.writers, 64, 1, 1024),
    writesPerSecond: int('write-rate', values['write-rate'], 0, 0, 1_000_000),
    valueBytes: int('value-bytes', values['value-bytes'], 32, 8, 4096),
    sampleEvery: int('sample-every', values['sample-every'], 8, 1, 1_000_000),
    systems,
    readers: int('readers', values.readers, 4, 1, 64),
    slowWatchers: int('slow-watchers', values['slow-watchers'], 1_000, 0, 5_000),
    slowValueBytes: int('slow-value-bytes', values['slow-value-bytes'], 1024, 8, 65_536),
  };
}

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

interface WatchSystem {
  readonly name: SystemName;
  readonly cluster: BenchCluster;
  /** A member's client port (the writers' and readers' threads connect to it themselves). */
  port(member: number): number;
}

/** Resident memory of a process in MB (VmRSS of /proc/<pid>/status). */
function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? Number.NaN) / 1024;
}

function clusterRssMb(cluster: BenchCluster): number {
  return cluster.live().reduce((sum, m) => sum + rssMb(cluster.pid(m)), 0);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Opens the watchers in the reader threads (paused: they stop reading once open). */
function openReaders(system: WatchSystem, watcherCount: number, opts: Options, deliveries: Deliveries, paused: boolean): Promise<ReaderThreads> {
  const ports = Array.from({ length: clusterSize }, (_, m) => system.port(m));
  return startReaderThreads({
    system: system.name, cairnMode: opts.cairnMode, ports, total: watcherCount, keyPrefix, sampleEvery: opts.sampleEvery,
    maxSamples: Math.floor(maxLatencySamples / opts.readers), ackBuffer: deliveries.ackBuffer, windowBuffer: deliveries.windowBuffer,
    pause: paused, callTimeoutMs, openTimeoutMs,
  }, Math.min(opts.readers, watcherCount));
}

async function phase(system: WatchSystem, watcherCount: number, opts: Options, paused: boolean): Promise<WatchPhase> {
  const cluster = system.cluster;
  const leader = await cluster.leader(15_000);
  const deliveries = new Deliveries(opts.sampleEvery);
  const rssBeforeMb = clusterRssMb(cluster);
  log(`${system.name}: opening ${watcherCount} ${paused ? 'paused ' : ''}watchers over ${clusterSize} members in ${opts.readers} reader threads ...`);
  let readers: ReaderThreads | undefined = await openReaders(system, watcherCount, opts, deliveries, paused);
  let load: WriterThread | undefined;
  try {
    log(`${system.name}: ${opts.writers} writers to the leader (their own thread), ${opts.warmupSeconds} s warm-up + ${opts.seconds} s measured ...`);
    load = await startWriterThread({ system: system.name, port: system.port(leader), writers: opts.writers, keyCount, valueBytes: paused ? opts.slowValueBytes : opts.valueBytes, callTimeoutMs, ackBuffer: deliveries.ackBuffer, writesPerSecond: opts.writesPerSecond });
    await sleep(opts.warmupSeconds * 1000);
    const pids = cluster.live().map((m) => cluster.pid(m));
    const loadAverage = loadavg()[0]!;
    const cpuBefore = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const clientBefore = process.cpuUsage();
    const startMs = performance.now();
    deliveries.openWindow();
    await sleep(opts.seconds * 1000);
    deliveries.closeWindow();
    const elapsedS = (performance.now() - startMs) / 1000;
    const cpuUsed = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0) - cpuBefore;
    const client = process.cpuUsage(clientBefore);
    const serverRssMb = clusterRssMb(cluster);
    const outputMb = paused ? await clientOutputMb(system) : Number.NaN;
    const writes = await load.stop();
    load = undefined;
    const { failures } = await readers.stop(deliveries);
    readers = undefined;
    if (writes.errors > 0) log(`${system.name}: ${writes.errors} write errors, first: ${writes.firstError}`);
    if (failures.length > 0) log(`${system.name}: ${failures.length} watchers failed, first: ${failures[0]}`);
    const windowWrites = deliveries.windowWrites();
    return {
      system: system.name,
      watchers: watcherCount,
      paused,
      writesPerSecond: windowWrites / elapsedS,
      deliveredPerSecond: deliveries.counted / elapsedS,
      keptUp: windowWrites === 0 ? Number.NaN : deliveries.counted / (windowWrites * watcherCount),
      p50Ms: deliveries.latencies.percentile(50),
      p99Ms: deliveries.latencies.percentile(99),
      serverCores: cpuUsed / elapsedS,
      serverMicrosPerEvent: deliveries.counted === 0 ? Number.NaN : (cpuUsed * 1e6) / deliveries.counted,
      serverRssMb,
      rssBeforeMb,
      outputMb,
      clientCores: (client.user + client.system) / 1e6 / elapsedS,
      loadAverage,
      watcherFailures: failures.length,
      writeErrors: writes.errors,
    };
  } finally {
    await load?.stop();
    await readers?.stop(deliveries);
  }
}

/** Cairn: the output buffer bytes (CLIENT LIST omem) every member holds for its clients, summed, in MB; NaN for etcd. */
async function clientOutputMb(system: WatchSystem): Promise<number> {
  if (system.name !== 'cairn') return Number.NaN;
  let bytes = 0;
  for (const member of system.cluster.live()) {
    const connection = await RespConnection.open(system.port(member), callTimeoutMs);
    try {
      const list = await connection.call([Buffer.from('CLIENT'), Buffer.from('LIST')]);
      if (list.type !== 'bulk') throw new Error(`CLIENT LIST: ${JSON.stringify(list).slice(0, 200)}`);
      for (const match of list.value.toString('latin1').matchAll(/ omem=(\d+)/g)) bytes += Number(match[1]);
    } finally {
      connection.close();
    }
  }
  return bytes / 1024 / 1024;
}

/** Whether this Cairn build has what the mode needs: the change feed (CAIRN.REVISION answers), CAIRN.WATCH. */
async function hasChangeFeed(cluster: CairnCluster, mode: CairnMode): Promise<boolean> {
  const connection = await RespConnection.open(cluster.port(0), callTimeoutMs);
  try {
    if ((await connection.call([Buffer.from('CAIRN.REVISION')])).type !== 'integer') return false;
    const info = await connection.call(['COMMAND', 'INFO', 'CAIRN.WATCH'].map((a) => Buffer.from(a)));
    return mode === 'xread' || (info.type === 'array' && info.items[0]?.type === 'array');
  } finally {
    connection.close();
  }
}

async function run(opts: Options, procs: Procs): Promise<void> {
  const nodeCommand = [...process.execArgv, process.argv[1]!, '--node'];
  log(`starting a ${clusterSize}-member cluster of ${opts.systems.join(' and ')} ...`);
  const [cairn, etcd] = await Promise.all([
    opts.systems.includes('cairn') ? CairnCluster.start(procs, clusterSize, callTimeoutMs, nodeCommand) : undefined,
    opts.systems.includes('etcd') ? EtcdCluster.start(procs, clusterSize, callTimeoutMs) : undefined,
  ]);
  const systems: WatchSystem[] = [];
  if (cairn !== undefined) {
    if (await hasChangeFeed(cairn, opts.cairnMode)) systems.push({ name: 'cairn', cluster: cairn, port: (member) => cairn.port(member) });
    else log(`cairn: this build has no ${opts.cairnMode === 'xread' ? FEED : 'CAIRN.WATCH'}; its side is skipped`);
  }
  if (etcd !== undefined) systems.push({ name: 'etcd', cluster: etcd, port: (member) => etcd.clientPort(member) });
  const phases: WatchPhase[] = [];
  for (const watcherCount of opts.watcherCounts) {
    for (const system of systems) phases.push(await phase(system, watcherCount, opts, false));
  }
  // Last: a slow phase leaves the members' heaps grown, which would skew later phases' RSS.
  if (opts.slowWatchers > 0) for (const system of systems) phases.push(await phase(system, opts.slowWatchers, opts, true));
  const cairnWatchers = opts.cairnMode === 'xread' ? `XREAD BLOCK on ${FEED}` : `CAIRN.WATCH ${keyPrefix}*`;
  const header = `3-node Cairn (fsync always; watchers: ${cairnWatchers}) vs 3-member etcd 3.4 (watch streams on the v3 JSON gateway); ${opts.writers} writers to the leader${opts.writesPerSecond > 0 ? ` paced to ${opts.writesPerSecond} writes/s` : ''}, ${opts.valueBytes}-byte values over ${keyCount} keys; ${opts.warmupSeconds} s warm-up, ${opts.seconds} s measured; latency sampled on every ${opts.sampleEvery}th write`;
  printWatchTable(phases.filter((p) => !p.paused), header);
  if (opts.slowWatchers > 0) printSlowTable(phases.filter((p) => p.paused), opts.slowValueBytes);
}

process.exitCode = await benchMain(options, run, log);
