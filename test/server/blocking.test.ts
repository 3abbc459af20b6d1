// Blocking commands against a live server with real clients: BLPOP waits for a push and is served
// by it, times out with the null reply, serves clients in the order they blocked, gives nothing to
// a client that went away, answers at once inside MULTI, and the same for the other blocking forms.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startCairn, waitFor, type RunningProcess } from './helpers.js';

let server: RunningProcess;
const clients: Redis[] = [];

before(async () => {
  server = await startCairn();
});

after(async () => {
  for (const client of clients) client.disconnect();
  await server.cleanup();
});

function client(): Redis {
  const redis = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 0, enableOfflineQueue: true });
  clients.push(redis);
  return redis;
}

async function blockedClients(redis: Redis): Promise<number> {
  const info = await redis.info('clients');
  return Number(/blocked_clients:(\d+)/.exec(info)?.[1]);
}

async function untilBlocked(redis: Redis, count: number): Promise<void> {
  await waitFor(`${count} blocked clients`, async () => ((await blockedClients(redis)) === count ? true : undefined));
}

test('BLPOP waits for a push from another client and takes it', async () => {
  const [waiter, pusher] = [client(), client()];
  const popped = waiter.blpop('q:wake', 0);
  await untilBlocked(pusher, 1);
  assert.equal(await pusher.rpush('q:wake', 'job-1'), 1);
  assert.deepEqual(await popped, ['q:wake', 'job-1']);
  assert.equal(await pusher.llen('q:wake'), 0);
});

test('BLPOP with a timeout answers the null reply once it passes', async () => {
  const waiter = client();
  const startedMs = Date.now();
  assert.equal(await waiter.blpop('q:empty', 0.2), null);
  assert.ok(Date.now() - startedMs >= 190, 'answered before its timeout');
  assert.equal(await blockedClients(waiter), 0);
});

test('clients blocked on one key are served in the order they blocked', async () => {
  const pusher = client();
  const waiters = [client(), client(), client()];
  const results: Promise<[string, string] | null>[] = [];
  for (let i = 0; i < waiters.length; i++) {
    results.push(waiters[i]!.blpop('q:fifo', 0));
    await untilBlocked(pusher, i + 1);
  }
  await pusher.rpush('q:fifo', 'a', 'b', 'c');
  assert.deepEqual(await Promise.all(results), [['q:fifo', 'a'], ['q:fifo', 'b'], ['q:fifo', 'c']]);
});

test('a client that disconnects while blocked takes nothing', async () => {
  const [waiter, pusher] = [client(), client()];
  void waiter.blpop('q:gone', 0).catch(() => undefined);
  await untilBlocked(pusher, 1);
  waiter.disconnect();
  await untilBlocked(pusher, 0);
  await pusher.rpush('q:gone', 'kept');
  assert.deepEqual(await pusher.lrange('q:gone', 0, -1), ['kept']);
});

test('inside MULTI a blocking command answers at once', async () => {
  const redis = client();
  const replies = await redis.multi().blpop('q:multi', 0).rpush('q:multi', 'x').blpop('q:multi', 0).exec();
  assert.deepEqual(replies, [[null, null], [null, 1], [null, ['q:multi', 'x']]]);
});

test('BLMOVE and BRPOPLPUSH wait and move the element', async () => {
  const [waiter, pusher] = [client(), client()];
  const moved = waiter.blmove('q:src', 'q:dst', 'LEFT', 'RIGHT', 0);
  await untilBlocked(pusher, 1);
  await pusher.rpush('q:src', 'm');
  assert.equal(await moved, 'm');
  const moved2 = waiter.brpoplpush('q:src', 'q:dst', 0);
  await untilBlocked(pusher, 1);
  await pusher.rpush('q:src', 'n');
  assert.equal(await moved2, 'n');
  assert.deepEqual(await pusher.lrange('q:dst', 0, -1), ['n', 'm'], 'BLMOVE pushed m on the right, BRPOPLPUSH n on the left');
});

test('a key holding another type keeps the client blocked until a list arrives', async () => {
  const [waiter, other] = [client(), client()];
  const popped = waiter.blpop('q:typed', 0);
  await untilBlocked(other, 1);
  await other.set('q:typed', 'a string');
  await other.del('q:typed');
  await other.rpush('q:typed', 'finally');
  assert.deepEqual(await popped, ['q:typed', 'finally']);
});

test('BZPOPMIN and BZMPOP wait for a member and take the lowest', async () => {
  const [waiter, adder] = [client(), client()];
  const popped = waiter.bzpopmin('z:wait', 0);
  await untilBlocked(adder, 1);
  await adder.zadd('z:wait', 2, 'b', 1, 'a');
  assert.deepEqual(await popped, ['z:wait', 'a', '1']);
  const multi = waiter.call('BZMPOP', '0', '2', 'z:none', 'z:other', 'MAX');
  await untilBlocked(adder, 1);
  await adder.zadd('z:other', 5, 'x', 7, 'y');
  assert.deepEqual(await multi, ['z:other', [['y', '7']]]);
});

test('XREAD BLOCK with $ waits for the next entry; XREADGROUP BLOCK with > for the next undelivered one', async () => {
  const [reader, writer] = [client(), client()];
  await writer.xadd('s:wait', '1-1', 'old', 'entry');
  const read = reader.xread('BLOCK', 0, 'STREAMS', 's:wait', '$');
  await untilBlocked(writer, 1);
  await writer.xadd('s:wait', '2-1', 'new', 'entry');
  assert.deepEqual(await read, [['s:wait', [['2-1', ['new', 'entry']]]]]);
  await writer.xgroup('CREATE', 's:wait', 'g', '$');
  const group = reader.xreadgroup('GROUP', 'g', 'c1', 'BLOCK', 0, 'STREAMS', 's:wait', '>');
  await untilBlocked(writer, 1);
  await writer.xadd('s:wait', '3-1', 'next', 'entry');
  assert.deepEqual(await group, [['s:wait', [['3-1', ['next', 'entry']]]]]);
  assert.equal(await reader.xread('BLOCK', 100, 'STREAMS', 's:wait', '$'), null);
});
