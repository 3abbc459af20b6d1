// Scripts through a real server: EVAL/EVALSHA as writes through the log, EVAL_RO as reads, inside
// MULTI, COMMAND INFO, a restart (the cache comes back from the log), and ioredis's defineCommand
// (EVALSHA first, EVAL on NOSCRIPT). The 3-node cluster test is test/cluster/scripts.test.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { RawClient, show, startCairn, waitFor } from './helpers.js';

const sha1 = (body: string): string => createHash('sha1').update(body).digest('hex');
const INCR_BY = "return redis.call('incrby', KEYS[1], ARGV[1])";

test('EVAL, EVALSHA, EVAL_RO, SCRIPT and MULTI on a server, and the cache after a restart', async () => {
  const server = await startCairn();
  let restarted: Awaited<ReturnType<typeof startCairn>> | undefined;
  try {
    const client = await RawClient.connect(server.port);
    try {
      assert.equal(show(await client.call('EVAL', INCR_BY, '1', 'n', '5')), 5);
      assert.equal(show(await client.call('EVALSHA', sha1(INCR_BY), '1', 'n', '2')), 7);
      assert.equal(show(await client.call('EVAL_RO', "return redis.call('get', KEYS[1])", '1', 'n')), '7');
      assert.equal(show(await client.call('EVAL_RO', "return redis.call('set', KEYS[1], 'x')", '1', 'n')),
        `ERR:ERR Write commands are not allowed from read-only scripts. script: ${sha1("return redis.call('set', KEYS[1], 'x')")}, on @user_script:1.`);
      assert.equal(show(await client.call('SCRIPT', 'LOAD', 'return ARGV[1]')), sha1('return ARGV[1]'));
      assert.deepEqual(show(await client.call('SCRIPT', 'EXISTS', sha1('return ARGV[1]'), sha1('nope'))), [1, 0]);
      assert.equal(show(await client.call('SCRIPT', 'KILL')), 'ERR:NOTBUSY No scripts in execution right now.');
      // A no-writes script is served as a read: no log entry (the applied index stays), no caching.
      const indexOf = async (): Promise<unknown> => (show(await client.call('CAIRN.DIGEST')) as unknown[])[0];
      const before = await indexOf();
      const noWrites = "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])";
      assert.equal(show(await client.call('EVAL', noWrites, '1', 'n')), '7');
      assert.equal(await indexOf(), before);
      assert.equal(show(await client.call('EVAL', "#!lua flags=no-writes\nreturn redis.call('set', KEYS[1], 'x')", '1', 'n')),
        `ERR:ERR Write commands are not allowed from read-only scripts. script: ${sha1("#!lua flags=no-writes\nreturn redis.call('set', KEYS[1], 'x')")}, on @user_script:2.`);
      assert.equal(await indexOf(), before);
      assert.equal(show(await client.call('EVAL', 'return 1', '0')), 1);
      assert.notEqual(await indexOf(), before);
      assert.deepEqual(show(await client.call('SCRIPT', 'EXISTS', sha1(noWrites))), [0]);
      assert.equal(show(await client.call('MULTI')), 'OK');
      assert.equal(show(await client.call('EVAL', INCR_BY, '1', 'n', '1')), 'QUEUED');
      assert.equal(show(await client.call('EVALSHA', sha1(INCR_BY), '1', 'n', '1')), 'QUEUED');
      assert.equal(show(await client.call('GET', 'n')), 'QUEUED');
      assert.deepEqual(show(await client.call('EXEC')), [8, 9, '9']);
      const info = show(await client.call('COMMAND', 'INFO', 'eval', 'eval_ro', 'script')) as unknown[][];
      assert.equal(info[0]![0], 'eval');
      assert.equal(info[0]![1], -3);
      assert.ok((info[0]![2] as string[]).includes('movablekeys'), `eval's flags: ${JSON.stringify(info[0]![2])}`);
      assert.ok((info[1]![2] as string[]).includes('readonly'));
      assert.ok(!(info[1]![2] as string[]).includes('write'));
    } finally {
      client.close();
    }
    await server.stop();
    restarted = await startCairn([], server.dir);
    const again = await RawClient.connect(restarted.port);
    try {
      assert.equal(show(await again.call('EVALSHA', sha1(INCR_BY), '1', 'n', '1')), 10);
      assert.equal(show(await again.call('EVALSHA', sha1('return ARGV[1]'), '0', 'back')), 'back');
    } finally {
      again.close();
    }
  } finally {
    await restarted?.cleanup();
    await server.cleanup();
  }
});

test('ioredis defineCommand: EVALSHA, falling back to EVAL on NOSCRIPT, then EVALSHA again', async () => {
  const server = await startCairn();
  const redis = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await redis.connect();
    redis.defineCommand('incrTwice', { numberOfKeys: 1, lua: "redis.call('incr', KEYS[1]) return redis.call('incr', KEYS[1])" });
    const custom = redis as unknown as { incrTwice(key: string): Promise<number> };
    assert.equal(await custom.incrTwice('c'), 2);
    assert.equal(await custom.incrTwice('c'), 4);
    await redis.script('FLUSH');
    assert.equal(await custom.incrTwice('c'), 6);
    const pipeline = redis.pipeline() as unknown as { incrTwice(key: string): unknown; exec(): Promise<[Error | null, unknown][]> };
    pipeline.incrTwice('c');
    pipeline.incrTwice('d');
    assert.deepEqual(await pipeline.exec(), [[null, 8], [null, 2]]);
    assert.equal(await redis.eval('return {1, 2, {3}}', 0).then((r) => JSON.stringify(r)), '[1,2,[3]]');
  } finally {
    redis.disconnect();
    await server.cleanup();
  }
});

test('a long script runs in steps: past busy-reply-threshold others get -BUSY, SCRIPT KILL cannot stop it, reads wait for its end', async () => {
  const server = await startCairn();
  const runner = await RawClient.connect(server.port);
  const other = await RawClient.connect(server.port);
  try {
    assert.equal(show(await other.call('CONFIG', 'SET', 'busy-reply-threshold', '20')), 'OK');
    assert.deepEqual(show(await other.call('CONFIG', 'GET', 'lua-time-limit')), ['lua-time-limit', '20']);
    // About 7M instructions (under the 10M limit): many steps. It writes first, then loops.
    const long = "redis.call('set', KEYS[1], 'half') local x = 0 for i = 1, 1700000 do x = x + i end redis.call('set', KEYS[1], 'done') return x";
    const result = runner.call('EVAL', long, '1', 'k');
    // PING reads no state: answered at once until the threshold passes (a GET sent before it waits for the script's end).
    const busy = await waitFor('a BUSY reply while the script runs', async () => {
      const reply = String(show(await other.call('PING')));
      return reply.startsWith('ERR:BUSY') ? reply : undefined;
    });
    assert.match(busy, /^ERR:BUSY Redis is busy running a script/);
    assert.match(String(show(await other.call('SCRIPT', 'KILL'))), /^ERR:UNKILLABLE /);
    assert.equal(show(await result), 1445000850000);
    // With the threshold back up, a read during the next long script waits and sees it whole.
    assert.equal(show(await other.call('CONFIG', 'SET', 'busy-reply-threshold', '60000')), 'OK');
    const again = runner.call('EVAL', long, '1', 'k');
    const seen = await other.call('GET', 'k');
    assert.equal(show(await again), 1445000850000);
    assert.equal(show(seen), 'done', 'never the half-done value');
  } finally {
    runner.close();
    other.close();
    await server.cleanup();
  }
});
