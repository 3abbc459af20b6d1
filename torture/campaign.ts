// One torture campaign: start the cluster, run the workload and the nemesis side by side for the
// given time, heal everything, read every key back, check the history for linearizability, and
// write history.json, faults.json and report.html into the output dir. The cluster is always
// cleaned up, whatever fails.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { checkHistory, HistoryRecorder, renderReport, type Verdict } from '../src/check/index.js';
import { assert } from '../src/lib/assert.js';
import { Prng } from '../src/lib/prng.js';
import { TortureCluster, type NetChoice } from './cluster.js';
import type { NetMode } from './net.js';
import { DEFAULT_TIMING, Nemesis, type FaultEvent, type NemesisKind, type NemesisTiming } from './nemesis.js';
import { finalReads, Worker, type FinalCounts, type WorkloadTally } from './workload.js';

export interface CampaignOptions {
  readonly timeMs: number;
  readonly nodes: number;
  readonly clients: number;
  readonly seed: number;
  readonly nemesis: readonly NemesisKind[];
  readonly outDir: string;
  readonly timing?: NemesisTiming;
  readonly checkTimeLimitMs?: number;
  /** The network the nodes run on (default auto: namespaces when possible, else proxies). */
  readonly net?: NetChoice;
  /** Extra flags for every node (e.g. --lease-reads). */
  readonly nodeArgs?: readonly string[];
  readonly log?: (line: string) => void;
}

export interface CampaignResult {
  readonly net: NetMode;
  readonly tally: WorkloadTally;
  readonly faults: readonly FaultEvent[];
  readonly verdict: Verdict;
  readonly explanation: string;
  readonly final: FinalCounts;
  readonly operations: number;
  readonly reportPath: string;
  readonly passed: boolean;
}

/** Final-read clients get ids past every worker's range. */
const FINAL_CLIENT_BASE = 1_000_000_000;
/** Most clients one campaign runs. */
const MAX_CLIENTS = 100;

/** A workload client the campaign runs while the nemesis works. */
export interface CampaignWorker {
  run(stopped: () => boolean): Promise<void>;
  close(): void;
}

/** Starts the cluster, runs `body` on it, and always cleans it up (on Ctrl-C too). */
export async function withTortureCluster<T>(options: CampaignOptions, body: (cluster: TortureCluster) => Promise<T>): Promise<T> {
  assert(options.clients >= 1 && options.clients <= MAX_CLIENTS, `clients must be within 1..${MAX_CLIENTS}`);
  assert(options.timeMs > 0, 'campaign time must be positive');
  const log = options.log ?? (() => undefined);
  const cluster = await TortureCluster.start(options.nodes, new Prng(options.seed + 1), options.nodeArgs ?? [], options.net ?? 'auto', log);
  // Ctrl-C or a kill mid-campaign still removes every node, proxy and temp dir.
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: cleaning up`);
    void cluster.cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    log(`cluster of ${options.nodes} up on ${cluster.net.description} (data in ${cluster.base})`);
    return await body(cluster);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cluster.cleanup();
  }
}

/** Runs the workers and the nemesis side by side for the campaign's time, then heals every fault and stops the workers. */
export async function underNemesis(cluster: TortureCluster, options: CampaignOptions, now: () => number, workers: readonly CampaignWorker[]): Promise<Nemesis> {
  const nemesis = new Nemesis(cluster, options.nemesis, new Prng(options.seed), now, options.timing ?? DEFAULT_TIMING, options.log ?? (() => undefined));
  let stopped = false;
  const running = workers.map((w) => w.run(() => stopped));
  try {
    await nemesis.run(options.timeMs);
  } finally {
    await nemesis.healNow();
    stopped = true;
    await Promise.all(running);
    for (const worker of workers) worker.close();
  }
  return nemesis;
}

export async function runCampaign(options: CampaignOptions): Promise<CampaignResult> {
  const log = options.log ?? (() => undefined);
  return withTortureCluster(options, async (cluster) => {
    const t0 = performance.now();
    const now = (): number => performance.now() - t0;
    const recorder = new HistoryRecorder(now);
    const tally: WorkloadTally = { ok: 0, failed: 0, unknown: 0, reasons: new Map() };
    const workers = Array.from({ length: options.clients }, (_, i) => new Worker(i, cluster.nodes[i % options.nodes]!.client, recorder, new Prng(options.seed * 1000 + i + 2), tally));
    const nemesis = await underNemesis(cluster, options, now, workers);
    log(`workload done: ${tally.ok} ok, ${tally.failed} failed, ${tally.unknown} unknown; final reads`);
    const final = await finalReads(cluster.nodes.map((n) => n.client), recorder, FINAL_CLIENT_BASE);
    log(`final reads: ${final.lost} lost, ${final.duplicated} duplicated, ${final.unreadable} unreadable; checking the history`);
    const history = recorder.history();
    const result = checkHistory(history, { now: () => performance.now(), timeLimitMs: options.checkTimeLimitMs ?? 60_000 });
    log(`checker: ${result.verdict} over ${history.length} operations`);
    const reportPath = join(options.outDir, 'report.html');
    await writeFile(join(options.outDir, 'history.json'), JSON.stringify(history));
    await writeFile(join(options.outDir, 'faults.json'), JSON.stringify(nemesis.events, null, 1));
    await writeFile(reportPath, renderReport(history, result, { title: `cairn torture seed ${options.seed} (${options.nemesis.join(',')})` }));
    const passed = result.verdict === 'ok' && final.lost === 0 && final.duplicated === 0 && final.unreadable === 0;
    return {
      net: cluster.net.mode,
      tally,
      faults: nemesis.events,
      verdict: result.verdict,
      explanation: result.failure?.explanation ?? result.perKey.filter((k) => k.reason !== undefined).map((k) => `${k.key}: ${k.reason}`).join('; '),
      final,
      operations: history.length,
      reportPath,
      passed,
    };
  });
}
