// Membership at runtime with real processes: a fourth node started with --join is added with
// CLUSTER ADDNODE (learner, catch-up, promotion to voter) and removed with CLUSTER REMOVENODE while
// a client keeps writing through a follower; every acknowledged write is readable afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, RawClient, show, TestCluster, waitFor } from './helpers.js';

test('add a node and remove it again under write load', async () => {
  const cluster = await TestCluster.start(3, ['--snapshot-every', '200']);
  let writing = true;
  const acked: number[] = [];
  let load: Promise<void> = Promise.resolve();
  try {
    const leader = await cluster.leader();
    const leaderPort = cluster.nodes[leader]!.port;
    const follower = cluster.nodes[(leader + 1) % 3]!;
    load = (async () => {
      const client = await RawClient.connect(follower.port);
      try {
        for (let i = 0; writing && i < 1_000_000; i++) {
          if (show(await client.call('SET', `m-${i}`, String(i))) === 'OK') acked.push(i);
        }
      } finally {
        client.close();
      }
    })();
    await waitFor('writes before the change', () => (acked.length > 300 ? true : undefined), 20_000);
    const clusterId = (await cluster.info(leader)).cairn_cluster_id!;
    const added = await cluster.startJoiningNode(clusterId);
    const node = cluster.nodes[added]!;
    const reply = await call(leaderPort, 'CLUSTER', 'ADDNODE', node.id, `127.0.0.1:${node.peerPort}`, `127.0.0.1:${node.port}`);
    assert.equal(show(reply), 'OK');
    const withFour = await cluster.info(leader);
    assert.equal(withFour.cairn_members, `n1,n2,n3,${node.id}`, 'promoted to voter');
    assert.equal(withFour.cairn_learners, '');
    const before = acked.length;
    await waitFor('more writes with four members', () => (acked.length > before + 100 ? true : undefined), 20_000);
    // The new member serves linearizable reads of writes made before it joined.
    assert.equal(show(await call(node.port, 'GET', 'm-0')), '0');
    assert.equal((await cluster.info(added)).cairn_leader, cluster.nodes[leader]!.id);
    assert.equal(show(await call(leaderPort, 'CLUSTER', 'REMOVENODE', node.id)), 'OK');
    assert.equal((await cluster.info(leader)).cairn_members, 'n1,n2,n3');
    const afterRemove = acked.length;
    await waitFor('writes after the removal', () => (acked.length > afterRemove + 100 ? true : undefined), 20_000);
    writing = false;
    await load;
    const keys = acked.map((i) => `m-${i}`);
    for (let start = 0; start < keys.length; start += 500) {
      const chunk = keys.slice(start, start + 500);
      assert.deepEqual(show(await call(leaderPort, 'MGET', ...chunk)), chunk.map((k) => k.slice(2)));
    }
  } finally {
    writing = false;
    await load.catch(() => undefined);
    await cluster.cleanup();
  }
});
