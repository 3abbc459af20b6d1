// Members learn each other's client addresses from the members themselves (issue #17): three real
// node processes on ports with no common client/peer offset and no --client-addrs. Every node's
// CLUSTER SLOTS names the leader's real client port, redis-cli -c and ioredis Cluster work from
// every node, a follower relays to the real leader, and after the leader restarts on another
// client port every node reports the new one. A member that never announced is left out (not
// guessed) and `cairn status` says so.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import Redis from 'ioredis';
import type { ServerReply } from '../../src/resp/reply-parser.js';
import { main as statusMain } from '../../src/runtime/cluster/status.js';
import { call, freePort, show, TestCluster, waitFor } from './helpers.js';

const clusters: TestCluster[] = [];

after(async () => {
  await Promise.all(clusters.map((c) => c.cleanup()));
});

async function startCluster(started?: number): Promise<TestCluster> {
  const cluster = await TestCluster.start(3, [], { announce: true, ...(started === undefined ? {} : { started }) });
  clusters.push(cluster);
  return cluster;
}

/** The client ports CLUSTER SLOTS names on node i, the primary's first. */
async function slotPorts(cluster: TestCluster, i: number): Promise<number[] | undefined> {
  const reply = await call(cluster.nodes[i]!.port, 'CLUSTER', 'SLOTS').catch(() => undefined);
  if (reply?.type !== 'array') return undefined;
  const range = reply.items[0];
  if (range?.type !== 'array') return undefined;
  return range.items.slice(2).map((endpoint: ServerReply) => Number((show(endpoint) as unknown[])[1]));
}

/** Waits until every live node's CLUSTER SLOTS names the leader's client port first and every live member's port. */
async function settled(cluster: TestCluster): Promise<number> {
  const leader = await cluster.leader();
  const expected = [cluster.nodes[leader]!.port, ...cluster.live().filter((i) => i !== leader).map((i) => cluster.nodes[i]!.port).sort()];
  await waitFor('every node names every member\'s real client port, the leader\'s first', async () => {
    for (const i of cluster.live()) {
      const ports = await slotPorts(cluster, i);
      if (ports === undefined || ports[0] !== expected[0] || JSON.stringify([ports[0], ...ports.slice(1).sort()]) !== JSON.stringify(expected)) return undefined;
    }
    return true;
  }, 15_000);
  return leader;
}

test('on ports without a common offset every node names the real client ports, and clients and relays reach the leader', async () => {
  const cluster = await startCluster();
  const offsets = cluster.nodes.map((n) => n.peerPort - n.port);
  assert.equal(new Set(offsets).size, 3, `offsets ${offsets.join(',')} differ`);
  const leader = await settled(cluster);
  for (const i of [0, 1, 2]) {
    const info = await cluster.info(i);
    assert.equal(info.cairn_client_address, `127.0.0.1:${cluster.nodes[i]!.port}`);
    assert.equal(info.cairn_client_address_announced, 'yes');
    assert.equal(info.cairn_client_addresses_unknown, '');
  }
  // A follower relays its client's write to the real leader.
  const follower = (leader + 1) % 3;
  assert.equal(show(await call(cluster.nodes[follower]!.port, 'SET', 'relayed', 'yes')), 'OK');
  assert.equal(show(await call(cluster.nodes[leader]!.port, 'GET', 'relayed')), 'yes');
  for (const [i, node] of cluster.nodes.entries()) {
    const cli = (...args: string[]) => spawnSync('redis-cli', ['-c', '-p', String(node.port), ...args], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(cli('SET', `cli-${i}`, `v${i}`).stdout?.trim(), 'OK', `redis-cli -c from ${node.id}`);
    assert.equal(cli('GET', `cli-${i}`).stdout?.trim(), `v${i}`);
    const client = new Redis.Cluster([{ host: '127.0.0.1', port: node.port }], { enableOfflineQueue: true, clusterRetryStrategy: () => null });
    try {
      assert.equal(await client.set(`io-${i}`, String(i)), 'OK', `ioredis Cluster from ${node.id}`);
      assert.equal(await client.get(`io-${i}`), String(i));
    } finally {
      client.disconnect();
    }
  }
});

test('after the leader restarts on another client port every node reports the new one', async () => {
  const cluster = await startCluster();
  const leader = await settled(cluster);
  const old = cluster.nodes[leader]!;
  const oldPort = old.port;
  await cluster.kill(leader);
  old.port = await freePort();
  await cluster.startNode(leader);
  await waitFor(`${old.id} leads again`, async () => {
    const current = await cluster.leader();
    if (current === leader) return true;
    await call(cluster.nodes[current]!.port, 'CLUSTER', 'TRANSFER', old.id).catch(() => undefined);
    return undefined;
  }, 30_000);
  await settled(cluster);
  for (const i of [0, 1, 2]) {
    const members = show(await call(cluster.nodes[i]!.port, 'CLUSTER', 'MEMBERS')) as string[];
    const line = members.find((l) => l.startsWith(`${old.id} `));
    assert.match(line ?? '', new RegExp(` 127\\.0\\.0\\.1:${old.port} `), `${cluster.nodes[i]!.id}: ${members.join(' | ')}`);
    assert.doesNotMatch(members.join('\n'), new RegExp(`:${oldPort}\\b`));
  }
  const follower = (leader + 1) % 3;
  assert.equal(show(await call(cluster.nodes[follower]!.port, 'SET', 'after-move', '1')), 'OK', 'a follower relays to the moved leader');
  assert.equal(show(await call(old.port, 'GET', 'after-move')), '1');
});

test('a member that never announced is left out, not guessed, and cairn status says so', async () => {
  const cluster = await startCluster(2);
  await settled(cluster);
  for (const i of [0, 1]) {
    assert.equal((await cluster.info(i)).cairn_client_addresses_unknown, 'n3');
    assert.equal((await slotPorts(cluster, i))?.length, 2, 'CLUSTER SLOTS lists only the members with a known address');
    const nodes = show(await call(cluster.nodes[i]!.port, 'CLUSTER', 'NODES')) as string;
    assert.equal(nodes.trim().split('\n').length, 2, nodes);
  }
  const lines: string[] = [];
  const log = console.log;
  console.log = (line: string) => lines.push(line);
  try {
    await statusMain(['--nodes', cluster.nodes.slice(0, 2).map((n) => `127.0.0.1:${n.port}`).join(','), '--timeout-ms', '3000']);
  } finally {
    console.log = log;
  }
  assert.match(lines[0]!, /CLIENT ADDRESSES/);
  assert.ok(lines.slice(1).every((l) => l.includes('unknown: n3')), lines.join('\n'));
  await cluster.startNode(2);
  await settled(cluster);
  assert.equal((await cluster.info(0)).cairn_client_addresses_unknown, '');
});
