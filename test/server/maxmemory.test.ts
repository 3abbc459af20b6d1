// maxmemory with noeviction against a real `cairn server`: over the limit, write commands flagged
// denyoom get Redis's OOM error while reads, deletes and the rest still run, and the node lives on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient, show, startCairn } from './helpers.js';

const OOM = "ERR:OOM command not allowed when used memory > 'maxmemory'.";

test('over maxmemory, denyoom writes get OOM; reads, deletes and non-denyoom writes still run', async () => {
  const server = await startCairn();
  const client = await RawClient.connect(server.port);
  try {
    assert.equal(show(await client.call('SET', 'a', '1')), 'OK');
    assert.equal(show(await client.call('SET', 'b', '2')), 'OK');
    assert.equal(show(await client.call('SET', 'c', '3')), 'OK');
    assert.equal(show(await client.call('CONFIG', 'SET', 'maxmemory', '1')), 'OK'); // any real use is over a byte
    assert.deepEqual(show(await client.call('CONFIG', 'GET', 'maxmemory')), ['maxmemory', '1']);
    assert.equal(show(await client.call('SET', 'd', '4')), OOM);
    assert.equal(show(await client.call('INCR', 'a')), OOM);
    assert.equal(show(await client.call('APPEND', 'a', 'x')), OOM);
    assert.equal(show(await client.call('GET', 'a')), '1', 'reads still run');
    assert.equal(show(await client.call('DEL', 'b')), 1, 'deletes still run');
    assert.equal(show(await client.call('GETDEL', 'c')), '3', 'GETDEL is not denyoom');
    assert.equal(show(await client.call('EXPIRE', 'a', '100')), 1, 'EXPIRE is not denyoom');
    // Inside MULTI the refused command flags the transaction, as Redis's rejectCommand does.
    assert.equal(show(await client.call('MULTI')), 'OK');
    assert.equal(show(await client.call('SET', 'e', '5')), OOM);
    assert.equal(show(await client.call('EXEC')), 'ERR:EXECABORT Transaction discarded because of previous errors.');
    assert.equal(show(await client.call('PING')), 'PONG');
    assert.equal(show(await client.call('CONFIG', 'SET', 'maxmemory', '0')), 'OK');
    assert.equal(show(await client.call('SET', 'd', '4')), 'OK', 'no limit: writes run again');
    assert.equal(show(await client.call('DBSIZE')), 2);
    assert.equal(server.proc.exitCode, null, 'the node lives on');
  } finally {
    client.close();
    await server.cleanup();
  }
});

test('--maxmemory sets the limit at start; maxmemory-policy is noeviction by default and no LFU policy', async () => {
  const server = await startCairn(['--maxmemory', '1mb']);
  const client = await RawClient.connect(server.port);
  try {
    assert.deepEqual(show(await client.call('CONFIG', 'GET', 'maxmemory')), ['maxmemory', String(1024 * 1024)]);
    assert.deepEqual(show(await client.call('CONFIG', 'GET', 'maxmemory-policy')), ['maxmemory-policy', 'noeviction']);
    assert.equal(show(await client.call('SET', 'k', 'v')), OOM, 'a node uses more than 1 MiB');
    assert.equal(show(await client.call('GET', 'k')), null);
    assert.equal(show(await client.call('CONFIG', 'SET', 'maxmemory-policy', 'NOEVICTION')), 'OK');
    assert.match(String(show(await client.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'))),
      /^ERR:ERR CONFIG SET failed .* must be one of the following: volatile-lru, volatile-random, volatile-ttl, allkeys-lru, allkeys-random, noeviction$/);
    assert.equal(show(await client.call('CONFIG', 'SET', 'maxmemory-policy', 'ALLKEYS-LRU')), 'OK');
    assert.deepEqual(show(await client.call('CONFIG', 'GET', 'maxmemory-policy')), ['maxmemory-policy', 'allkeys-lru']);
    assert.equal(show(await client.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction')), 'OK');
    assert.equal(show(await client.call('CONFIG', 'SET', 'maxmemory', '1gb')), 'OK');
    assert.equal(show(await client.call('SET', 'k', 'v')), 'OK');
  } finally {
    client.close();
    await server.cleanup();
  }
});
