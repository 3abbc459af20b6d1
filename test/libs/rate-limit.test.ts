// rate-limiter-flexible's RateLimiterRedis over ioredis, unchanged, on redis-server and on a 3-node
// Cairn cluster: limiters on three nodes share one budget (a consume is one script: set NX with the
// duration, INCRBY, PTTL), concurrent consumes never overspend it, the window resets after its
// duration, and block/get/delete/penalty/reward work. A limiter without a duration goes through
// MULTI INCRBY PTTL instead of a script.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { waitFor } from '../cluster/helpers.js';
import { forEachTarget, type LibTarget } from './targets.js';

/** One ioredis connection per node, closed by the returned function. */
function connectAll(target: LibTarget): { clients: Redis[]; close: () => void } {
  const clients = [0, 1, 2].map((node) => new Redis({ host: '127.0.0.1', port: target.port(node), maxRetriesPerRequest: 1 }));
  for (const client of clients) client.on('error', () => undefined);
  return { clients, close: () => clients.forEach((c) => c.disconnect()) };
}

/** What consume settled to: the result, or the RateLimiterRes it was rejected with; anything else is thrown. */
async function consumed(limiter: RateLimiterRedis, key: string, points = 1): Promise<{ allowed: boolean; res: RateLimiterRes }> {
  try {
    return { allowed: true, res: await limiter.consume(key, points) };
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return { allowed: false, res: rejection };
    throw rejection;
  }
}

forEachTarget((target) => {
  test('limiters on three nodes share one budget, and it resets after the duration', async () => {
    const { clients, close } = connectAll(target());
    try {
      const limiters = clients.map((storeClient) => new RateLimiterRedis({ storeClient, keyPrefix: 'rl-shared', points: 5, duration: 2 }));
      for (let n = 0; n < 5; n++) {
        const { allowed, res } = await consumed(limiters[n % 3]!, 'user-1');
        assert.ok(allowed, `consume ${n + 1} of 5`);
        assert.equal(res.remainingPoints, 4 - n);
      }
      const refused = await consumed(limiters[2]!, 'user-1');
      assert.equal(refused.allowed, false);
      assert.equal(refused.res.consumedPoints, 6);
      assert.ok(refused.res.msBeforeNext > 0 && refused.res.msBeforeNext <= 2000, `msBeforeNext ${refused.res.msBeforeNext}`);
      assert.equal((await consumed(limiters[0]!, 'user-2')).allowed, true, 'another key has its own budget');
      await waitFor('the window to reset', async () => ((await consumed(limiters[1]!, 'user-1')).allowed ? true : undefined), 5000);
    } finally {
      close();
    }
  });

  test('40 concurrent consumes through three nodes of a 10-point budget: exactly 10 allowed', async () => {
    const { clients, close } = connectAll(target());
    try {
      const limiters = clients.map((storeClient) => new RateLimiterRedis({ storeClient, keyPrefix: 'rl-race', points: 10, duration: 30 }));
      const outcomes = await Promise.all(Array.from({ length: 40 }, (_, n) => consumed(limiters[n % 3]!, 'burst')));
      assert.equal(outcomes.filter((o) => o.allowed).length, 10);
      assert.deepEqual(outcomes.map((o) => o.res.consumedPoints).sort((a, b) => a - b), Array.from({ length: 40 }, (_, n) => n + 1));
    } finally {
      close();
    }
  });

  test('block, get, penalty, reward and delete', async () => {
    const { clients, close } = connectAll(target());
    try {
      const [a, b] = clients.map((storeClient) => new RateLimiterRedis({ storeClient, keyPrefix: 'rl-ops', points: 3, duration: 10 }));
      await a!.block('ip-1', 5);
      const blocked = await b!.get('ip-1');
      assert.ok(blocked !== null && blocked.consumedPoints > 3 && blocked.msBeforeNext > 4000, JSON.stringify(blocked));
      assert.equal((await consumed(b!, 'ip-1')).allowed, false);
      assert.equal(await b!.delete('ip-1'), true);
      assert.equal(await a!.get('ip-1'), null);
      assert.equal((await a!.penalty('ip-2', 2)).consumedPoints, 2);
      assert.equal((await b!.reward('ip-2', 1)).consumedPoints, 1);
      assert.equal((await consumed(a!, 'ip-2', 2)).allowed, true);
      assert.equal((await consumed(b!, 'ip-2')).allowed, false);
    } finally {
      close();
    }
  });

  test('a limiter without a duration (MULTI INCRBY PTTL, no script) shares its budget across nodes', async () => {
    const { clients, close } = connectAll(target());
    try {
      const limiters = clients.map((storeClient) => new RateLimiterRedis({ storeClient, keyPrefix: 'rl-forever', points: 4, duration: 0 }));
      const outcomes = [];
      for (let n = 0; n < 6; n++) outcomes.push(await consumed(limiters[n % 3]!, 'key'));
      assert.deepEqual(outcomes.map((o) => o.allowed), [true, true, true, true, false, false]);
      assert.equal(outcomes[5]!.res.consumedPoints, 6);
      assert.equal(outcomes[5]!.res.msBeforeNext, -1, 'no expiry');
    } finally {
      close();
    }
  });
});
