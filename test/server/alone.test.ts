// A `cairn server` with no peers (a one-member cluster without a peer listener) has nobody to tell
// its client address to: it announces nothing, writes nothing to its log for it, and CLUSTER INFO
// says its address needs no announcement. (An earlier build tried to announce 127.0.0.1:0 as its
// peer address, had every try refused, and kept trying — a failed log entry every few seconds.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient, restartFromSnapshot, show, startCairn } from './helpers.js';

test('a node with no peers announces nothing and reports its own address as known', async () => {
  const server = await startCairn();
  const client = await RawClient.connect(server.port);
  try {
    // A write succeeds once the node leads its one-member cluster (before that CLUSTER SLOTS has no leader to name).
    assert.equal(show(await client.call('SET', 'first', 'v')), 'OK');
    const info = String(show(await client.call('CLUSTER', 'INFO')));
    assert.match(info, /cairn_client_address_announced:yes\r?\n/);
    assert.match(info, /cairn_client_addresses_unknown:\r?\n/);
    assert.match(info, new RegExp(`cairn_client_address:127\\.0\\.0\\.1:${server.port}\\r?\\n`));
    const slots = show(await client.call('CLUSTER', 'SLOTS')) as unknown[][][];
    assert.deepEqual(slots[0]![2]!.slice(0, 2), ['127.0.0.1', server.port], 'CLUSTER SLOTS names this node at its real port');
    assert.equal(show(await client.call('SET', 'k', 'v')), 'OK');
    assert.doesNotMatch(server.output(), /announce/);
    const refused = show(await client.call('CLUSTER', 'ANNOUNCE', 'n1', '127.0.0.1:1'));
    assert.match(String(refused), /CLUSTER ANNOUNCE is internal/);
  } finally {
    client.close();
    await server.cleanup();
  }
});

test('a node with no peers restarts from its own snapshot (its book holds its peer address with port 0)', async () => {
  await restartFromSnapshot(async (client) => {
    for (let i = 0; i < 10; i++) assert.equal(show(await client.call('SET', `k${i}`, `v${i}`)), 'OK');
  }, async (reader) => {
    assert.equal(show(await reader.call('GET', 'k9')), 'v9');
  });
});
