// ACL users replicated through the log: a user made through one node is enforced on every node
// once the entry applies there (including on followers, whose ACL SETUSER is relayed); a user
// deleted through one node loses its connections on every node; a restarted node gets the users
// back from its log or snapshot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient, show, TestCluster, waitFor } from './helpers.js';

async function authAs(port: number, user: string, password: string): Promise<RawClient> {
  const client = await RawClient.connect(port);
  const reply = await waitFor(`${user} to authenticate on port ${port}`, async () => {
    const answer = show(await client.call('AUTH', user, password));
    return answer === 'OK' ? answer : undefined;
  });
  assert.equal(reply, 'OK');
  return client;
}

test('a user set through one node is enforced on every node, and deleting it drops its clients everywhere', async () => {
  const cluster = await TestCluster.start(3);
  const clients: RawClient[] = [];
  try {
    const leader = await cluster.leader();
    const follower = (leader + 1) % 3;
    const admin = await RawClient.connect(cluster.nodes[follower]!.port);
    clients.push(admin);
    assert.equal(show(await admin.call('ACL', 'SETUSER', 'app', 'on', '>app-pw', '~app:*', '+@read', '+@write', '-flushall')), 'OK');
    for (const node of cluster.nodes) {
      const client = await authAs(node.port, 'app', 'app-pw');
      clients.push(client);
      assert.equal(show(await client.call('SET', 'app:k', 'v')), 'OK');
      assert.equal(show(await client.call('SET', 'other', 'v')), 'ERR:NOPERM this user has no permissions to access one of the keys used as arguments');
      assert.equal(show(await client.call('FLUSHALL')), "ERR:NOPERM this user has no permissions to run the 'flushall' command");
      const list = show(await client.call('ACL', 'WHOAMI'));
      assert.equal(list, "ERR:NOPERM this user has no permissions to run the 'acl|whoami' command");
    }
    // The log of refusals is each node's own.
    const logs = await Promise.all(cluster.nodes.map(async (node) => (show(await (await RawClient.connect(node.port)).call('ACL', 'LOG')) as unknown[]).length));
    assert.deepEqual(logs, [3, 3, 3]);
    assert.equal(show(await admin.call('ACL', 'DELUSER', 'app')), 1);
    await waitFor('every client of the deleted user to be disconnected', () => (clients.slice(1).every((c) => c.closed) ? true : undefined));
    const again = await RawClient.connect(cluster.nodes[leader]!.port);
    clients.push(again);
    assert.equal(show(await again.call('AUTH', 'app', 'app-pw')), 'ERR:WRONGPASS invalid username-password pair or user is disabled.');
  } finally {
    for (const client of clients) client.close();
    await cluster.cleanup();
  }
});

test('a restarted node enforces the users the cluster made while it ran and after', async () => {
  const cluster = await TestCluster.start(3);
  try {
    const leader = await cluster.leader();
    const admin = await RawClient.connect(cluster.nodes[leader]!.port);
    assert.equal(show(await admin.call('ACL', 'SETUSER', 'reader', 'on', '>r', '~*', '+@read')), 'OK');
    const restarted = (leader + 2) % 3;
    await cluster.stop(restarted);
    assert.equal(show(await admin.call('ACL', 'SETUSER', 'late', 'on', '>l', '~*', '+get')), 'OK');
    admin.close();
    await cluster.startNode(restarted);
    // HELLO AUTH, like AUTH, waits for the users committed while the node was down.
    const greeted = await RawClient.connect(cluster.nodes[restarted]!.port);
    const hello = show(await greeted.call('HELLO', '3', 'AUTH', 'late', 'l'));
    assert.ok(!String(hello).startsWith('ERR:'), `HELLO AUTH on the restarted node: ${JSON.stringify(hello)}`);
    assert.equal(show(await greeted.call('SET', 'k', 'v')), "ERR:NOPERM this user has no permissions to run the 'set' command");
    greeted.close();
    const reader = await authAs(cluster.nodes[restarted]!.port, 'reader', 'r');
    assert.equal(show(await reader.call('SET', 'k', 'v')), "ERR:NOPERM this user has no permissions to run the 'set' command");
    reader.close();
    const late = await authAs(cluster.nodes[restarted]!.port, 'late', 'l');
    assert.equal(show(await late.call('GET', 'k')), null);
    late.close();
  } finally {
    await cluster.cleanup();
  }
});
