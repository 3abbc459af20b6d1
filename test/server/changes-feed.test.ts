// The change feed `__cairn:changes` on a live server with real clients: ioredis reads it with
// XRANGE / XREVRANGE / XREAD like any stream, XREAD BLOCK waits for the next change, CAIRN.REVISION
// counts revisions without a gap, writes to it are refused (scripts too), its replies are byte for
// byte a real stream's in RESP2 and RESP3 (redis-server holding the same entries is the oracle), a
// read from a trimmed revision answers COMPACTED, and the history survives a restart.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { RawClient, encodeCommand, startCairn, startRedis, waitFor, type RunningProcess } from './helpers.js';

const FEED = '__cairn:changes';
const haveRedis = spawnSync('sh', ['-c', 'command -v redis-server']).status === 0;
let server: RunningProcess;
const clients: Redis[] = [];

before(async () => {
  server = await startCairn();
});

after(async () => {
  for (const client of clients) client.disconnect();
  await server.cleanup();
  await rm(server.dir, { recursive: true, force: true }); // a restarted server's cleanup keeps the dir it was given
});

function client(port = server.port): Redis {
  const redis = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  clients.push(redis);
  return redis;
}

type Entry = [string, string[]];

test('ioredis reads the feed: one revision per write, changes of a transaction numbered in order', async () => {
  const redis = client();
  const before = Number(await redis.call('CAIRN.REVISION'));
  await redis.set('feed:a', 'one');
  await redis.multi().set('feed:b', 'two').del('feed:a').set('feed:c', 'three').exec();
  const revision = Number(await redis.call('CAIRN.REVISION'));
  assert.equal(revision, before + 2);
  const entries = (await redis.xrange(FEED, `(${before}-999999`, '+')) as Entry[];
  assert.deepEqual(entries.map(([id]) => id), [`${before + 1}-0`, `${revision}-0`, `${revision}-1`, `${revision}-2`]);
  assert.deepEqual(entries[0]![1], ['op', 'set', 'key', 'feed:a', 'value', 'one']);
  assert.deepEqual(entries[2]![1], ['op', 'del', 'key', 'feed:a']);
  assert.deepEqual(entries[3]![1], ['op', 'set', 'key', 'feed:c', 'value', 'three']);
  const read = (await redis.xread('COUNT', 2, 'STREAMS', FEED, `${revision}-0`)) as [string, Entry[]][];
  assert.deepEqual(read[0]![1].map(([id]) => id), [`${revision}-1`, `${revision}-2`]);
  assert.deepEqual(((await redis.xrevrange(FEED, '+', '-', 'COUNT', 1)) as Entry[])[0]![0], `${revision}-2`);
  assert.equal(await redis.type(FEED), 'stream');
  assert.equal(await redis.exists(FEED), 1);
  assert.ok((await redis.xlen(FEED)) >= 4);
});

test('XREAD BLOCK on the feed waits for the next change, from $ or from the last ID seen', async () => {
  const [reader, writer] = [client(), client()];
  const fromDollar = reader.xread('BLOCK', 0, 'STREAMS', FEED, '$') as Promise<[string, Entry[]][]>;
  const revision = Number(await writer.call('CAIRN.REVISION'));
  const other = client();
  const fromId = other.xread('BLOCK', 10_000, 'STREAMS', FEED, `${revision}-999`) as Promise<[string, Entry[]][]>;
  await waitFor('both readers blocked', async () => (/blocked_clients:2/.test(await writer.info('clients')) ? true : undefined));
  await writer.set('feed:wake', 'now');
  for (const reply of [await fromDollar, await fromId]) {
    assert.deepEqual(reply[0]![1], [[`${revision + 1}-0`, ['op', 'set', 'key', 'feed:wake', 'value', 'now']]]);
  }
  assert.equal(await reader.xread('BLOCK', 100, 'STREAMS', FEED, '$'), null, 'a timed-out block answers nil');
});

test('writes to the feed are refused, from commands, transactions and scripts', async () => {
  const redis = client();
  const refused = /ERR __cairn:changes is Cairn's read-only change feed/;
  await assert.rejects(redis.set(FEED, 'x'), refused);
  await assert.rejects(redis.xadd(FEED, '*', 'f', 'v'), refused);
  await assert.rejects(redis.del(FEED), refused);
  await assert.rejects(redis.expire(FEED, 10), refused);
  await redis.set('feed:src', '1');
  await assert.rejects(redis.rename('feed:src', FEED), refused);
  await assert.rejects(redis.xgroup('CREATE', FEED, 'g', '$'), refused);
  await assert.rejects(redis.eval(`return redis.call('XADD', KEYS[1], '*', 'f', 'v')`, 1, FEED), refused);
  const [[error]] = (await redis.multi().xadd(FEED, '*', 'f', 'v').exec()) as [[Error | null, unknown]];
  assert.match(String(error), refused);
  assert.equal(await redis.get('feed:src'), '1');
});

/** Every reply byte for `commands` on a fresh connection (RESP3 after HELLO 3, its own reply left out). */
async function replyBytes(port: number, commands: string[][], resp3: boolean): Promise<string> {
  const raw = await RawClient.connect(port);
  try {
    if (resp3) await raw.call('HELLO', '3');
    raw.raw = Buffer.alloc(0);
    raw.send(Buffer.concat([...commands.map(encodeCommand), encodeCommand(['ECHO', 'end-of-replies'])]));
    await waitFor('every reply', () => (raw.raw.includes('end-of-replies') ? true : undefined));
    return raw.raw.toString('latin1');
  } finally {
    raw.close();
  }
}

test('the feed\'s replies are a real stream\'s, byte for byte, in RESP2 and RESP3', { skip: !haveRedis }, async () => {
  const redis = client();
  await redis.set('feed:frame', 'v1');
  await redis.select(3);
  await redis.set('feed:frame', 'v2'); // a change in database 3 carries a db field
  await redis.select(0);
  const entries = (await redis.xrange(FEED, '-', '+')) as Entry[];
  const oracle = await startRedis();
  try {
    const real = client(oracle.port);
    for (const [id, fields] of entries) await real.xadd(FEED, id, ...fields);
    const last = entries[entries.length - 1]![0];
    const middle = entries[Math.floor(entries.length / 2)]![0];
    const commands = [
      ['XRANGE', FEED, '-', '+'], ['XRANGE', FEED, `(${middle}`, '+', 'COUNT', '2'], ['XREVRANGE', FEED, '+', '-', 'COUNT', '3'],
      ['XREAD', 'COUNT', '2', 'STREAMS', FEED, middle], ['XREAD', 'STREAMS', FEED, last], ['XLEN', FEED], ['TYPE', FEED], ['EXISTS', FEED],
      ['XREAD', 'BLOCK', '10', 'STREAMS', FEED, '$'], ['GET', FEED],
    ];
    for (const resp3 of [false, true]) {
      const [ours, theirs] = await Promise.all([replyBytes(server.port, commands, resp3), replyBytes(oracle.port, commands, resp3)]);
      assert.equal(JSON.stringify(ours), JSON.stringify(theirs), resp3 ? 'RESP3' : 'RESP2');
    }
  } finally {
    await oracle.cleanup();
  }
});

test('a read from a trimmed revision answers COMPACTED naming the oldest retained; the history survives a restart', async () => {
  const redis = client();
  await redis.call('CAIRN.RETENTION', 'MAXCHANGES', '3');
  for (let i = 0; i < 5; i++) await redis.set(`feed:trim${i}`, String(i));
  const revision = Number(await redis.call('CAIRN.REVISION'));
  const compacted = new RegExp(`COMPACTED .* the oldest retained revision is ${revision - 2}$`);
  await assert.rejects(redis.xread('STREAMS', FEED, '0-0'), compacted);
  await assert.rejects(redis.xread('BLOCK', 0, 'STREAMS', FEED, `${revision - 4}-0`), compacted);
  await assert.rejects(redis.xrange(FEED, `${revision - 3}`, '+'), compacted);
  const kept = (await redis.xrange(FEED, '-', '+')) as Entry[];
  assert.deepEqual(kept.map(([id]) => id), [revision - 2, revision - 1, revision].map((r) => `${r}-0`));
  await server.stop();
  const dir = server.dir;
  server = await startCairn([], dir);
  const again = client();
  await waitFor('the restarted node to serve', async () => (await again.call('CAIRN.REVISION').catch(() => undefined)) ?? undefined);
  assert.equal(Number(await again.call('CAIRN.REVISION')), revision);
  assert.deepEqual(await again.xrange(FEED, '-', '+'), kept);
  await assert.rejects(again.xread('STREAMS', FEED, '0-0'), compacted);
  await again.set('feed:after', 'x');
  assert.deepEqual(((await again.xrevrange(FEED, '+', '-', 'COUNT', 1)) as Entry[])[0]![0], `${revision + 1}-0`);
});
