// The change-feed workload (`npm run torture -- --workload watch`): writers SET, DEL and INCRBY a
// small keyspace through every node (watch-writer.ts), while on every node a watcher reads
// `__cairn:changes` with XREAD BLOCK from 0-0 (watch-stream.ts) and, where the nodes have it, one
// follows CAIRN.WATCH from revision 1 (watch-push.ts; on `*` or on `k*`), each hopping to another
// node on every error and now and then on purpose, all under the nemesis. After healing, the writers stop, the
// final state is read between two equal CAIRN.REVISIONs, the watchers read on until they reach that
// revision, and checkFeed (src/check/feed-checker.ts) judges them against the writers' history.
// With a plant, each node also gets a watcher with that bug: the verdict over the honest watchers
// is reported apart from the verdict over all of them, which fails the run when the plant is caught. feed.json (the watchers' records and both
// verdicts) and faults.json go into the output dir.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { checkFeed, HistoryRecorder, type FeedCheckResult, type WatcherRecord } from '../src/check/index.js';
import { Prng } from '../src/lib/prng.js';
import { underNemesis, withTortureCluster, type CampaignOptions } from './campaign.js';
import type { HostPort, NetMode } from './net.js';
import type { FaultEvent } from './nemesis.js';
import { FEED_INCREMENT_STEP, FEED_KEYS, FeedWriter } from './watch-writer.js';
import { PushWatcher } from './watch-push.js';
import { StreamWatcher, type WatchPlant } from './watch-stream.js';
import { connectionOptions, readFromAnyNode, type WorkloadTally } from './workload.js';

export interface WatchCampaignOptions extends CampaignOptions {
  /** Adds a watcher with this bug on every node (default none). */
  readonly plant?: WatchPlant;
}

export interface FinalFeedState {
  readonly revision: number;
  readonly state: Map<string, string>;
}

export interface WatchCampaignResult {
  readonly net: NetMode;
  readonly tally: WorkloadTally;
  readonly faults: readonly FaultEvent[];
  /** Undefined when no node answered the final read. */
  readonly final: FinalFeedState | undefined;
  /** The verdict over the honest watchers. */
  readonly honest: FeedCheckResult | undefined;
  /** The verdict over every watcher, planted ones included (undefined without a plant). */
  readonly withPlanted: FeedCheckResult | undefined;
  readonly watcherErrors: number;
  /** The verdict over every watcher is ok: with a plant, a run that caught it did not pass. */
  readonly passed: boolean;
}

/** The final read ends by this long after it starts; the watchers' catch-up likewise. */
const FINAL_READ_BUDGET_MS = 30_000;
const CATCH_UP_BUDGET_MS = 30_000;

/** The workload keys and the revision they were read at, read between two equal CAIRN.REVISIONs. */
export function readFinalState(clients: readonly HostPort[], keys: readonly string[], budgetMs: number): Promise<FinalFeedState | undefined> {
  return readFromAnyNode(clients, budgetMs, async (redis) => {
    const before = Number(await redis.call('CAIRN.REVISION'));
    const values = await redis.mget(...keys);
    const after = Number(await redis.call('CAIRN.REVISION'));
    if (before !== after) return undefined;
    const state = new Map<string, string>();
    for (const [i, key] of keys.entries()) if (values[i] !== null && values[i] !== undefined) state.set(key, values[i]!);
    return { revision: after, state };
  });
}

type FeedWatcher = StreamWatcher | PushWatcher;

/** Per node an XREAD watcher and, when `pushes`, a CAIRN.WATCH watcher (`*` on odd nodes, `k*` on even ones). */
function watchersPerNode(clients: readonly HostPort[], seed: number, plant: WatchPlant, prefix: string, pushes: boolean): FeedWatcher[] {
  return clients.flatMap((_, i): FeedWatcher[] => {
    const stream = new StreamWatcher(`${prefix}xread@n${i + 1}`, clients, i, new Prng(seed + i), plant);
    if (!pushes) return [stream];
    const pattern = i % 2 === 0 ? '*' : 'k*';
    return [stream, new PushWatcher(`${prefix}watch(${pattern})@n${i + 1}`, pattern, clients, i, new Prng(seed + 100 + i), plant)];
  });
}

/** Whether the nodes know CAIRN.WATCH (COMMAND INFO answers nil for an unknown command). */
async function hasCairnWatch(client: HostPort): Promise<boolean> {
  const redis = new Redis({ ...connectionOptions(client), retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const info = (await redis.call('COMMAND', 'INFO', 'CAIRN.WATCH')) as unknown[];
    return Array.isArray(info) && info[0] !== null;
  } finally {
    redis.disconnect();
  }
}

function verdict(records: readonly WatcherRecord[], history: ReturnType<HistoryRecorder['history']>, final: FinalFeedState): FeedCheckResult {
  return checkFeed({
    watchers: records,
    history,
    initial: { revision: 0, state: new Map() },
    final: { ...final, keys: FEED_KEYS },
    incrementStep: FEED_INCREMENT_STEP,
  });
}

export async function runWatchCampaign(options: WatchCampaignOptions): Promise<WatchCampaignResult> {
  const log = options.log ?? (() => undefined);
  const plant = options.plant ?? 'none';
  return withTortureCluster(options, async (cluster) => {
    const t0 = performance.now();
    const recorder = new HistoryRecorder(() => performance.now() - t0);
    const tally: WorkloadTally = { ok: 0, failed: 0, unknown: 0, reasons: new Map() };
    const clients = cluster.nodes.map((n) => n.client);
    const pushes = await hasCairnWatch(clients[0]!);
    log(pushes ? 'watchers: XREAD and CAIRN.WATCH' : 'watchers: XREAD only (the nodes do not know CAIRN.WATCH)');
    const honest = watchersPerNode(clients, options.seed * 7, 'none', '', pushes);
    const planted = plant === 'none' ? [] : watchersPerNode(clients, options.seed * 11, plant, 'planted-', pushes);
    const watchers = [...honest, ...planted];
    let target: number | undefined;
    let giveUpMs = Number.POSITIVE_INFINITY;
    const reading = watchers.map((w) => w.run(() => performance.now() > giveUpMs || (target !== undefined && w.lastRevision >= target)));
    try {
      const writers = Array.from({ length: options.clients }, (_, i) => new FeedWriter(i, clients[i % clients.length]!, recorder, new Prng(options.seed * 1000 + i + 2), tally));
      const nemesis = await underNemesis(cluster, options, () => performance.now() - t0, writers);
      log(`writers done: ${tally.ok} ok, ${tally.failed} failed, ${tally.unknown} unknown; reading the final state`);
      const final = await readFinalState(clients, FEED_KEYS, FINAL_READ_BUDGET_MS);
      giveUpMs = performance.now() + CATCH_UP_BUDGET_MS;
      target = final?.revision ?? 0;
      log(`final state at revision ${final?.revision ?? '(unread)'}; waiting for the watchers to reach it`);
      await Promise.all(reading);
      const history = recorder.history();
      const honestResult = final === undefined ? undefined : verdict(honest.map((w) => w.record()), history, final);
      const plantedResult = final === undefined || planted.length === 0 ? undefined : verdict(watchers.map((w) => w.record()), history, final);
      await writeFile(join(options.outDir, 'feed.json'), JSON.stringify({ final: final === undefined ? undefined : { revision: final.revision, state: [...final.state] }, honest: honestResult, withPlanted: plantedResult, watchers: watchers.map((w) => w.record()) }));
      await writeFile(join(options.outDir, 'faults.json'), JSON.stringify(nemesis.events, null, 1));
      const passed = (plantedResult ?? honestResult)?.ok === true;
      const watcherErrors = watchers.reduce((sum, w) => sum + w.errors, 0);
      return { net: cluster.net.mode, tally, faults: nemesis.events, final, honest: honestResult, withPlanted: plantedResult, watcherErrors, passed };
    } finally {
      giveUpMs = 0;
      await Promise.all(reading);
    }
  });
}
