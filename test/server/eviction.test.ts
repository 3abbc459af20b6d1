// maxmemory with the evicting policies against a real `cairn server`. The figure maxmemory compares
// is deterministic (INFO used_memory_startup + used_memory_dataset: a fixed part and the keyspace's
// size estimate), and every key here has the same figure (same key length, same value), so a limit
// of startup + CAP keys holds exactly CAP keys: past it the leader evicts until the estimate is
// under the limit and never further, so the keys left and evicted_keys are known exactly, whatever
// the timing. allkeys-lru takes the keys used longest ago first (exactly, for keys its access clock
// knows); volatile-* evict only keys with a TTL and refuse writes with OOM once none is left;
// volatile-ttl takes the nearest expiries first, in one batch after the limit is lowered.
// One server runs the cases of a test in turn (FLUSHALL between).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient, show, startCairn, waitFor } from './helpers.js';

const OOM = "ERR:OOM command not allowed when used memory > 'maxmemory'.";
const VALUE = 'v'.repeat(1000);
/** Keys the limit holds. */
const CAP = 400;
const BATCH = 100;
const SETTLE_MS = 60_000;

/** Key names of one length (so one figure per key): `${prefix}:${i, five digits}`. */
const name = (prefix: string, i: number): string => `${prefix}:${String(i).padStart(5, '0')}`;
const names = (prefix: string, from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => name(prefix, from + i));

async function infoNumber(client: RawClient, section: string, field: string): Promise<number> {
  const match = new RegExp(`^${field}:(.*)$`, 'm').exec(String(show(await client.call('INFO', section))));
  assert.ok(match !== null, `INFO ${section} has ${field}`);
  return Number(match[1]!.trim());
}

/** What maxmemory compares. */
async function usedBytes(client: RawClient): Promise<number> {
  return (await infoNumber(client, 'memory', 'used_memory_startup')) + (await infoNumber(client, 'memory', 'used_memory_dataset'));
}

interface Case {
  readonly limitBytes: number;
  /** evicted_keys before the case. */
  readonly evictedBefore: number;
}

/** Empties the server, sets the policy and a limit that holds exactly CAP keys (no limit when `unlimited`: set it later). */
async function reset(client: RawClient, policy: string, unlimited = false): Promise<Case> {
  assert.equal(show(await client.call('CONFIG', 'SET', 'maxmemory', '0')), 'OK');
  assert.equal(show(await client.call('FLUSHALL')), 'OK');
  assert.equal(show(await client.call('SET', name('probe', 0), VALUE)), 'OK');
  const keyBytes = Number(show(await client.call('MEMORY', 'USAGE', name('probe', 0))));
  const emptyBytes = (await usedBytes(client)) - keyBytes;
  assert.equal(show(await client.call('DEL', name('probe', 0))), 1);
  assert.equal(await usedBytes(client), emptyBytes, 'the estimate of an empty keyspace is its fixed part');
  const limitBytes = emptyBytes + CAP * keyBytes;
  const limit = unlimited ? '0' : String(limitBytes);
  assert.equal(show(await client.call('CONFIG', 'SET', 'maxmemory-policy', policy, 'maxmemory', limit)), 'OK');
  return { limitBytes, evictedBefore: await infoNumber(client, 'stats', 'evicted_keys') };
}

/** SETs the keys in pipelined batches, with `extra` arguments per key (EX ..., PXAT ...); every reply must be OK. */
async function fill(client: RawClient, keys: readonly string[], extra: (i: number) => string[] = () => []): Promise<void> {
  for (let start = 0; start < keys.length; start += BATCH) {
    const end = Math.min(keys.length, start + BATCH);
    for (let i = start; i < end; i++) client.command('SET', keys[i]!, VALUE, ...extra(i));
    const replies = (await client.replies(end - start, 30_000)).map(show);
    assert.deepEqual(replies.filter((reply) => reply !== 'OK'), [], `writes ${keys[start]}.. succeed`);
  }
}

/**
 * Waits until the estimate is under the limit and every key gone is counted in evicted_keys; returns
 * DBSIZE and the keys evicted. The estimate is read first: under the limit, no round is in flight (a
 * round starts only over it, and the estimate drops only when its entry applies), and with no more
 * writes none starts, so DBSIZE and evicted_keys read after it are final once they add up (the
 * counter follows the entry's apply by a moment). Read the other way round, a round applying between
 * the reads could pass for settled.
 */
async function settled(client: RawClient, c: Case, written: number): Promise<{ size: number; evicted: number }> {
  return waitFor('eviction to bring the estimate under the limit', async () => {
    if ((await usedBytes(client)) > c.limitBytes) return undefined;
    const size = Number(show(await client.call('DBSIZE')));
    const evicted = (await infoNumber(client, 'stats', 'evicted_keys')) - c.evictedBefore;
    return size + evicted === written ? { size, evicted } : undefined;
  }, SETTLE_MS);
}

async function present(client: RawClient, keys: readonly string[]): Promise<string[]> {
  for (const key of keys) client.command('EXISTS', key);
  const replies = (await client.replies(keys.length, 30_000)).map(show);
  return keys.filter((_, i) => replies[i] === 1);
}

async function withServer(body: (client: RawClient) => Promise<void>): Promise<void> {
  const server = await startCairn(['--fsync', 'no']);
  const client = await RawClient.connect(server.port);
  try {
    await body(client);
  } finally {
    client.close();
    await server.cleanup();
  }
}

test('allkeys-random: past the limit keys are evicted until the estimate is under it, never one more', async () => {
  await withServer(async (client) => {
    const c = await reset(client, 'allkeys-random');
    await fill(client, names('k', 0, 1000));
    const { size, evicted } = await settled(client, c, 1000);
    assert.equal(size, CAP, 'exactly the keys the limit holds remain: evicted enough and no more');
    assert.equal(evicted, 1000 - CAP, 'evicted_keys counts every key gone');
    assert.equal(show(await client.call('SET', name('k', 0), 'small')), 'OK', 'writes go on');
    assert.match(String(show(await client.call('CAIRN.EVICT', name('k', 1)))), /^ERR:ERR unknown command 'CAIRN\.EVICT'/, 'no client may evict');
  });
});

test('allkeys-lru: the keys used longest ago go first; keys read since survive', async () => {
  await withServer(async (client) => {
    const c = await reset(client, 'allkeys-lru');
    const old = names('k', 0, CAP);
    await fill(client, old); // exactly at the limit: nothing evicted yet
    const read = old.filter((_, i) => i % 4 === 0);
    for (const key of read) client.command('GET', key);
    assert.ok((await client.replies(read.length, 30_000)).every((reply) => show(reply) === VALUE), 'every key read is there');
    assert.equal(await infoNumber(client, 'stats', 'evicted_keys'), c.evictedBefore, 'nothing was evicted at the limit');
    const fresh = names('f', 0, 200);
    await fill(client, fresh);
    const { size, evicted } = await settled(client, c, CAP + 200);
    assert.equal(size, CAP);
    assert.equal(evicted, 200);
    const unread = old.filter((_, i) => i % 4 !== 0);
    assert.deepEqual(await present(client, read), read, 'every key read since it was written survives');
    assert.deepEqual(await present(client, fresh), fresh, 'every key written last survives');
    assert.deepEqual(await present(client, unread), unread.slice(200), 'the unread keys written first are the ones evicted, in order');
  });
});

test('volatile-lru and volatile-random evict only keys with a TTL; with none left, writes get OOM', async () => {
  await withServer(async (client) => {
    for (const policy of ['volatile-lru', 'volatile-random']) {
      const c = await reset(client, policy);
      const plain = names('p', 0, 100);
      await fill(client, plain);
      await fill(client, names('t', 0, 600), () => ['EX', '100000']);
      const { size, evicted } = await settled(client, c, 700);
      assert.equal(size, CAP, `${policy}: the keys the limit holds remain`);
      assert.equal(evicted, 300, `${policy}: evicted_keys counts every key gone`);
      assert.deepEqual(await present(client, plain), plain, `${policy}: no key without a TTL was evicted`);
      // Keys without a TTL past the limit: the TTL keys go one by one, then writes are refused.
      const more: string[] = [];
      let refused = false;
      for (let i = 0; i < 1000 && !refused; i++) {
        const reply = show(await client.call('SET', name('q', i), VALUE));
        if (reply === OOM) refused = true;
        else more.push(name('q', i));
      }
      assert.ok(refused, `${policy}: a write was refused with OOM`);
      const keyspace = String(show(await client.call('INFO', 'keyspace')));
      assert.match(keyspace, /^db0:keys=\d+,expires=0,/m, `${policy}: only once no key with a TTL was left`);
      await waitFor(`${policy}: evicted_keys to count the 600 keys with a TTL`, async () =>
        ((await infoNumber(client, 'stats', 'evicted_keys')) - c.evictedBefore === 600 ? true : undefined), SETTLE_MS);
      assert.deepEqual(await present(client, [...plain, ...more]), [...plain, ...more], `${policy}: every key without a TTL is there`);
      assert.equal(show(await client.call('GET', plain[0]!)), VALUE, 'reads still run');
      assert.equal(show(await client.call('DEL', plain[0]!)), 1, 'deletes still run');
    }
  });
});

test('volatile-ttl: lowering the limit evicts the nearest expiries, in one batch', async () => {
  await withServer(async (client) => {
    const c = await reset(client, 'volatile-ttl', true);
    const plain = names('p', 0, 50);
    await fill(client, plain);
    // TTL keys whose expiry order is neither their write order nor their name order.
    const count = 500;
    const rank = (i: number): number => (i * 7919) % count;
    const baseMs = Date.now() + 10 ** 9;
    const keys = names('t', 0, count);
    await fill(client, keys, (i) => ['PXAT', String(baseMs + rank(i) * 1000)]);
    assert.equal(await infoNumber(client, 'stats', 'evicted_keys'), c.evictedBefore, 'nothing evicted without a limit');
    assert.equal(show(await client.call('CONFIG', 'SET', 'maxmemory', String(c.limitBytes))), 'OK');
    const { size, evicted } = await settled(client, c, 50 + count);
    const gone = 50 + count - CAP;
    assert.equal(size, CAP);
    assert.equal(evicted, gone);
    assert.deepEqual(await present(client, plain), plain, 'no key without a TTL was evicted');
    const expected = keys.filter((_, i) => rank(i) >= gone);
    assert.deepEqual(await present(client, keys), expected, `the ${gone} keys expiring first are the ones evicted`);
  });
});
