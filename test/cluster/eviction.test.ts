// maxmemory eviction in a 3-node cluster: only the leader evicts, and its evictions are log entries
// (CAIRN.EVICT) every replica applies — after writes past the leader's limit through the leader and
// a follower (relayed) in two databases, every node holds the same keys (equal CAIRN.DIGEST at one
// applied index, equal DBSIZE per database), exactly as many as the limit holds (every key has the
// same figure in the size estimate maxmemory compares), the keys gone are exactly those the leader
// counts in evicted_keys, and the followers, whose limit is unset, count none of their own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient, show, TestCluster, waitFor } from './helpers.js';

const VALUE = 'v'.repeat(1000);
const BATCH = 200;
/** Keys the leader's limit holds. */
const CAP = 400;

async function infoField(client: RawClient, section: string, name: string): Promise<number> {
  const match = new RegExp(`^${name}:(.*)$`, 'm').exec(String(show(await client.call('INFO', section))));
  assert.ok(match !== null, `INFO ${section} has ${name}`);
  return Number(match[1]!.trim());
}

/** Key names of one length (one figure per key in the estimate). */
const name = (prefix: string, i: number): string => `${prefix}:${String(i).padStart(5, '0')}`;

/** SETs `count` keys in pipelined batches in the client's database; every reply must be OK. */
async function fill(client: RawClient, prefix: string, count: number): Promise<void> {
  for (let start = 0; start < count; start += BATCH) {
    const end = Math.min(count, start + BATCH);
    for (let i = start; i < end; i++) client.command('SET', name(prefix, i), VALUE);
    const replies = (await client.replies(end - start, 60_000)).map(show);
    assert.deepEqual(replies.filter((reply) => reply !== 'OK'), [], `writes ${prefix}${start}.. succeed`);
  }
}

async function digest(port: number): Promise<{ index: number; sha256: string; sizes: number[] }> {
  const client = await RawClient.connect(port);
  try {
    const [index, sha256] = show(await client.call('CAIRN.DIGEST')) as [number, string];
    assert.equal(show(await client.call('READONLY')), 'OK');
    const sizes: number[] = [];
    for (const db of [0, 3]) {
      assert.equal(show(await client.call('SELECT', String(db))), 'OK');
      sizes.push(Number(show(await client.call('DBSIZE'))));
    }
    return { index, sha256, sizes };
  } finally {
    client.close();
  }
}

test('evictions are entries: every replica deletes the keys the leader chose', async () => {
  const cluster = await TestCluster.start(3);
  const clients: RawClient[] = [];
  try {
    const leader = await cluster.leader();
    const follower = (leader + 1) % 3;
    const viaLeader = await RawClient.connect(cluster.nodes[leader]!.port);
    const viaFollower = await RawClient.connect(cluster.nodes[follower]!.port);
    clients.push(viaLeader, viaFollower);
    // A limit that holds exactly CAP keys: the estimate's fixed part and CAP keys' figures.
    assert.equal(show(await viaLeader.call('SET', name('p', 0), VALUE)), 'OK');
    const keyBytes = Number(show(await viaLeader.call('MEMORY', 'USAGE', name('p', 0))));
    assert.equal(show(await viaLeader.call('DEL', name('p', 0))), 1);
    const usedBytes = async (): Promise<number> => (await infoField(viaLeader, 'memory', 'used_memory_startup')) + (await infoField(viaLeader, 'memory', 'used_memory_dataset'));
    const limitBytes = (await usedBytes()) + CAP * keyBytes;
    assert.equal(show(await viaLeader.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random', 'maxmemory', String(limitBytes))), 'OK');
    assert.equal(show(await viaFollower.call('SELECT', '3')), 'OK');
    await Promise.all([fill(viaLeader, 'a', 1200), fill(viaFollower, 'b', 400)]);
    const written = 1600;
    // The leader's keys gone are exactly those it counts, once the estimate is under the limit.
    const settledEvicted = await waitFor('the leader to evict under the limit', async () => {
      const under = (await usedBytes()) <= limitBytes;
      const { sizes } = await digest(cluster.nodes[leader]!.port);
      const evicted = await infoField(viaLeader, 'stats', 'evicted_keys');
      return under && sizes[0]! + sizes[1]! + evicted === written ? evicted : undefined;
    }, 60_000);
    assert.equal(settledEvicted, written - CAP, 'the leader evicted enough for the limit and no more');
    const committed = Number((await cluster.info(leader)).cairn_commit_index);
    const digests = await waitFor('every replica at one applied index', async () => {
      const all = await Promise.all(cluster.nodes.map((node) => digest(node.port)));
      return all.every((d) => d.index === all[0]!.index && d.index >= committed) ? all : undefined;
    }, 30_000);
    assert.deepEqual(digests.map((d) => d.sha256), digests.map(() => digests[0]!.sha256), 'every replica holds the same state');
    for (const d of digests) assert.deepEqual(d.sizes, digests[0]!.sizes, 'the same DBSIZE per database on every node');
    const [size0, size3] = digests[0]!.sizes as [number, number];
    assert.equal(size0 + size3, CAP, `the keys gone on every node (${written - size0 - size3}) are those the leader evicted (${settledEvicted})`);
    for (const i of [0, 1, 2].filter((n) => n !== leader)) {
      const client = await RawClient.connect(cluster.nodes[i]!.port);
      clients.push(client);
      assert.equal(await infoField(client, 'stats', 'evicted_keys'), 0, 'a follower evicts nothing itself');
    }
  } finally {
    for (const client of clients) client.close();
    await cluster.cleanup();
  }
});
