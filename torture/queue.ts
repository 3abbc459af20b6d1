// The list-queue workload (`npm run torture -- --workload queue`): per client slot one producer
// LPUSHing unique items `item:<worker>:<n>` and one consumer BRPOPing with a 1 s timeout, both on
// node slot % nodes, under the nemesis. Every push is recorded acknowledged, failed (never applied)
// or unknown; every pop delivered (item and consumer), empty (timed out), failed or unknown. After
// healing the whole list is read back and queueAudit() judges the record; queue.json (the record and
// the audit) and faults.json go into the output dir.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { assert } from '../src/lib/assert.js';
import { Prng } from '../src/lib/prng.js';
import { underNemesis, withTortureCluster, type CampaignOptions, type CampaignWorker } from './campaign.js';
import type { HostPort, NetMode } from './net.js';
import type { FaultEvent } from './nemesis.js';
import { queueAudit, type Delivery, type QueueAudit } from './queue-audit.js';
import { connectionOptions, countReason, definitelyNotApplied, ERROR_BACKOFF_MS, neverSent, readFromAnyNode, type WorkloadTally } from './workload.js';

export const QUEUE_KEY = 'queue';
/** BRPOP's timeout, in seconds. */
const POP_TIMEOUT_S = 1;
/** A pop answered later than this (its 1 s timeout plus 2 s) is counted late: a fault held it. */
const LATE_POP_MS = 3_000;
/** A producer pauses up to this long between pushes, so consumers drain the list and block. */
const PUSH_PAUSE_MS_MAX = 30;

/** What the producers and consumers were told, filled in as they go. */
export interface QueueLedger {
  readonly acked: string[];
  readonly unknownPushes: string[];
  readonly delivered: Delivery[];
  unknownPops: number;
  emptyPops: number;
  /** Pops answered (element or empty) more than LATE_POP_MS after they were sent, and the slowest answer. */
  latePops: number;
  slowestPopMs: number;
  readonly tally: WorkloadTally;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One connection that is replaced after an operation of unknown outcome (its reply may still come). */
abstract class QueueClient implements CampaignWorker {
  private redis: Redis;

  constructor(
    protected readonly index: number,
    private readonly client: HostPort,
    protected readonly ledger: QueueLedger,
  ) {
    this.redis = this.open();
  }

  async run(stopped: () => boolean): Promise<void> {
    while (!stopped()) {
      if (this.redis.status === 'wait') await this.redis.connect().catch(() => undefined);
      await this.step(this.redis);
    }
  }

  close(): void {
    this.redis.disconnect();
  }

  protected abstract step(redis: Redis): Promise<void>;

  /** Counts an error; true when the command certainly did nothing. */
  protected async failed(error: unknown): Promise<boolean> {
    assert(error instanceof Error, 'ioredis rejects with Error objects');
    countReason(this.ledger.tally, error);
    const failed = neverSent(error) || definitelyNotApplied(error);
    if (failed) this.ledger.tally.failed++;
    else {
      this.ledger.tally.unknown++;
      this.redis.disconnect();
      this.redis = this.open();
    }
    await sleep(ERROR_BACKOFF_MS);
    return failed;
  }

  private open(): Redis {
    const redis = new Redis(connectionOptions(this.client));
    redis.on('error', () => undefined);
    return redis;
  }
}

class Producer extends QueueClient {
  private seq = 0;

  constructor(index: number, client: HostPort, ledger: QueueLedger, private readonly prng: Prng) {
    super(index, client, ledger);
  }

  protected async step(redis: Redis): Promise<void> {
    const item = `item:${this.index}:${++this.seq}`;
    try {
      const length = await redis.lpush(QUEUE_KEY, item);
      assert(typeof length === 'number' && length >= 1, 'LPUSH replies the new length');
      this.ledger.acked.push(item);
      this.ledger.tally.ok++;
    } catch (error) {
      if (!(await this.failed(error))) this.ledger.unknownPushes.push(item);
    }
    await sleep(this.prng.int(0, PUSH_PAUSE_MS_MAX));
  }
}

class Consumer extends QueueClient {
  protected async step(redis: Redis): Promise<void> {
    const sentMs = performance.now();
    try {
      const reply = await redis.brpop(QUEUE_KEY, POP_TIMEOUT_S);
      const tookMs = performance.now() - sentMs;
      this.ledger.slowestPopMs = Math.max(this.ledger.slowestPopMs, Math.round(tookMs));
      if (tookMs > LATE_POP_MS) this.ledger.latePops++;
      this.ledger.tally.ok++;
      if (reply === null) this.ledger.emptyPops++;
      else this.ledger.delivered.push({ item: reply[1], consumer: this.index });
    } catch (error) {
      if (!(await this.failed(error))) this.ledger.unknownPops++;
    }
  }
}

/** The whole list, linearizably, from the first node that answers before the deadline; undefined if none did. */
function readList(clients: readonly HostPort[], budgetMs: number): Promise<string[] | undefined> {
  return readFromAnyNode(clients, budgetMs, (redis) => redis.lrange(QUEUE_KEY, 0, -1));
}

export interface QueueCampaignResult {
  readonly net: NetMode;
  readonly tally: WorkloadTally;
  readonly faults: readonly FaultEvent[];
  readonly emptyPops: number;
  /** Undefined when no node answered the final read. */
  readonly audit: QueueAudit | undefined;
  readonly passed: boolean;
}

/** The final read of the list ends by this long after it starts. */
const FINAL_READ_BUDGET_MS = 30_000;

/** One queue campaign: `clients` producers and as many consumers, the nemesis, then the audit. */
export async function runQueueCampaign(options: CampaignOptions): Promise<QueueCampaignResult> {
  const log = options.log ?? (() => undefined);
  return withTortureCluster(options, async (cluster) => {
    const t0 = performance.now();
    const ledger: QueueLedger = { acked: [], unknownPushes: [], delivered: [], unknownPops: 0, emptyPops: 0, latePops: 0, slowestPopMs: 0, tally: { ok: 0, failed: 0, unknown: 0, reasons: new Map() } };
    const workers: CampaignWorker[] = [];
    for (let i = 0; i < options.clients; i++) {
      const node = cluster.nodes[i % options.nodes]!.client;
      workers.push(new Producer(i, node, ledger, new Prng(options.seed * 1000 + i + 2)), new Consumer(i, node, ledger));
    }
    const nemesis = await underNemesis(cluster, options, () => performance.now() - t0, workers);
    log(`workload done: ${ledger.acked.length} pushes acked, ${ledger.unknownPushes.length} unknown; ${ledger.delivered.length} pops delivered, ${ledger.emptyPops} empty, ${ledger.unknownPops} unknown, ${ledger.latePops} answered after ${LATE_POP_MS} ms (slowest ${ledger.slowestPopMs} ms); reading the list`);
    const remaining = await readList(cluster.nodes.map((n) => n.client), FINAL_READ_BUDGET_MS);
    const audit = remaining === undefined ? undefined : queueAudit({ ...ledger, remaining });
    const passed = audit !== undefined && audit.doubled === 0 && audit.invented === 0 && audit.lost === 0;
    await writeFile(join(options.outDir, 'queue.json'), JSON.stringify({ audit, ledger: { ...ledger, tally: undefined }, remaining }));
    await writeFile(join(options.outDir, 'faults.json'), JSON.stringify(nemesis.events, null, 1));
    return { net: cluster.net.mode, tally: ledger.tally, faults: nemesis.events, emptyPops: ledger.emptyPops, audit, passed };
  });
}
