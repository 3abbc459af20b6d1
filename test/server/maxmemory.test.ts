// maxmemory with noeviction against a real `cairn server`: over the limit, write commands flagged
// denyoom get Redis's OOM error while reads, deletes and the rest still run, and the node lives on;
// a small limit, CONFIG SET/GET maxmemory-policy and INFO's maxmemory fields answer as redis-server
// 7.0.15 does (side by side), but for the LFU policies, which Cairn refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient, show, startCairn, startRedis } from './helpers.js';

const OOM = "ERR:OOM command not allowed when used memory > 'maxmemory'.";

test('over maxmemory, denyoom writes get OOM; reads, deletes and non-denyoom writes still run', async () => {
  const server = await startCairn();
  const client = await RawClient.connect(server.port);
  try {
    assert.equal(show(await client.call('SET', 'a', '1')), 'OK');
    assert.equal(show(await client.call('SET', 'b', '2')), 'OK');
    assert.equal(show(await client.call('SET', 'c', '3')), 'OK');
    assert.equal(show(await client.call('CONFIG', 'SET', 'maxmemory', '1')), 'OK'); // any real use is over a byte
    assert.deepEqual(show(await client.call('CONFIG', 'GET', 'maxmemory')), ['maxmemory', '1']);
    assert.equal(show(await client.call('SET', 'd', '4')), OOM);
    assert.equal(show(await client.call('INCR', 'a')), OOM);
    assert.equal(show(await client.call('APPEND', 'a', 'x')), OOM);
    assert.equal(show(await client.call('GET', 'a')), '1', 'reads still run');
    assert.equal(show(await client.call('DEL', 'b')), 1, 'deletes still run');
    assert.equal(show(await client.call('GETDEL', 'c')), '3', 'GETDEL is not denyoom');
    assert.equal(show(await client.call('EXPIRE', 'a', '100')), 1, 'EXPIRE is not denyoom');
    // Inside MULTI the refused command flags the transaction, as Redis's rejectCommand does.
    assert.equal(show(await client.call('MULTI')), 'OK');
    assert.equal(show(await client.call('SET', 'e', '5')), OOM);
    assert.equal(show(await client.call('EXEC')), 'ERR:EXECABORT Transaction discarded because of previous errors.');
    assert.equal(show(await client.call('PING')), 'PONG');
    assert.equal(show(await client.call('CONFIG', 'SET', 'maxmemory', '0')), 'OK');
    assert.equal(show(await client.call('SET', 'd', '4')), 'OK', 'no limit: writes run again');
    assert.equal(show(await client.call('DBSIZE')), 2);
    assert.equal(server.proc.exitCode, null, 'the node lives on');
  } finally {
    client.close();
    await server.cleanup();
  }
});

/** The raw bytes of each reply, commands sent one at a time. */
async function rawReplies(client: RawClient, commands: readonly string[][]): Promise<string[]> {
  const out: string[] = [];
  for (const command of commands) {
    const before = client.raw.length;
    await client.call(...command);
    out.push(client.raw.subarray(before).toString());
  }
  return out;
}

test('--maxmemory 1mb: the fixed part and small keys fit, as on redis-server; the figure is the keyspace\'s, exactly', async () => {
  const [cairn, redis] = await Promise.all([startCairn(['--maxmemory', '1mb']), startRedis(['--maxmemory', '1mb'])]);
  const clients = await Promise.all([RawClient.connect(cairn.port), RawClient.connect(redis.port)]);
  const [ours] = clients as [RawClient, RawClient];
  try {
    const commands = [['CONFIG', 'GET', 'maxmemory'], ['CONFIG', 'GET', 'maxmemory-policy'], ['SET', 'k', 'v'], ['GET', 'k']];
    const [mine, theirs] = await Promise.all(clients.map((client) => rawReplies(client, commands)));
    assert.deepEqual(mine, theirs);
    // Redis counts the query buffer of a big write too; Cairn's figure is the keyspace's alone.
    const info = async (): Promise<number> => {
      const text = String(show(await ours.call('INFO', 'memory')));
      return Number(/^used_memory_startup:(\d+)/m.exec(text)![1]) + Number(/^used_memory_dataset:(\d+)/m.exec(text)![1]);
    };
    const roomBytes = 1024 * 1024 - (await info());
    assert.ok(roomBytes > 100_000 && roomBytes < 200_000, `room left under 1mb: ${roomBytes} bytes, about what redis-server leaves`);
    assert.equal(show(await ours.call('SET', 'big', 'x'.repeat(roomBytes - 200))), 'OK', 'under the limit: the write runs');
    assert.ok((await info()) > 1024 * 1024, 'now over it');
    assert.equal(show(await ours.call('SET', 'k2', 'v')), OOM);
    assert.equal(show(await ours.call('DEL', 'big')), 1);
    assert.equal(show(await ours.call('SET', 'k2', 'v')), 'OK', 'back under the limit the moment the key is gone');
  } finally {
    for (const client of clients) client.close();
    await Promise.all([cairn.cleanup(), redis.cleanup()]);
  }
});

test('CONFIG SET/GET maxmemory-policy and INFO\'s maxmemory fields as redis-server 7.0 answers them; the LFU policies refused', async () => {
  const [cairn, redis] = await Promise.all([startCairn(), startRedis()]);
  const clients = await Promise.all([RawClient.connect(cairn.port), RawClient.connect(redis.port)]);
  try {
    const commands = [['CONFIG', 'GET', 'maxmemory-policy'], ['CONFIG', 'SET', 'maxmemory-policy', 'foo'], ['CONFIG', 'SET', 'maxmemory-policy', ''],
      ['CONFIG', 'SET', 'maxmemory-policy'], ['CONFIG', 'SET', 'maxmemory-policy', 'ALLKEYS-LRU'], ['CONFIG', 'GET', 'maxmemory-policy'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'volatile-ttl', 'maxmemory', '100mb'], ['CONFIG', 'GET', 'maxmemory'], ['CONFIG', 'GET', 'maxmemory-policy'],
      ['CONFIG', 'SET', 'maxmemory', '-1'], ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random'], ['CONFIG', 'SET', 'maxmemory', '1.5gb']];
    const [ours, theirs] = await Promise.all(clients.map((client) => rawReplies(client, commands)));
    assert.deepEqual(ours, theirs);
    const fields = async (client: RawClient): Promise<string[]> => {
      const text = String(show(await client.call('INFO')));
      return ['maxmemory', 'maxmemory_human', 'maxmemory_policy', 'evicted_keys'].map((name) => new RegExp(`^${name}:.*$`, 'm').exec(text)?.[0] ?? `no ${name}`);
    };
    assert.deepEqual(await fields(clients[0]!), await fields(clients[1]!));
    assert.deepEqual(await fields(clients[0]!), ['maxmemory:104857600', 'maxmemory_human:100.00M', 'maxmemory_policy:allkeys-random', 'evicted_keys:0']);
    // Redis accepts the LFU policies; Cairn tracks no access frequency and refuses them, saying so.
    for (const policy of ['allkeys-lfu', 'VOLATILE-LFU']) {
      assert.equal(show(await clients[0]!.call('CONFIG', 'SET', 'maxmemory-policy', policy)),
        `ERR:ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - ${policy.toLowerCase()} is not supported by Cairn (no access frequency is tracked); use allkeys-lru or volatile-lru`);
      assert.equal(show(await clients[1]!.call('CONFIG', 'SET', 'maxmemory-policy', policy)), 'OK');
    }
    assert.deepEqual(show(await clients[0]!.call('CONFIG', 'GET', 'maxmemory-policy')), ['maxmemory-policy', 'allkeys-random'], 'a refused policy leaves the policy as it was');
  } finally {
    for (const client of clients) client.close();
    await Promise.all([cairn.cleanup(), redis.cleanup()]);
  }
});
