// Shared by the bitmap, HyperLogLog and LCS differential tests: a run whose keyspace starts with
// one list key on both sides (so WRONGTYPE is exercised), and a loop that sends random
// commands in batches and stops at the first mismatches.

import { Buffer } from 'node:buffer';
import { existsSync } from 'node:fs';
import { after, before } from 'node:test';
import { Prng } from '../../src/lib/prng.js';
import type { Protocol } from '../../src/resp/encode.js';
import { compareBatch, startRun, type DifferentialRun } from './differential-harness.js';
import { REDIS_SERVER, RedisProcess } from './redis-server.js';

export const REDIS_AVAILABLE = existsSync(REDIS_SERVER);
export const SKIP_WITHOUT_REDIS = { skip: !REDIS_AVAILABLE && 'redis-server not installed' };

/** One redis-server for a test file: started before its tests, stopped after them. */
export function redisForFile(): () => RedisProcess {
  let redis: RedisProcess | undefined;
  before(async () => {
    if (REDIS_AVAILABLE) redis = await RedisProcess.start();
  });
  after(async () => {
    await redis?.stop();
  });
  return () => {
    if (redis === undefined) throw new Error('redis-server is not running');
    return redis;
  };
}

export const LIST_KEY = 'list';


export async function startTypedRun(redis: RedisProcess, protocol: Protocol): Promise<DifferentialRun> {
  const run = await startRun(redis, protocol);
  const push = [Buffer.from('RPUSH'), Buffer.from(LIST_KEY), Buffer.from('x')];
  await redis.sendRaw([push]);
  run.state.execute(push, Date.now());
  return run;
}

/** The seed for a run: SEED from the environment, else the clock. */
export function seedFromEnv(): number {
  return Number(process.env.SEED ?? Date.now() % 1_000_000);
}

/** Sends `count` commands from `generate` in batches; returns up to 10 mismatches. */
export async function runRandom(
  run: DifferentialRun, prng: Prng, count: number, generate: (prng: Prng) => string[][], batchSize = 50,
): Promise<string[]> {
  const mismatches: string[] = [];
  for (let done = 0; done < count && mismatches.length < 10; done += batchSize) {
    const batch: string[][] = [];
    while (batch.length < batchSize) batch.push(...generate(prng));
    mismatches.push(...await compareBatch(run, batch));
  }
  return mismatches.slice(0, 10);
}
