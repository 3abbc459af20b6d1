// The locks test/libs/locks.test.ts checks, as one interface: a plain SET NX PX lock (released by
// WATCH/GET/MULTI/DEL, compare-and-delete without a script) and Redlock over one connection (Cairn
// is one linearizable store, so Redlock's quorum is of one). Each acquisition also takes a fencing
// token, the INCR of the lock's fence key, and `fencedSet` is the write a token guards: it lands only
// if no newer token has written the resource (docs/RECIPES.md shows both).
import type { Redis } from 'ioredis';
import Redlock from 'redlock';
import { nameScript } from './refusals.js';

/** A lock held: its fencing token, until when it is surely still held (ms, this process's clock), and its release. */
export interface Held {
  readonly token: number;
  readonly validUntilMs: number;
  release(): Promise<void>;
}

export interface LockKind {
  readonly name: string;
  /** One try: the lock held, or undefined when someone else holds it. */
  tryAcquire(redis: Redis, key: string, ttlMs: number): Promise<Held | undefined>;
}

/** The fencing token of a new holder of `key`: every acquisition gets a larger one. */
async function nextToken(redis: Redis, key: string): Promise<number> {
  return redis.incr(`${key}:fence`);
}

export const plainLock: LockKind = {
  name: 'SET NX PX',
  async tryAcquire(redis, key, ttlMs) {
    const value = `${process.pid}-${Math.random()}`;
    const sentAtMs = Date.now();
    if ((await redis.set(key, value, 'PX', ttlMs, 'NX')) !== 'OK') return undefined;
    const token = await nextToken(redis, key);
    return { token, validUntilMs: sentAtMs + ttlMs - 2, release: () => compareAndDelete(redis, key, value) };
  },
};

/** Deletes key if it still holds value: WATCH, GET, then DEL in MULTI (EXEC fails if the key changed meanwhile). */
async function compareAndDelete(redis: Redis, key: string, value: string): Promise<void> {
  await redis.watch(key);
  if ((await redis.get(key)) !== value) {
    await redis.unwatch();
    return;
  }
  await redis.multi().del(key).exec();
}

const redlocks = new WeakMap<Redis, Redlock>();

export const redlockLock: LockKind = {
  name: 'Redlock',
  async tryAcquire(redis, key, ttlMs) {
    let redlock = redlocks.get(redis);
    if (redlock === undefined) {
      redlock = new Redlock([redis], { retryCount: 0 });
      for (const [name, script] of Object.entries(redlock.scripts)) nameScript(script.hash, `redlock ${name}`);
      redlocks.set(redis, redlock);
    }
    const lock = await redlock.acquire([key], ttlMs).catch((error: unknown) => {
      if (error instanceof Error && error.name === 'ExecutionError') return undefined;
      throw error;
    });
    if (lock === undefined) return undefined;
    const token = await nextToken(redis, key);
    return { token, validUntilMs: lock.expiration, release: async () => void (await lock.release()) };
  },
};

/**
 * Sets resource to value if token is at least the newest token that wrote it: a holder that was
 * paused past its lease (and replaced) cannot overwrite what its successor wrote. Optimistic:
 * WATCH the resource's fence, check, write fence and value in one MULTI, look again if EXEC failed.
 */
export async function fencedSet(redis: Redis, resource: string, token: number, value: string): Promise<boolean> {
  const fence = `${resource}:fence-seen`;
  for (let attempt = 0; attempt < 100; attempt++) {
    await redis.watch(fence);
    if (Number((await redis.get(fence)) ?? 0) > token) {
      await redis.unwatch();
      return false;
    }
    if ((await redis.multi().set(fence, token).set(resource, value).exec()) !== null) return true;
  }
  throw new Error(`fencedSet of ${resource}: the fence kept moving`);
}
