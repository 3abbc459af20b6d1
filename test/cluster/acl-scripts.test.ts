// A script's redis.call/pcall checked against its caller's ACL on a real three-node cluster: the
// caller travels in the log (CAIRN.ASCALLER), so every node runs the script against its replicated
// users at the same index and refuses the same commands — the leader, the follower that relayed the
// EVAL, and the other follower end with the same state (equal CAIRN.DIGEST at one applied index).
// The leader's refusals are in its ACL LOG (context lua), and in no node's that no client used.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { RawClient, show, TestCluster, waitFor } from './helpers.js';
import { digestOf, type Digest } from './state-dump.js';

const SCRIPT = [
  "redis.call('set', 's:a', ARGV[1])",
  "local refused = redis.pcall('set', 'other', ARGV[1])",
  "redis.pcall('del', 's:a')",
  "redis.call('rpush', 's:list', ARGV[1])",
  'return refused',
].join(' ');

function connect(port: number): Redis {
  const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  return client;
}

async function aclLogOf(port: number): Promise<unknown[]> {
  const client = await RawClient.connect(port);
  try {
    return show(await client.call('ACL', 'LOG')) as unknown[];
  } finally {
    client.close();
  }
}

test("a script's refused commands are refused alike on every node, and logged where the client is", async () => {
  const cluster = await TestCluster.start(3);
  const clients: RawClient[] = [];
  try {
    const leader = await cluster.leader();
    const follower = (leader + 1) % 3;
    const admin = await RawClient.connect(cluster.nodes[leader]!.port);
    clients.push(admin);
    assert.equal(show(await admin.call('ACL', 'SETUSER', 'scr', 'on', '>pw', '~s:*', '+@all', '-del')), 'OK');
    for (const [i, node] of [leader, follower].entries()) {
      const client = await RawClient.connect(cluster.nodes[node]!.port);
      clients.push(client);
      await waitFor(`scr to authenticate on node ${node}`, async () => (show(await client.call('AUTH', 'scr', 'pw')) === 'OK' ? true : undefined));
      const reply = show(await client.call('EVAL', SCRIPT, '0', `v${i}`));
      assert.equal(reply, "ERR:ERR The user executing the script can't access at least one of the keys mentioned in the command arguments");
    }
    const leaderClient = connect(cluster.nodes[leader]!.port);
    const leaderDigest = await digestOf(leaderClient).finally(() => leaderClient.disconnect());
    const digests = await waitFor(`every node to apply one index ≥ ${leaderDigest.index}`, async () => {
      const all: Digest[] = await Promise.all(cluster.nodes.map((n) => { const c = connect(n.port); return digestOf(c).finally(() => c.disconnect()); }));
      return all.every((d) => d.index === all[0]!.index && d.index >= leaderDigest.index) ? all : undefined;
    }, 20_000);
    assert.deepEqual(digests.map((d) => d.sha256), [digests[0]!.sha256, digests[0]!.sha256, digests[0]!.sha256]);
    for (const node of cluster.nodes) {
      const reader = await RawClient.connect(node.port);
      assert.equal(show(await reader.call('READONLY')), 'OK');
      assert.deepEqual(show(await reader.call('MGET', 's:a', 'other')), ['v1', null], `node ${node.port}: the refused SET and DEL changed nothing`);
      assert.deepEqual(show(await reader.call('LRANGE', 's:list', '0', '-1')), ['v0', 'v1'], `node ${node.port}: the script went on after pcall`);
      reader.close();
    }
    // The leader, which ran the EVAL it was sent, logs both refusals; the node no client used logs
    // nothing. (The follower that relayed its EVAL logs them only when its own apply settles the
    // write before the leader's answer does: docs/ACL.md, not done.)
    const logs = await Promise.all(cluster.nodes.map((n) => aclLogOf(n.port)));
    assert.equal(logs[3 - leader - follower]!.length, 0, 'the node no client used logs nothing');
    const entries = logs[leader]!.map((entry) => JSON.stringify(entry));
    assert.equal(entries.length, 2, 'the leader logs the refused SET and DEL');
    for (const entry of entries) assert.match(entry, /"lua"/);
  } finally {
    for (const client of clients) client.close();
    await cluster.cleanup();
  }
});
