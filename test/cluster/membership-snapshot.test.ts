// The address book travels in snapshots, with real processes: a follower is down while n4 joins
// under writes and the leader compacts its log past the CAIRN.MEMBER entry; restarted with only
// the original three in its flags, it catches up by snapshot and knows n4's addresses (CLUSTER
// MEMBERS, CLUSTER NODES), and once leadership is transferred to n4 (CLUSTER TRANSFER) it relays
// writes there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redisNodeId } from '../../src/server/cluster-topology.js';
import { call, RawClient, show, TestCluster, waitFor } from './helpers.js';

test('a node that catches up by snapshot learns a member added while it was down', async () => {
  const cluster = await TestCluster.start(3, ['--snapshot-every', '50']);
  let writing = true;
  const acked: number[] = [];
  let load: Promise<void> = Promise.resolve();
  try {
    const originalPeers = cluster.peers;
    const originalClients = cluster.clientAddrs;
    const leader = await cluster.leader();
    const leaderPort = cluster.nodes[leader]!.port;
    const down = (leader + 1) % 3;
    await cluster.stop(down);
    load = (async () => {
      const client = await RawClient.connect(leaderPort);
      try {
        for (let i = 0; writing && i < 1_000_000; i++) {
          if (show(await client.call('SET', `s-${i}`, String(i))) === 'OK') acked.push(i);
        }
      } finally {
        client.close();
      }
    })();
    await waitFor('writes with one node down', () => (acked.length > 100 ? true : undefined), 20_000);
    const added = await cluster.startJoiningNode((await cluster.info(leader)).cairn_cluster_id!);
    const n4 = cluster.nodes[added]!;
    assert.equal(show(await call(leaderPort, 'CLUSTER', 'ADDNODE', n4.id, `127.0.0.1:${n4.peerPort}`, `127.0.0.1:${n4.port}`)), 'OK');
    const afterAdd = acked.length;
    // Well past --snapshot-every: the leader's snapshot now covers the CAIRN.MEMBER entry.
    await waitFor('writes after the addition', () => (acked.length > afterAdd + 300 ? true : undefined), 30_000);
    const info = await cluster.info(leader);
    assert.ok(Number(info.cairn_applied_index) > 0);

    // Restarted with the original three only: n4's addresses can come from nothing but the snapshot.
    await cluster.startNode(down, ['--peers', originalPeers, '--client-addrs', originalClients]);
    const restarted = cluster.nodes[down]!;
    await waitFor(`${restarted.id} installs the leader's snapshot`, () => (restarted.err.includes('raft.snapshot_installed') ? true : undefined), 20_000);
    const members = show(await call(restarted.port, 'CLUSTER', 'MEMBERS'));
    assert.ok(Array.isArray(members));
    assert.ok(members.includes(`${n4.id} voter 127.0.0.1:${n4.peerPort} 127.0.0.1:${n4.port}`), JSON.stringify(members));
    const nodes = String(show(await call(restarted.port, 'CLUSTER', 'NODES')));
    assert.ok(nodes.includes(`${redisNodeId(n4.id)} 127.0.0.1:${n4.port}@0`), nodes);

    writing = false;
    await load;
    // n4 leads; the restarted node relays a write to it and reads its own write.
    assert.equal(show(await call(leaderPort, 'CLUSTER', 'TRANSFER', n4.id)), 'OK');
    await waitFor(`${restarted.id} follows ${n4.id}`, async () => ((await cluster.info(down)).cairn_leader === n4.id ? true : undefined), 10_000);
    const client = await RawClient.connect(restarted.port);
    try {
      assert.equal(show(await client.call('SET', 'through-n3', 'relayed')), 'OK');
      assert.equal(show(await client.call('GET', 'through-n3')), 'relayed');
    } finally {
      client.close();
    }
    assert.equal(show(await call(n4.port, 'GET', 'through-n3')), 'relayed');
    const keys = acked.map((i) => `s-${i}`);
    for (let start = 0; start < keys.length; start += 500) {
      const chunk = keys.slice(start, start + 500);
      assert.deepEqual(show(await call(restarted.port, 'MGET', ...chunk)), chunk.map((k) => k.slice(2)));
    }
  } finally {
    writing = false;
    await load.catch(() => undefined);
    await cluster.cleanup();
  }
});
