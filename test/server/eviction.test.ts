// maxmemory with the evicting policies against a real `cairn server`: past the limit writes keep
// succeeding while the leader evicts keys by the policy (DBSIZE drops, INFO's evicted_keys counts
// exactly the keys gone), volatile-* never touch a key without a TTL, volatile-ttl takes the
// nearest expiries first, allkeys-lru keeps a key read often, and with nothing left the policy may
// evict, writes get OOM as under noeviction. One server runs every case in turn (FLUSHALL between).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient, show, startCairn, waitFor, type RunningProcess } from './helpers.js';

const OOM = "ERR:OOM command not allowed when used memory > 'maxmemory'.";
const VALUE = 'v'.repeat(1000);
/** Keys written per case: about 14 MB of values against a limit 8 MB above the idle figure. */
const KEYS = 14_000;
const BATCH = 200;

async function infoField(client: RawClient, section: string, name: string): Promise<string> {
  const text = String(show(await client.call('INFO', section)));
  const match = new RegExp(`^${name}:(.*)$`, 'm').exec(text);
  assert.ok(match !== null, `INFO ${section} has ${name}`);
  return match[1]!.trim();
}

/** What maxmemory counts of a fresh server: used_memory less what it leaves out (the Raft log in memory, evictions not yet collected). */
let idleBytes = 0;

/** Empties the server and sets the policy with a limit `headroomBytes` above what it used when fresh (the flushed keys may not be collected yet). */
async function reset(client: RawClient, policy: string, headroomBytes: number): Promise<void> {
  assert.equal(show(await client.call('CONFIG', 'SET', 'maxmemory', '0')), 'OK');
  assert.equal(show(await client.call('FLUSHALL')), 'OK');
  const used = idleBytes;
  assert.equal(show(await client.call('CONFIG', 'SET', 'maxmemory-policy', policy, 'maxmemory', String(used + headroomBytes))), 'OK');
  assert.equal(await infoField(client, 'memory', 'maxmemory_policy'), policy);
}

/** SETs keys `${prefix}${from..to-1}` in pipelined batches (EX `ttl(i)` seconds when given); every reply must be OK. */
async function fill(client: RawClient, prefix: string, from: number, to: number, ttl?: (i: number) => number, between?: () => Promise<void>): Promise<void> {
  for (let start = from; start < to; start += BATCH) {
    const end = Math.min(to, start + BATCH);
    for (let i = start; i < end; i++) client.command('SET', `${prefix}${i}`, VALUE, ...(ttl === undefined ? [] : ['EX', String(ttl(i))]));
    const replies = (await client.replies(end - start, 30_000)).map(show);
    assert.deepEqual(replies.filter((reply) => reply !== 'OK'), [], `writes ${start}..${end} succeed`);
    await between?.();
  }
}

async function evictedKeys(client: RawClient): Promise<number> {
  return Number(await infoField(client, 'stats', 'evicted_keys'));
}

/** DBSIZE and evicted_keys once no eviction ran between reading the two (the evictor may still be at work). */
async function settled(client: RawClient): Promise<{ size: number; evicted: number }> {
  return waitFor('eviction to settle', async () => {
    const evicted = await evictedKeys(client);
    const size = Number(show(await client.call('DBSIZE')));
    return evicted === (await evictedKeys(client)) ? { size, evicted } : undefined;
  });
}

async function exists(client: RawClient, keys: readonly string[]): Promise<boolean[]> {
  for (const key of keys) client.command('EXISTS', key);
  return (await client.replies(keys.length, 30_000)).map((reply) => show(reply) === 1);
}

const range = (prefix: string, from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);

async function withServer(body: (client: RawClient, server: RunningProcess) => Promise<void>): Promise<void> {
  const server = await startCairn(['--fsync', 'no']);
  const client = await RawClient.connect(server.port);
  try {
    idleBytes = Number(await infoField(client, 'memory', 'used_memory')) - Number(await infoField(client, 'memory', 'mem_not_counted_for_evict'));
    await body(client, server);
  } finally {
    client.close();
    await server.cleanup();
  }
}

test('allkeys-random and allkeys-lru: writes keep succeeding past maxmemory, keys are evicted and counted; a key read often stays', async () => {
  await withServer(async (client) => {
    for (const policy of ['allkeys-random', 'allkeys-lru']) {
      await reset(client, policy, 8 * 1024 * 1024);
      const before = await evictedKeys(client);
      assert.equal(show(await client.call('SET', 'hot', VALUE)), 'OK');
      await fill(client, 'k', 0, KEYS, undefined, async () => {
        assert.equal(show(await client.call('GET', 'hot')) !== null || policy === 'allkeys-random', true, `${policy}: the hot key is still there`);
      });
      const { size, evicted: evictedNow } = await settled(client);
      const evicted = evictedNow - before;
      assert.ok(size < KEYS, `${policy}: DBSIZE ${size} dropped below the ${KEYS + 1} keys written`);
      assert.equal(size + evicted, KEYS + 1, `${policy}: evicted_keys (${evicted}) counts every key gone`);
      if (policy === 'allkeys-lru') assert.equal(show(await client.call('GET', 'hot')), VALUE, 'allkeys-lru keeps the key read often');
    }
    assert.match(String(show(await client.call('CAIRN.EVICT', 'hot'))), /^ERR:ERR unknown command 'CAIRN\.EVICT'/, 'no client may evict');
  });
});

test('volatile-lru and volatile-random evict only keys with a TTL; with none left, writes get OOM', async () => {
  await withServer(async (client) => {
    for (const policy of ['volatile-lru', 'volatile-random']) {
      await reset(client, policy, 8 * 1024 * 1024);
      const before = await evictedKeys(client);
      await fill(client, 'keep', 0, 300);
      await fill(client, 'ttl', 0, KEYS, () => 100_000);
      const { size, evicted: evictedNow } = await settled(client);
      const evicted = evictedNow - before;
      assert.ok(evicted > 0, `${policy}: keys were evicted`);
      assert.ok((await exists(client, range('keep', 0, 300))).every(Boolean), `${policy}: no key without a TTL was evicted`);
      assert.equal(size, 300 + KEYS - evicted, `${policy}: evicted_keys counts every key gone`);
    }
    // Nothing with a TTL: over the limit the evictor has nothing to take, so writes are refused.
    await reset(client, 'volatile-lru', 0);
    assert.equal(show(await client.call('CONFIG', 'SET', 'maxmemory', '1')), 'OK');
    await waitFor('a write refused with OOM', async () => (show(await client.call('SET', 'x', 'y')) === OOM ? true : undefined));
    assert.equal(show(await client.call('GET', 'x')) === null || show(await client.call('DEL', 'x')) === 1, true, 'reads and deletes still run');
  });
});

test('volatile-ttl evicts the nearest expiry first', async () => {
  await withServer(async (client) => {
    await reset(client, 'volatile-ttl', 8 * 1024 * 1024);
    // Under the limit: keys expiring soon and keys expiring late, interleaved; then fillers that
    // expire later still, each later than the one before.
    await fill(client, 'soon', 0, 200, (i) => 10_000 + i);
    await fill(client, 'late', 0, 200, (i) => 500_000 + i);
    const fillers = KEYS + 6000;
    await fill(client, 'fill', 0, fillers, (i) => 900_000 + i);
    assert.ok((await settled(client)).evicted > 0, 'keys were evicted');
    const soon = await exists(client, range('soon', 0, 200));
    const late = await exists(client, range('late', 0, 200));
    const filled = await exists(client, range('fill', 0, fillers));
    if (late.includes(false)) assert.ok(!soon.includes(true), 'a late key went only after every soon one');
    if (filled.includes(false)) assert.ok(!late.includes(true), 'a filler went only after every late key');
    const firstKept = filled.indexOf(true);
    assert.ok(firstKept >= 0, 'the fillers expiring last remain');
    assert.ok(filled.slice(firstKept).every(Boolean), 'the fillers evicted are those expiring first');
  });
});
