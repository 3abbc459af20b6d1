// bench:bullmq — BullMQ jobs per second (add + process) on a 3-node Cairn cluster (fsync always)
// against redis-server with appendonly yes and appendfsync always, same machine, same run (issue
// #12 item 5: target ≥ 0.5× Redis). Each round adds N jobs through P producers (each keeping a few
// adds in flight) while W workers process them (an empty processor, concurrency C each); a job's
// latency runs from the start of its add to its worker's `completed` event. The systems alternate
// round by round so both see the same machine. Prints jobs/s, p50/p99 job latency, server CPU µs per
// job (/proc: redis-server's process, the sum of the Cairn members) and the 1-minute load average.
//
//   npm run bench:bullmq                           2000 jobs, 2 rounds, clients on the leader
//   npm run bench:bullmq -- --jobs 500 --rounds 1 --producers 4 --workers 2 --concurrency 8
//   npm run bench:bullmq -- --to spread            producers on n1, workers on every member
//   npm run bench:bullmq -- --systems cairn
//   npm run bench:bullmq -- --cpu-prof DIR         also write a CPU profile per Cairn node to DIR
//   node dist/bench/bullmq.js --node --id n1 ...   (internal: one Cairn node, runClusterNode)
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Queue, Worker } from 'bullmq';
import { CairnCluster } from './lib/cairn-cluster.js';
import { cpuSeconds, freePort, Procs, waitFor, type Child } from './lib/procs.js';
import { RespConnection } from './lib/resp-connection.js';
import { Latencies } from './lib/stats.js';
import { benchMain } from './lib/bench-main.js';

const clusterSize = 3;
const callTimeoutMs = 10_000;
const startTimeoutMs = 30_000;
const addsInFlightPerProducer = 8;
const systemNames = ['redis', 'cairn'] as const;
type SystemName = (typeof systemNames)[number];

interface Options {
  readonly jobs: number;
  readonly rounds: number;
  readonly producers: number;
  readonly workers: number;
  readonly concurrency: number;
  readonly to: 'leader' | 'spread';
  readonly systems: readonly SystemName[];
  readonly cpuProfDir: string | undefined;
}

function positive(value: string | undefined, fallback: number, max: number, name: string): number {
  const n = Number(value ?? fallback);
  if (!(Number.isInteger(n) && n >= 1 && n <= max)) throw new Error(`--${name} must be an integer 1..${max}, got ${value}`);
  return n;
}

function options(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    options: { jobs: { type: 'string' }, rounds: { type: 'string' }, producers: { type: 'string' }, workers: { type: 'string' }, concurrency: { type: 'string' }, to: { type: 'string' }, systems: { type: 'string' }, 'cpu-prof': { type: 'string' } },
    strict: true,
  });
  const to = values.to ?? 'leader';
  if (to !== 'leader' && to !== 'spread') throw new Error(`--to must be leader or spread, got ${values.to}`);
  const systems = values.systems === undefined ? systemNames : values.systems.split(',');
  if (systems.length === 0 || !systems.every((s): s is SystemName => (systemNames as readonly string[]).includes(s))) throw new Error(`--systems must list redis and/or cairn, got ${values.systems}`);
  return {
    jobs: positive(values.jobs, 2000, 1_000_000, 'jobs'),
    rounds: positive(values.rounds, 2, 20, 'rounds'),
    producers: positive(values.producers, 4, 64, 'producers'),
    workers: positive(values.workers, 2, 16, 'workers'),
    concurrency: positive(values.concurrency, 8, 256, 'concurrency'),
    to,
    systems,
    cpuProfDir: values['cpu-prof'],
  };
}

/** A system under test: where producers and workers connect, and the server processes to charge CPU to. */
interface System {
  readonly name: SystemName;
  producerPort(i: number): number;
  workerPort(i: number): number;
  pids(): number[];
  /** Counters read before and after a round (per job in the report): commands, and on Cairn log entries and fsyncs. */
  counters(): Promise<Counters>;
}

type Counters = Readonly<Record<string, number>>;

/** INFO `section` of the server on `port` as numeric fields. */
async function infoNumbers(port: number, section: string): Promise<Record<string, number>> {
  const connection = await RespConnection.open(port, callTimeoutMs);
  try {
    const reply = await connection.call([Buffer.from('INFO'), Buffer.from(section)]);
    if (reply.type !== 'bulk') throw new Error(`INFO ${section} answered ${reply.type}`);
    const fields = reply.value.toString().split('\r\n').filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), Number(l.slice(l.indexOf(':') + 1))] as const);
    return Object.fromEntries(fields.filter(([, n]) => Number.isFinite(n)));
  } finally {
    connection.close();
  }
}

async function startRedis(procs: Procs): Promise<System> {
  const port = await freePort();
  const dir = await procs.tempDir('cairn-bench-bullmq-redis-');
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'];
  const child: Child = procs.spawn('redis-server', 'redis-server', args);
  await waitFor('redis-server to be ready', () => {
    if (!child.alive()) throw new Error(`redis-server exited: ${child.output()}`);
    return child.output().includes('Ready to accept connections') ? true : undefined;
  }, startTimeoutMs);
  const counters = async (): Promise<Counters> => ({ commands: (await infoNumbers(port, 'stats'))['total_commands_processed'] ?? Number.NaN });
  return { name: 'redis', producerPort: () => port, workerPort: () => port, pids: () => [child.proc.pid!], counters };
}

async function startCairn(procs: Procs, to: Options['to'], cpuProfDir: string | undefined): Promise<{ system: System; cluster: CairnCluster }> {
  const profile = cpuProfDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', cpuProfDir];
  const cluster = await CairnCluster.start(procs, clusterSize, callTimeoutMs, [...process.execArgv, ...profile, process.argv[1]!, '--node']);
  const leader = await cluster.leader(startTimeoutMs);
  const spread = (i: number): number => cluster.port(i % clusterSize);
  const counters = async (): Promise<Counters> => {
    const [stats, persistence] = await Promise.all([infoNumbers(cluster.port(leader), 'stats'), infoNumbers(cluster.port(leader), 'persistence')]);
    return { commands: stats['total_commands_processed'] ?? Number.NaN, entries: persistence['cairn_commit_index'] ?? Number.NaN, fsyncs: persistence['cairn_sync_count'] ?? Number.NaN };
  };
  const system: System = {
    name: 'cairn',
    producerPort: to === 'leader' ? () => cluster.port(leader) : () => cluster.port(0),
    workerPort: to === 'leader' ? () => cluster.port(leader) : spread,
    pids: () => cluster.live().map((i) => cluster.pid(i)),
    counters,
  };
  return { system, cluster };
}

interface RoundResult {
  readonly system: SystemName;
  readonly jobsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuMicrosPerJob: number;
  /** The system's counters' growth over the round, per job (leader's commands, log entries, fsyncs). */
  readonly perJob: Counters;
  /** Error events of the queues and workers (BullMQ retries after them); what they said first. */
  readonly errors: number;
  readonly firstError: string;
}

function connection(port: number): { host: string; port: number; maxRetriesPerRequest: null } {
  return { host: '127.0.0.1', port, maxRetriesPerRequest: null };
}

/** Adds `jobs` jobs through the producers while the workers process them; resolves when every one completed. */
async function round(system: System, opts: Options, queueName: string, jobs: number): Promise<RoundResult> {
  let errors = 0;
  let firstError = '';
  const onError = (error: Error): void => {
    if (errors++ === 0) firstError = error.message.slice(0, 120);
  };
  const producers = Array.from({ length: opts.producers }, (_, i) => new Queue(queueName, { connection: connection(system.producerPort(i)) }).on('error', onError));
  const latencies = new Latencies(jobs);
  const addedAtMs = new Map<string, number>();
  let completed = 0;
  const workers = Array.from({ length: opts.workers }, (_, i) => {
    const worker = new Worker(queueName, async () => 'done', { connection: connection(system.workerPort(i)), concurrency: opts.concurrency, autorun: false });
    worker.on('error', onError);
    worker.on('completed', (job) => {
      completed++;
      const at = addedAtMs.get(job.id!);
      if (at !== undefined) latencies.add(performance.now() - at);
    });
    return worker;
  });
  try {
    await Promise.all([...producers.map((q) => q.waitUntilReady()), ...workers.map((w) => w.waitUntilReady())]);
    const countersBefore = await system.counters();
    const cpuBefore = system.pids().reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const startedMs = performance.now();
    for (const worker of workers) void worker.run();
    let next = 0;
    const adders = producers.flatMap((queue) => Array.from({ length: addsInFlightPerProducer }, async () => {
      while (next < jobs) {
        const id = `job-${next++}`;
        addedAtMs.set(id, performance.now());
        await queue.add('bench', { id }, { jobId: id, removeOnComplete: true });
      }
    }));
    await Promise.all(adders);
    await waitFor(`${jobs} jobs completed on ${system.name}`, () => (completed >= jobs ? true : undefined), 300_000);
    const seconds = (performance.now() - startedMs) / 1000;
    const cpu = system.pids().reduce((sum, pid) => sum + cpuSeconds(pid), 0) - cpuBefore;
    const countersAfter = await system.counters();
    const perJob = Object.fromEntries(Object.entries(countersAfter).map(([name, n]) => [name, (n - (countersBefore[name] ?? Number.NaN)) / jobs]));
    return { system: system.name, jobsPerSecond: jobs / seconds, p50Ms: latencies.percentile(50), p99Ms: latencies.percentile(99), cpuMicrosPerJob: (cpu * 1e6) / jobs, perJob, errors, firstError };
  } finally {
    await Promise.all(workers.map((w) => w.close(true)));
    await Promise.all(producers.map(async (q) => {
      await q.obliterate({ force: true }).catch(() => undefined);
      await q.close();
    }));
  }
}

function report(results: readonly RoundResult[], opts: Options, loadAverage: number): void {
  console.log(`\nBullMQ add + process: ${opts.jobs} jobs a round, ${opts.producers} producers × ${addsInFlightPerProducer} adds in flight, ${opts.workers} workers × concurrency ${opts.concurrency}, Cairn clients on the ${opts.to === 'leader' ? 'leader' : 'members (producers n1, workers spread)'}; load average ${loadAverage.toFixed(2)}`);
  console.log('system  round  jobs/s   p50 ms  p99 ms  server CPU µs/job  errors  per job (leader)');
  const perSystem = new Map<SystemName, number[]>();
  results.forEach((r, i) => {
    console.log(`${r.system.padEnd(7)} ${String(Math.floor(i / opts.systems.length) + 1).padStart(5)}  ${r.jobsPerSecond.toFixed(0).padStart(6)}  ${r.p50Ms.toFixed(1).padStart(6)}  ${r.p99Ms.toFixed(1).padStart(6)}  ${r.cpuMicrosPerJob.toFixed(0).padStart(8)}  ${String(r.errors).padStart(16)}  ${Object.entries(r.perJob).map(([name, n]) => `${name} ${n.toFixed(1)}`).join(', ')}${r.errors > 0 ? ` (first: ${r.firstError})` : ''}`);
    perSystem.set(r.system, [...(perSystem.get(r.system) ?? []), r.jobsPerSecond]);
  });
  const best = (s: SystemName): number => Math.max(...(perSystem.get(s) ?? [Number.NaN]));
  if (perSystem.size === 2) console.log(`cairn / redis jobs/s (best rounds): ${(best('cairn') / best('redis')).toFixed(2)}× (target ≥ 0.5×: ${best('cairn') / best('redis') >= 0.5 ? 'met' : 'MISSED'})`);
}

async function run(opts: Options, procs: Procs): Promise<void> {
  const systems: System[] = [];
  let cairn: CairnCluster | undefined;
  if (opts.systems.includes('redis')) systems.push(await startRedis(procs));
  if (opts.systems.includes('cairn')) {
    const started = await startCairn(procs, opts.to, opts.cpuProfDir);
    systems.push(started.system);
    cairn = started.cluster;
  }
  for (const system of systems) await round(system, opts, 'bench-warmup', Math.min(200, opts.jobs));
  const loadAverage = loadavg()[0]!;
  const results: RoundResult[] = [];
  for (let r = 0; r < opts.rounds; r++) {
    for (const system of systems) {
      results.push(await round(system, opts, `bench-${r}`, opts.jobs));
      console.error(`round ${r + 1} ${system.name}: ${results.at(-1)!.jobsPerSecond.toFixed(0)} jobs/s`);
    }
  }
  report(results, opts, loadAverage);
  if (cairn !== undefined && opts.cpuProfDir !== undefined) {
    console.error(`stopping Cairn with SIGTERM so the profiles land in ${opts.cpuProfDir}`);
    await cairn.stopAll(startTimeoutMs);
  }
}

process.exitCode = await benchMain(options, run, (message) => console.error(`bench: ${message}`));
