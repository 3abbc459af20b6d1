// A cluster with requirepass: clients must authenticate on every node, and a follower's relay to
// the leader authenticates itself, so writes sent to a follower still land; so does a follower's
// announcement of its client address (no --client-addrs: the members learn them from each other).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient, show, TestCluster, waitFor } from './helpers.js';

test('with requirepass, a follower relays authenticated writes to the leader', async () => {
  const cluster = await TestCluster.start(3, ['--requirepass', 'cluster secret'], { announce: true });
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
    await waitFor('every node announced its client address through the authenticated leader', async () => {
      const infos = await Promise.all([0, 1, 2].map((i) => cluster.info(i)));
      return infos.every((info) => info.cairn_client_address_announced === 'yes' && info.cairn_client_addresses_unknown === '') ? true : undefined;
    });
  } finally {
    await cluster.cleanup();
  }
});
