// A cluster with requirepass: clients must authenticate on every node, and a follower's relay to
// the leader authenticates itself, so writes sent to a follower still land.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient, show, TestCluster } from './helpers.js';

test('with requirepass, a follower relays authenticated writes to the leader', async () => {
  const cluster = await TestCluster.start(3, ['--requirepass', 'cluster secret']);
  try {
    const leader = await cluster.leader();
    const follower = cluster.nodes[(leader + 1) % 3]!;
    const client = await RawClient.connect(follower.port);
    try {
      assert.equal(show(await client.call('SET', 'k', 'v')), 'ERR:NOAUTH Authentication required.');
      assert.equal(show(await client.call('AUTH', 'cluster secret')), 'OK');
      assert.equal(show(await client.call('SET', 'k', 'v')), 'OK');
      assert.equal(show(await client.call('GET', 'k')), 'v');
    } finally {
      client.close();
    }
  } finally {
    await cluster.cleanup();
  }
});
