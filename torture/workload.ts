// Workload clients: many ioredis connections spread over the nodes, each issuing one operation at
// a time (GET, SET, SET IFEQ / SET NX as compare-and-set, INCR) on a few contended keys, every one
// recorded in the HistoryRecorder. An error reply that says nothing happened is `fail`; a timeout,
// a lost connection or an "outcome unknown" error is `unknown`, after which the client carries on
// under a new client id (its unknown operation may still be in flight). After healing,
// finalReads() reads every key on every node.

import { performance } from 'node:perf_hooks';
import { Redis, type RedisOptions } from 'ioredis';
import type { HistoryRecorder, OperationInput, PendingOperation } from '../src/check/index.js';
import { assert } from '../src/lib/assert.js';
import type { Prng } from '../src/lib/prng.js';
import type { HostPort } from './net.js';

export const REGISTER_KEYS = ['r0', 'r1', 'r2', 'r3'] as const;
export const COUNTER_KEYS = ['c0', 'c1'] as const;
/** A client that hears nothing back within this long records the operation as unknown. */
export const OPERATION_TIMEOUT_MS = 5_000;
/** Client ids handed to one worker; a new one after every unknown outcome. */
const IDS_PER_WORKER = 1_000_000;

export interface WorkloadTally {
  ok: number;
  failed: number;
  unknown: number;
  /** How many failed or unknown operations each error message (cut short) explains. */
  readonly reasons: Map<string, number>;
}

/** Distinct error messages a tally keeps; the rest are counted under one entry. */
const REASONS_MAX = 20;
/** A client pauses this long after an error, so a node that refuses at once is not hammered. */
export const ERROR_BACKOFF_MS = 20;

export function countReason(tally: WorkloadTally, error: Error): void {
  let reason = `${error.name}: ${error.message.replace(/\d+\.\d+\.\d+\.\d+:\d+/g, '<node>').slice(0, 80)}`;
  if (!tally.reasons.has(reason) && tally.reasons.size >= REASONS_MAX) reason = '(other)';
  tally.reasons.set(reason, (tally.reasons.get(reason) ?? 0) + 1);
}

export function connectionOptions(client: HostPort): RedisOptions {
  return {
    host: client.host,
    port: client.port,
    lazyConnect: true,
    connectTimeout: 1_000,
    commandTimeout: OPERATION_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    // A command sent before a disconnect must never be sent again: its outcome is unknown.
    autoResendUnfulfilledCommands: false,
    enableReadyCheck: false,
    retryStrategy: () => 100,
  };
}

/**
 * `read` on a fresh connection to one node after another (round robin) until one answers with a
 * value before the budget runs out; undefined when none did. A read that throws or answers
 * undefined is tried again on the next node, half a second later when it threw.
 */
export async function readFromAnyNode<T>(clients: readonly HostPort[], budgetMs: number, read: (redis: Redis) => Promise<T | undefined>): Promise<T | undefined> {
  const deadlineMs = performance.now() + budgetMs;
  for (let attempt = 0; performance.now() < deadlineMs; attempt++) {
    const redis = new Redis({ ...connectionOptions(clients[attempt % clients.length]!), retryStrategy: () => null });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      const value = await read(redis);
      if (value !== undefined) return value;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      redis.disconnect();
    }
  }
  return undefined;
}

/** An error whose command certainly never reached a server. */
export function neverSent(error: Error): boolean {
  return error.message.includes("Stream isn't writeable");
}

/** An error reply saying the write was not applied (the cluster answers CLUSTERDOWN only for entries never proposed). */
export function definitelyNotApplied(error: Error): boolean {
  return error.name === 'ReplyError' && error.message.startsWith('CLUSTERDOWN');
}

export class Worker {
  private clientId: number;
  private readonly redis: Redis;
  private seq = 0;
  /** The last value this worker saw per register: what its next cas expects. */
  private readonly seen = new Map<string, string | null>();

  constructor(
    protected readonly index: number,
    client: HostPort,
    private readonly recorder: HistoryRecorder,
    protected readonly prng: Prng,
    private readonly tally: WorkloadTally,
  ) {
    this.clientId = index * IDS_PER_WORKER;
    this.redis = new Redis(connectionOptions(client));
    this.redis.on('error', () => undefined);
  }

  /** Runs operations until `stopped()` says so. */
  async run(stopped: () => boolean): Promise<void> {
    await this.redis.connect().catch(() => undefined);
    while (!stopped()) await this.step();
  }

  close(): void {
    this.redis.disconnect();
  }

  protected async step(): Promise<void> {
    const roll = this.prng.next();
    if (roll < 0.2) {
      const key = this.prng.pick(COUNTER_KEYS);
      await this.perform(key, roll < 0.12 ? { kind: 'incr', delta: 1 } : { kind: 'read' });
      return;
    }
    const key = this.prng.pick(REGISTER_KEYS);
    const value = `w${this.index}-${++this.seq}`;
    if (roll < 0.55) await this.perform(key, { kind: 'read' });
    else if (roll < 0.75) await this.perform(key, { kind: 'write', value });
    else await this.perform(key, { kind: 'cas', expected: this.seen.get(key) ?? null, value });
  }

  protected async perform(key: string, input: OperationInput): Promise<void> {
    const op = this.recorder.invoke(this.clientId, key, input);
    try {
      const reply = await this.send(key, input);
      settleOk(op, input, reply);
      if (input.kind === 'read') this.seen.set(key, reply === null ? null : String(reply));
      if (input.kind === 'write' || (input.kind === 'cas' && reply === 'OK')) this.seen.set(key, input.value);
      this.tally.ok++;
    } catch (error) {
      assert(error instanceof Error, 'ioredis rejects with Error objects');
      countReason(this.tally, error);
      const failed = input.kind === 'read' || neverSent(error) || definitelyNotApplied(error);
      if (failed) {
        op.fail();
        this.tally.failed++;
      } else {
        op.unknown();
        this.tally.unknown++;
        this.clientId++;
        assert(this.clientId < (this.index + 1) * IDS_PER_WORKER, 'worker ran out of client ids');
      }
      await new Promise((resolve) => setTimeout(resolve, ERROR_BACKOFF_MS));
    }
  }

  private send(key: string, input: OperationInput): Promise<unknown> {
    switch (input.kind) {
      case 'read':
        return this.redis.get(key);
      case 'write':
        return this.redis.set(key, input.value);
      case 'cas':
        return input.expected === null ? this.redis.set(key, input.value, 'NX') : this.redis.call('SET', key, input.value, 'IFEQ', input.expected);
      case 'incr':
        return this.redis.incrby(key, input.delta);
      case 'delete':
        return this.redis.del(key);
    }
  }
}

function settleOk(op: PendingOperation<OperationInput['kind']>, input: OperationInput, reply: unknown): void {
  switch (input.kind) {
    case 'read':
      assert(reply === null || typeof reply === 'string', 'GET replies a string or nil');
      (op as PendingOperation<'read'>).ok(reply as string | null);
      return;
    case 'write':
      (op as PendingOperation<'write'>).ok();
      return;
    case 'cas':
      assert(reply === null || reply === 'OK', 'a conditional SET replies OK or nil');
      (op as PendingOperation<'cas'>).ok(reply === 'OK');
      return;
    case 'incr':
      assert(typeof reply === 'number', 'INCRBY replies an integer');
      (op as PendingOperation<'incr'>).ok(reply);
      return;
    case 'delete':
      (op as PendingOperation<'delete'>).ok(typeof reply === 'number' ? reply : undefined);
  }
}

/** What the final reads found, next to what the history says clients were told. */
export interface FinalCounts {
  /** Acknowledged increments missing from a counter's final value, plus registers read back empty after an acknowledged write. */
  lost: number;
  /** Increments in a counter's final value beyond every acknowledged and unknown one. */
  duplicated: number;
  /** Final reads (after healing) that no node could answer. */
  unreadable: number;
}

/** A read attempt that fails waits this long before the next. */
const FINAL_READ_RETRY_MS = 500;
/**
 * The whole final-read phase ends by this long after it starts; a key still unanswered then is
 * counted unreadable. Without it a node that never answers would cost every key on it ten
 * five-second timeouts, and a campaign could outlive its test's timeout in silence.
 */
const FINAL_READS_BUDGET_MS = 60_000;

/** Reads key until it answers or the deadline passes (each attempt recorded; a failed read is ignored by the checker). */
async function finalRead(redis: Redis, recorder: HistoryRecorder, clientId: number, key: string, finals: Map<string, string | null>, deadlineMs: number): Promise<boolean> {
  while (performance.now() < deadlineMs) {
    const op = recorder.invoke(clientId, key, { kind: 'read' });
    try {
      const value = await redis.get(key);
      op.ok(value);
      finals.set(key, value);
      return true;
    } catch {
      op.fail();
      await new Promise((resolve) => setTimeout(resolve, FINAL_READ_RETRY_MS));
    }
  }
  return false;
}

/**
 * Reads every key on every node (recorded in the history as a final client per node), then
 * compares the counters with the increments clients were told about.
 */
export async function finalReads(clients: readonly HostPort[], recorder: HistoryRecorder, finalClientBase: number): Promise<FinalCounts> {
  const counts: FinalCounts = { lost: 0, duplicated: 0, unreadable: 0 };
  const finals = new Map<string, string | null>();
  const deadlineMs = performance.now() + FINAL_READS_BUDGET_MS;
  for (const [n, client] of clients.entries()) {
    const redis = new Redis(connectionOptions(client));
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      for (const key of [...REGISTER_KEYS, ...COUNTER_KEYS]) {
        if (!(await finalRead(redis, recorder, finalClientBase + n, key, finals, deadlineMs))) counts.unreadable++;
      }
    } catch {
      counts.unreadable += REGISTER_KEYS.length + COUNTER_KEYS.length;
    } finally {
      redis.disconnect();
    }
  }
  const history = recorder.history();
  for (const key of COUNTER_KEYS) {
    const incrs = history.filter((op) => op.key === key && op.kind === 'incr');
    const acked = incrs.filter((op) => op.status === 'ok').map((op) => Number(op.output));
    const maybe = incrs.filter((op) => op.status === 'unknown').length;
    const found = counterAudit(acked, maybe, Number(finals.get(key) ?? 0));
    counts.lost += found.lost;
    counts.duplicated += found.duplicated;
  }
  for (const key of REGISTER_KEYS) {
    const written = history.some((op) => op.key === key && op.status === 'ok' && (op.kind === 'write' || (op.kind === 'cas' && op.output === true)));
    if (written && finals.has(key) && finals.get(key) === null) counts.lost++;
  }
  return counts;
}

/**
 * Audits one counter that only ever moves by INCRBY 1. Every applied increment yields a distinct
 * value 1, 2, 3 … up to the final value, so each acknowledged increment must be explained by its
 * own reply value at or below the final one: two acknowledged increments that replied the same
 * value mean one of them was undone, and a reply above the final value was undone too. Counting
 * only `acked - final` missed such losses whenever increments of unknown outcome that did take
 * effect made up the difference (a write acknowledged by the leader alone slipped past it so).
 * `lost` is a lower bound on undone acknowledged increments; `duplicated` counts increments in the
 * final value beyond every acknowledged and unknown one.
 */
export function counterAudit(ackedReplies: readonly number[], unknownCount: number, finalValue: number): { lost: number; duplicated: number } {
  assert(Number.isInteger(finalValue) && finalValue >= 0, `a counter's final value is a count, got ${finalValue}`);
  assert(Number.isInteger(unknownCount) && unknownCount >= 0, 'unknown count is a count');
  const explained = new Set(ackedReplies.filter((reply) => reply >= 1 && reply <= finalValue));
  return {
    lost: ackedReplies.length - explained.size,
    duplicated: Math.max(0, finalValue - ackedReplies.length - unknownCount),
  };
}
