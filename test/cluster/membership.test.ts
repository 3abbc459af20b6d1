// Membership at runtime with real processes: a fourth node started with --join is added with
// CLUSTER ADDNODE (learner, catch-up, promotion to voter) and removed with CLUSTER REMOVENODE while
// a client keeps writing through a follower; the leader removes itself (handing over first) under
// writes; every acknowledged write is readable afterwards.
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
    // The removed node hears from no leader, asks the others, finds itself removed and stops serving.
    await waitFor(`${node.id} notices its removal`, async () => ((await cluster.info(added)).cairn_role === 'removed' ? true : undefined), 15_000);
    assert.match(String(show(await call(node.port, 'GET', 'm-0'))), /^ERR:CLUSTERDOWN/);
    // A removed id never comes back: the node would have to rejoin under a new one.
    const again = show(await call(leaderPort, 'CLUSTER', 'ADDNODE', node.id, `127.0.0.1:${node.peerPort}`, `127.0.0.1:${node.port}`));
    assert.match(String(again), /^ERR:ERR n4 was removed from this cluster before/);
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

test('the leader removes itself under write load: it hands over, the new leader commits the removal', async () => {
  const cluster = await TestCluster.start(3);
  let writing = true;
  const acked: number[] = [];
  let load: Promise<void> = Promise.resolve();
  try {
    const leader = await cluster.leader();
    const old = cluster.nodes[leader]!;
    const writer = cluster.nodes[(leader + 1) % 3]!;
    load = (async () => {
      const client = await RawClient.connect(writer.port);
      try {
        for (let i = 0; writing && i < 1_000_000; i++) {
          if (show(await client.call('SET', `r-${i}`, String(i))) === 'OK') acked.push(i);
        }
      } finally {
        client.close();
      }
    })();
    await waitFor('writes before the removal', () => (acked.length > 200 ? true : undefined), 20_000);
    assert.equal(show(await call(old.port, 'CLUSTER', 'REMOVENODE', old.id)), 'OK');
    const rest = [0, 1, 2].filter((i) => i !== leader);
    const infos = await Promise.all(rest.map((i) => cluster.info(i)));
    const newLeader = infos[0]!.cairn_leader!;
    assert.ok(newLeader !== '' && newLeader !== old.id, `a new leader: ${newLeader}`);
    for (const info of infos) {
      assert.equal(info.cairn_leader, newLeader);
      assert.ok(!info.cairn_members!.split(',').includes(old.id), `${old.id} is gone: ${info.cairn_members}`);
    }
    // The removed node no longer serves as a member: no leader, role 'removed', writes refused.
    const retired = await cluster.info(leader);
    assert.equal(retired.cairn_role, 'removed');
    assert.equal(retired.cairn_leader, '');
    assert.match(String(show(await call(old.port, 'SET', 'after-removal', 'x'))), /^ERR:CLUSTERDOWN/);
    const afterRemove = acked.length;
    await waitFor('writes after the removal', () => (acked.length > afterRemove + 200 ? true : undefined), 20_000);
    writing = false;
    await load;
    const keys = acked.map((i) => `r-${i}`);
    for (let start = 0; start < keys.length; start += 500) {
      const chunk = keys.slice(start, start + 500);
      assert.deepEqual(show(await call(writer.port, 'MGET', ...chunk)), chunk.map((k) => k.slice(2)));
    }
  } finally {
    writing = false;
    await load.catch(() => undefined);
    await cluster.cleanup();
  }
});

test('a membership change sent to the new leader the moment a transfer completes succeeds', async () => {
  const cluster = await TestCluster.start(3);
  try {
    const leader = await cluster.leader();
    const next = (leader + 1) % 3;
    const third = (leader + 2) % 3;
    const onNext = await RawClient.connect(cluster.nodes[next]!.port);
    try {
      assert.equal(show(await call(cluster.nodes[leader]!.port, 'CLUSTER', 'TRANSFER', cluster.nodes[next]!.id)), 'OK');
      // At once, on a connection already open: the new leader may not have committed its first entry yet.
      assert.equal(show(await onNext.call('CLUSTER', 'REMOVENODE', cluster.nodes[third]!.id)), 'OK');
      const members = show(await onNext.call('CLUSTER', 'MEMBERS'));
      assert.deepEqual(
        (members as string[]).map((line) => line.split(' ').slice(0, 2).join(' ')),
        [...[leader, next].map((i) => `${cluster.nodes[i]!.id} voter`).sort(), `${cluster.nodes[third]!.id} removed`],
      );
      assert.equal(show(await onNext.call('SET', 'two', 'members')), 'OK');
    } finally {
      onNext.close();
    }
  } finally {
    await cluster.cleanup();
  }
});
