// Scripts on a real three-node cluster: a script loaded through one node runs by EVALSHA on the
// others (the cache is replicated), EVAL from a follower is relayed to the leader like any write,
// EVAL_RO reads on a follower, and random scripts sent through every node (math.random, sorts with
// ties, SPOP and SRANDMEMBER inside, MULTI around them), with snapshots taken throughout, leave
// every node with the same applied state (equal CAIRN.DIGEST at one applied index). A read-only
// script on a follower runs in steps with applying paused: it does not see a write the leader
// commits meanwhile, the follower still acknowledges appends (it is needed for the majority), and it
// applies what it held once the script ends or is killed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { Prng } from '../../src/lib/prng.js';
import { RawClient, show, TestCluster, waitFor } from './helpers.js';
import { digestOf, type Digest } from './state-dump.js';

const sha1 = (body: string): string => createHash('sha1').update(body).digest('hex');
const SCRIPTS = [
  "local n = math.random(1000) redis.call('rpush', KEYS[1], n) return n",
  "local t = {} for i = 1, 10 do t[i] = {math.random(3), i} end table.sort(t, function(a, b) return a[1] < b[1] end) " +
    "local out = {} for i, p in ipairs(t) do out[i] = p[2] end redis.call('set', KEYS[1], table.concat(out, ',')) return out",
  "redis.call('sadd', KEYS[1], 'a', 'b', 'c', 'd') local m = redis.call('spop', KEYS[1]) redis.call('rpush', KEYS[2], m) return m",
  "redis.call('sadd', KEYS[1], 'x', 'y', 'z') return redis.call('set', KEYS[2], redis.call('srandmember', KEYS[1]))",
  "return redis.call('incrby', KEYS[1], ARGV[1])",
  "local t = redis.call('time') return redis.call('hset', KEYS[1], 'at', t[1])",
];
const KEYS = ['a', 'b', 'c', 'd'];

function connect(port: number): Redis {
  const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  return client;
}

/** Sends `count` random scripts; error replies (WRONGTYPE on a key another script made, NOSCRIPT) are part of the run. */
async function randomScripts(client: Redis, seed: number, count: number): Promise<void> {
  const prng = new Prng(seed);
  const tolerate = (error: Error): void => assert.match(error.message, /WRONGTYPE|NOSCRIPT|not an integer/);
  for (let i = 0; i < count; i++) {
    const body = prng.pick(SCRIPTS);
    const args = [prng.pick(KEYS), prng.pick(KEYS), String(prng.int(1, 9))];
    if (prng.chance(0.2)) {
      const block = client.multi();
      block.call('EVAL', body, '2', ...args);
      block.call('EVALSHA', sha1(body), '2', ...args);
      await block.exec().catch(tolerate);
    } else if (prng.chance(0.5)) await client.call('EVAL', body, '2', ...args).catch(tolerate);
    else await client.call('EVALSHA', sha1(body), '2', ...args).catch(tolerate);
  }
}

test('scripts on three replicas: replicated cache, relayed EVAL, EVAL_RO on a follower, identical state', { timeout: 90_000 }, async () => {
  const cluster = await TestCluster.start(3, ['--snapshot-every', '40']);
  const clients: Redis[] = [];
  try {
    const leader = await cluster.leader();
    for (const node of cluster.nodes) clients.push(connect(node.port));
    const follower = clients[(leader + 1) % 3]!;
    const other = clients[(leader + 2) % 3]!;
    const counter = "return redis.call('incr', KEYS[1])";
    assert.equal(await follower.script('LOAD', counter), sha1(counter));
    assert.equal(await other.call('EVALSHA', sha1(counter), '1', 'cnt'), 1);
    assert.equal(await follower.call('EVAL', counter, '1', 'cnt'), 2);
    await other.call('READONLY');
    await waitFor('the follower to apply the counter', async () => ((await other.call('EVAL_RO', "return redis.call('get', KEYS[1])", '1', 'cnt')) === '2' ? true : undefined));
    await Promise.all(clients.map((client, i) => randomScripts(client, 7 + i, 60)));
    const leaderDigest = await digestOf(clients[leader]!);
    const digests = await waitFor(`every node to apply one index ≥ ${leaderDigest.index}`, async () => {
      const all: Digest[] = await Promise.all(cluster.nodes.map((n) => { const c = connect(n.port); return digestOf(c).finally(() => c.disconnect()); }));
      return all.every((d) => d.index === all[0]!.index && d.index >= leaderDigest.index) ? all : undefined;
    }, 20_000);
    assert.deepEqual(digests.map((d) => d.sha256), [digests[0]!.sha256, digests[0]!.sha256, digests[0]!.sha256]);
    assert.equal(await clients[leader]!.script('EXISTS', ...SCRIPTS.map(sha1)).then((r) => (r as number[]).length), SCRIPTS.length);
  } finally {
    for (const client of clients) client.disconnect();
    await cluster.cleanup();
  }
});

test('a read-only script on a follower: atomic against writes committed meanwhile, killable, and the follower applies after it', { timeout: 90_000 }, async () => {
  const cluster = await TestCluster.start(3);
  const clients: RawClient[] = [];
  const open = async (port: number): Promise<RawClient> => {
    const client = await RawClient.connect(port);
    clients.push(client);
    return client;
  };
  try {
    const leaderIndex = await cluster.leader();
    const followerIndex = (leaderIndex + 1) % 3;
    const leader = await open(cluster.nodes[leaderIndex]!.port);
    const runner = await open(cluster.nodes[followerIndex]!.port);
    const probe = await open(cluster.nodes[followerIndex]!.port);
    assert.equal(show(await runner.call('READONLY')), 'OK');
    assert.equal(show(await probe.call('CONFIG', 'SET', 'busy-reply-threshold', '50')), 'OK');
    assert.equal(show(await leader.call('SET', 'k', 'before')), 'OK');
    await waitFor('the follower to apply k', async () => (show(await runner.call('GET', 'k')) === 'before' ? true : undefined));
    const busy = async (): Promise<void> => {
      await waitFor('the follower to be busy with the script', async () => (String(show(await probe.call('PING'))).startsWith('ERR:BUSY') ? true : undefined));
    };

    // About 7M Lua instructions, in steps: the leader's write, committed meanwhile, is not seen by it.
    const body = "local a = redis.call('get', KEYS[1]) local x = 0 for i = 1, 1700000 do x = x + i end return {a, redis.call('get', KEYS[1])}";
    const script = runner.call('EVAL_RO', body, '1', 'k');
    await busy();
    assert.equal(show(await leader.call('SET', 'k', 'during')), 'OK');
    assert.deepEqual(show(await script), ['before', 'before']);
    await waitFor('the follower to apply the write held during the script', async () => (show(await runner.call('GET', 'k')) === 'during' ? true : undefined));

    // With the third node down, the leader commits only with this follower's acknowledgement: a
    // write commits while the follower runs a script (Raft goes on), which SCRIPT KILL then stops.
    await cluster.kill((leaderIndex + 2) % 3);
    const spin = runner.call('EVAL_RO', 'local i = 0 while true do i = i + 1 end', '0');
    await busy();
    assert.equal(show(await leader.call('SET', 'k', 'while-killed')), 'OK');
    assert.equal(show(await probe.call('SCRIPT', 'KILL')), 'OK', 'the script still ran when the write committed');
    assert.match(String(show(await spin)), /^ERR:ERR Script killed by user with SCRIPT KILL\.\.\. script: \w+, on @user_script:1\.$/);
    await waitFor('the follower to apply the write held during the killed script', async () => (show(await runner.call('GET', 'k')) === 'while-killed' ? true : undefined));
    assert.equal(show(await leader.call('SET', 'k', 'next')), 'OK');
    await waitFor('the follower to apply the next write', async () => (show(await runner.call('GET', 'k')) === 'next' ? true : undefined));
  } finally {
    for (const client of clients) client.close();
    await cluster.cleanup();
  }
});
