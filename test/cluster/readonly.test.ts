// READONLY / READWRITE: the replies and arity on a single-node server, and on a real three-node
// cluster that a READONLY connection on a follower reads its local applied state without
// ReadIndex (it still answers with the leader and a second node stopped, while a default or
// READWRITE connection waits for a leader and answers CLUSTERDOWN), and that its writes still
// go to the leader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCairn } from '../server/helpers.js';
import { RawClient, show, TestCluster, waitFor } from './helpers.js';

const leaderWaitMs = 1500;
/**
 * The cluster's server wraps the ReplicaBackend in a WriteCoalescer, whose read() does not yet
 * pass the consistency on; until it does, READONLY cannot reach the replica and this test fails.
 */

test('READONLY and READWRITE answer OK, take no arguments, and show in CLIENT INFO until RESET', async () => {
  const server = await startCairn();
  try {
    const client = await RawClient.connect(server.port);
    try {
      assert.equal(show(await client.call('READONLY')), 'OK');
      assert.match(String(show(await client.call('CLIENT', 'INFO'))), / flags=r /);
      assert.equal(show(await client.call('SET', 'k', 'v')), 'OK');
      assert.equal(show(await client.call('GET', 'k')), 'v');
      assert.equal(show(await client.call('READWRITE')), 'OK');
      assert.match(String(show(await client.call('CLIENT', 'INFO'))), / flags=N /);
      assert.equal(show(await client.call('readonly')), 'OK');
      assert.equal(show(await client.call('RESET')), 'RESET');
      assert.match(String(show(await client.call('CLIENT', 'INFO'))), / flags=N /);
      assert.equal(show(await client.call('READONLY', 'x')), "ERR:ERR wrong number of arguments for 'readonly' command");
      assert.equal(show(await client.call('READWRITE', 'x')), "ERR:ERR wrong number of arguments for 'readwrite' command");
      assert.equal(show(await client.call('GET', 'k')), 'v');
    } finally {
      client.close();
    }
  } finally {
    await server.cleanup();
  }
});

test('READONLY on a follower reads local state without a leader; READWRITE is linearizable again', async () => {
  const cluster = await TestCluster.start(3, ['--leader-wait-ms', String(leaderWaitMs)]);
  const stopped: number[] = [];
  const clients: RawClient[] = [];
  try {
    const leader = await cluster.leader();
    const follower = (leader + 1) % 3;
    const other = (leader + 2) % 3;
    const port = cluster.nodes[follower]!.port;
    const local = await RawClient.connect(port);
    const linearizable = await RawClient.connect(port);
    clients.push(local, linearizable);
    assert.equal(show(await local.call('READONLY')), 'OK');
    // A write on a READONLY connection still goes to the leader.
    assert.equal(show(await local.call('SET', 'k', 'v1')), 'OK');
    await waitFor('the follower to apply the write', async () => (show(await local.call('GET', 'k')) === 'v1' ? true : undefined));
    assert.equal(show(await linearizable.call('GET', 'k')), 'v1');

    // No quorum and no leader: only a local read can answer.
    for (const i of [leader, other]) {
      cluster.nodes[i]!.proc!.kill('SIGSTOP');
      stopped.push(i);
    }
    let startedMs = Date.now();
    assert.equal(show(await local.call('GET', 'k')), 'v1');
    const localMs = Date.now() - startedMs;
    assert.ok(localMs < leaderWaitMs / 2, `the READONLY read took ${localMs} ms`);

    startedMs = Date.now();
    assert.equal(show(await linearizable.call('GET', 'k')), 'ERR:CLUSTERDOWN The cluster is down');
    const waitedMs = Date.now() - startedMs;
    assert.ok(waitedMs >= leaderWaitMs - 100, `the default read answered after ${waitedMs} ms, before the leader wait`);

    // A relayed EXEC that finds no leader answers one CLUSTERDOWN, as a failed EXEC on the leader does.
    for (const words of [['MULTI'], ['SET', 'k', 'v2'], ['INCR', 'n']]) linearizable.command(...words);
    assert.deepEqual((await linearizable.replies(3)).map(show), ['OK', 'QUEUED', 'QUEUED']);
    assert.equal(show(await linearizable.call('EXEC')), 'ERR:CLUSTERDOWN The cluster is down');

    assert.equal(show(await local.call('READWRITE')), 'OK');
    assert.equal(show(await local.call('GET', 'k')), 'ERR:CLUSTERDOWN The cluster is down');
  } finally {
    for (const client of clients) client.close();
    for (const i of stopped) cluster.nodes[i]!.proc?.kill('SIGCONT');
    await cluster.cleanup();
  }
});
