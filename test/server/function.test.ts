// Redis 7 functions on a server: FUNCTION LOAD and FCALL go through the log, FCALL_RO is served as
// a read (no log entry: the applied index stays), COMMAND INFO says so, and the libraries come
// back after a restart from a snapshot (FCALL works on the restarted node).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { restartFromSnapshot, show } from './helpers.js';

const LIBRARY = `#!lua name=counters
redis.register_function('bump', function(keys, args) return redis.call('INCRBY', keys[1], args[1]) end)
redis.register_function{function_name='peek', callback=function(keys) return redis.call('GET', keys[1]) end, flags={'no-writes'}}`;

test('FUNCTION LOAD, FCALL, FCALL_RO on a server, and FCALL after a restart from a snapshot', async () => {
  await restartFromSnapshot(async (client) => {
    assert.equal(show(await client.call('FUNCTION', 'LOAD', LIBRARY)), 'counters');
    assert.equal(show(await client.call('FCALL', 'bump', '1', 'n', '5')), 5);
    const indexOf = async (): Promise<unknown> => (show(await client.call('CAIRN.DIGEST')) as unknown[])[0];
    const before = await indexOf();
    assert.equal(show(await client.call('FCALL_RO', 'peek', '1', 'n')), '5');
    assert.equal(show(await client.call('FCALL_RO', 'bump', '1', 'n', '1')), 'ERR:ERR Can not execute a script with write flag using *_ro command.');
    assert.equal(await indexOf(), before);
    const info = show(await client.call('COMMAND', 'INFO', 'fcall', 'fcall_ro', 'function')) as unknown[][];
    assert.deepEqual(info.map((entry) => entry[0]), ['fcall', 'fcall_ro', 'function']);
    assert.ok((info[0]![2] as string[]).includes('write'));
    assert.ok((info[1]![2] as string[]).includes('readonly'));
    assert.ok(!(info[1]![2] as string[]).includes('write'));
    for (let i = 0; i < 6; i++) assert.equal(show(await client.call('FCALL', 'bump', '1', 'n', '1')), 6 + i);
  }, async (reader) => {
    assert.equal(show(await reader.call('FCALL', 'bump', '1', 'n', '1')), 12);
    assert.equal(show(await reader.call('FCALL_RO', 'peek', '1', 'n')), '12');
    assert.deepEqual((show(await reader.call('FUNCTION', 'LIST')) as unknown[][])[0]!.slice(0, 2), ['library_name', 'counters']);
  });
});
