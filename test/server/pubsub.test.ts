// Pub/sub and keyspace notifications against a real redis-server, byte for byte, RESP2 and RESP3:
// the same scripts (subscribe, publish, patterns, shard channels, PUBSUB, subscribe mode's refusals,
// MULTI, RESET, keyspace notifications) run on a one-node Cairn and on redis-server, and every
// client must receive exactly the same bytes. Scripts avoid what Redis answers in hash order
// (UNSUBSCRIBE of several channels at once, several patterns matching one message).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { RawClient, restartFromSnapshot, show, startCairn, startRedis, waitFor, type RunningProcess } from './helpers.js';
import { runScript, withoutPongs, type Step } from './pubsub-wire.js';

const haveRedis = spawnSync('sh', ['-c', 'command -v redis-server']).status === 0;
let cairn: RunningProcess | undefined;
let redis: RunningProcess | undefined;

before(async () => {
  if (!haveRedis) return;
  [cairn, redis] = await Promise.all([startCairn(), startRedis()]);
});
after(async () => {
  await cairn?.cleanup();
  await redis?.cleanup();
});

async function same(name: string, clientCount: number, steps: readonly Step[], t: { skip(message: string): void }): Promise<void> {
  if (cairn === undefined || redis === undefined) return t.skip('redis-server is not installed');
  for (const resp3 of [false, true]) {
    const theirs = await runScript(redis.port, clientCount, resp3, steps);
    const ours = await runScript(cairn.port, clientCount, resp3, steps);
    for (let i = 0; i < clientCount; i++) assert.equal(ours[i], theirs[i], `${name}, RESP${resp3 ? 3 : 2}, client ${i}`);
    // Something was compared: every client heard at least its syncs.
    assert.ok(theirs.every((bytes) => bytes.length > 0));
  }
}

test('subscribe, publish and unsubscribe: confirmations, messages and counts', async (t) => {
  await same('channels', 3, [
    [0, 'SUBSCRIBE', 'news', 'sport'], [1, 'SUBSCRIBE', 'news'], [2, 'PUBLISH', 'news', 'hello'], [2, 'PUBLISH', 'sport', 'goal'],
    [2, 'PUBLISH', 'nobody', 'x'], [0, 'UNSUBSCRIBE', 'news'], [2, 'PUBLISH', 'news', 'again'], [0, 'UNSUBSCRIBE', 'nothere'],
    [0, 'UNSUBSCRIBE'], [0, 'UNSUBSCRIBE'], [1, 'SUBSCRIBE', 'news'], [2, 'PUBLISH', 'news', Buffer.from([0, 255, 13, 10])],
    [2, 'PUBSUB', 'NUMSUB', 'news', 'sport', 'none'], [2, 'PUBSUB', 'CHANNELS'], [2, 'PUBSUB', 'CHANNELS', 'n*'], [2, 'PUBSUB', 'NUMSUB'],
  ], t);
});

test('patterns: pmessage with the pattern, PUNSUBSCRIBE, NUMPAT, a client on both a channel and a pattern', async (t) => {
  await same('patterns', 3, [
    [0, 'PSUBSCRIBE', 'news.*'], [1, 'PSUBSCRIBE', 'n?ws.[a-c]*'], [1, 'SUBSCRIBE', 'news.art'], [2, 'PUBLISH', 'news.art', 'm1'],
    [2, 'PUBLISH', 'news.zoo', 'm2'], [2, 'PUBSUB', 'NUMPAT'], [0, 'PUNSUBSCRIBE', 'news.*'], [2, 'PUBLISH', 'news.art', 'm3'],
    [0, 'PUNSUBSCRIBE'], [1, 'PUNSUBSCRIBE', 'n?ws.[a-c]*'], [2, 'PUBSUB', 'NUMPAT'], [1, 'PSUBSCRIBE', 'news\\*'], [2, 'PUBLISH', 'news*', 'm4'],
  ], t);
});

test('shard channels: SSUBSCRIBE counts apart, SPUBLISH reaches only them, SHARDCHANNELS and SHARDNUMSUB', async (t) => {
  await same('shards', 3, [
    [0, 'SSUBSCRIBE', 'orders'], [0, 'SUBSCRIBE', 'orders'], [1, 'SSUBSCRIBE', 'orders'], [1, 'PSUBSCRIBE', 'ord*'],
    [2, 'SPUBLISH', 'orders', 's1'], [2, 'PUBLISH', 'orders', 'p1'], [2, 'PUBSUB', 'SHARDCHANNELS'], [2, 'PUBSUB', 'SHARDCHANNELS', 'x*'],
    [2, 'PUBSUB', 'SHARDNUMSUB', 'orders', 'none'], [0, 'SUNSUBSCRIBE', 'orders'], [0, 'SUNSUBSCRIBE'], [2, 'SPUBLISH', 'orders', 's2'],
  ], t);
});

test("subscribe mode: RESP2 refuses other commands with Redis's text, PING answers as a message, RESET and the last UNSUBSCRIBE leave it", async (t) => {
  await same('subscribe mode', 2, [
    [0, 'SUBSCRIBE', 'a'], [0, 'GET', 'k'], [0, 'CLIENT', 'GETNAME'], [0, 'PUBLISH', 'a', 'x'], [0, 'PUBSUB', 'NUMSUB', 'a'], [0, 'PING', 'hi'],
    [0, 'PING', 'a', 'b'], [0, 'SUBSCRIBE'], [0, 'NOSUCH'], [0, 'UNSUBSCRIBE', 'a'], [0, 'GET', 'k'], [0, 'PSUBSCRIBE', 'p*'], [0, 'SET', 'k', 'v'],
    [0, 'RESET'], [0, 'GET', 'k'], [1, 'PUBLISH', 'a', 'gone'], [1, 'PUBLISH', 'pz', 'gone'], [1, 'PUBSUB', 'NUMPAT'],
  ], t);
});

test('SUBSCRIBE inside MULTI runs at EXEC (one array element per channel, as Redis); PUBLISH in MULTI', async (t) => {
  await same('multi', 2, [
    [0, 'MULTI'], [0, 'SUBSCRIBE', 'm1', 'm2'], [0, 'EXEC'], [1, 'MULTI'], [1, 'SET', 'k', 'v'], [1, 'PUBLISH', 'm1', 'in-multi'],
    [1, 'PUBLISH', 'm2', 'second'], [1, 'EXEC'], [0, 'UNSUBSCRIBE', 'm1'], [0, 'UNSUBSCRIBE', 'm2'], [0, 'MULTI'], [0, 'PUBLISH', 'm1', 'x'], [0, 'EXEC'],
  ], t);
});

test('wrong arity and unknown subcommands get Redis errors', async (t) => {
  await same('errors', 1, [
    [0, 'SUBSCRIBE'], [0, 'PSUBSCRIBE'], [0, 'SSUBSCRIBE'], [0, 'PUBLISH', 'a'], [0, 'PUBLISH', 'a', 'b', 'c'], [0, 'SPUBLISH', 'a'],
    [0, 'PUBSUB'], [0, 'PUBSUB', 'NOPE'], [0, 'PUBSUB', 'NUMPAT', 'x'], [0, 'PUBSUB', 'CHANNELS', 'a', 'b'], [0, 'PUBSUB', 'SHARDCHANNELS', 'a', 'b'],
    [0, 'PUBSUB', 'HELP'], [0, 'UNSUBSCRIBE'], [0, 'PUNSUBSCRIBE', 'x'], [0, 'SUNSUBSCRIBE'],
  ], t);
});

test('a channel name and a message of a megabyte each', async (t) => {
  const channel = Buffer.alloc(1024 * 1024, 'c');
  const message = Buffer.alloc(1024 * 1024, 'm');
  await same('huge', 2, [[0, 'SUBSCRIBE', channel], [1, 'PUBLISH', channel, message], [1, 'PUBSUB', 'NUMSUB', channel], [0, 'UNSUBSCRIBE', channel]], t);
});

test('notify-keyspace-events: CONFIG SET/GET normalised as Redis, and its error', async (t) => {
  const steps: Step[] = [];
  for (const value of ['KEA', 'AnmKE', 'g$lshzxetdKE', 'nzsh$g', 'Kx', 'E$', 'A', 'tdem', '', 'Q', 'KEAQ']) {
    steps.push([0, 'CONFIG', 'SET', 'notify-keyspace-events', value], [0, 'CONFIG', 'GET', 'notify-keyspace-events']);
  }
  await same('notify config', 1, steps, t);
});

test('keyspace notifications: SET, DEL, lazy expiry, other databases, per class and K/E, interleaved with PUBLISH in MULTI', async (t) => {
  const config = (value: string): Step => [2, 'CONFIG', 'SET', 'notify-keyspace-events', value];
  await same('keyspace', 3, [
    config('KEA'), [0, 'PSUBSCRIBE', '__key*__:*'], [1, 'SUBSCRIBE', '__keyevent@0__:del', '__keyspace@1__:k'],
    [2, 'SET', 'k', 'v'], [2, 'DEL', 'k'], [2, 'DEL', 'k'], [2, 'SELECT', '1'], [2, 'SET', 'k', 'one'], [2, 'DEL', 'k'], [2, 'SELECT', '0'],
    config('Kg'), [2, 'SET', 'k', 'v'], [2, 'DEL', 'k'], config('E$'), [2, 'SET', 'k', 'v'], [2, 'DEL', 'k'], config('K'), [2, 'SET', 'k', 'v'],
    config('KEA'), [2, 'MULTI'], [2, 'SET', 'a', '1'], [2, 'PUBLISH', '__keyspace@0__:x', 'hi'], [2, 'DEL', 'a'], [2, 'EXEC'],
    config(''), [2, 'SET', 'quiet', 'v'], [2, 'DEL', 'quiet'],
  ], t);
});

test('keyspace notifications of a key that expired: the same events whether active expiry or the next write removed it', async (t) => {
  let setAtMs = 0;
  const steps: Step[] = [
    [2, 'CONFIG', 'SET', 'notify-keyspace-events', 'KEA'], [0, 'PSUBSCRIBE', '__keyevent@0__:*'], async () => void (setAtMs = Date.now()),
    [2, 'SET', 'e', 'v', 'PX', '1'],
    // The key's millisecond (and a margin for clocks read at different moments) has passed.
    () => waitFor('the key to expire', () => (Date.now() > setAtMs + 5 ? true : undefined)),
    [2, 'SET', 'e', 'w'], [2, 'DEL', 'e'],
  ];
  if (cairn === undefined || redis === undefined) return t.skip('redis-server is not installed');
  for (const resp3 of [false, true]) {
    const theirs = await runScript(redis.port, 3, resp3, steps);
    const ours = await runScript(cairn.port, 3, resp3, steps);
    // Active expiry (Redis's cycle, Cairn's proposal) may beat the write: the events' order is the
    // same either way, but where they fall between the syncs' PONGs is not.
    assert.deepEqual(withoutPongs(ours[0]!), withoutPongs(theirs[0]!));
    assert.match(ours[0]!, /expired/);
  }
});

test('ioredis: subscribe, psubscribe and keyspace notifications as a real client sees them; INFO and CLIENT LIST show the subscriber', async () => {
  const { Redis } = await import('ioredis');
  const node = cairn ?? (await startCairn());
  const subscriber = new Redis({ port: node.port, lazyConnect: true });
  const publisher = new Redis({ port: node.port, lazyConnect: true });
  try {
    await Promise.all([subscriber.connect(), publisher.connect()]);
    const heard: string[] = [];
    subscriber.on('message', (channel: string, message: string) => heard.push(`message ${channel} ${message}`));
    subscriber.on('pmessage', (pattern: string, channel: string, message: string) => heard.push(`pmessage ${pattern} ${channel} ${message}`));
    await publisher.config('SET', 'notify-keyspace-events', 'KA');
    assert.equal(await subscriber.subscribe('io-news'), 1);
    assert.equal(await subscriber.psubscribe('__keyspace@0__:io-*'), 2);
    assert.equal(await publisher.publish('io-news', 'hello'), 1);
    await publisher.set('io-key', 'v');
    await publisher.del('io-key');
    await waitFor('three messages', () => (heard.length >= 3 ? true : undefined));
    assert.deepEqual(heard, ['message io-news hello', 'pmessage __keyspace@0__:io-* __keyspace@0__:io-key set', 'pmessage __keyspace@0__:io-* __keyspace@0__:io-key del']);
    const stats = String(await publisher.info('stats'));
    assert.match(stats, /^pubsub_channels:1\r$/m);
    assert.match(stats, /^pubsub_patterns:1\r$/m);
    const list = String(await publisher.call('CLIENT', 'LIST', 'TYPE', 'pubsub'));
    assert.match(list, / flags=P .* sub=1 psub=1 ssub=0 /);
    assert.equal(list.trim().split('\n').length, 1);
  } finally {
    await publisher.config('SET', 'notify-keyspace-events', '').catch(() => undefined);
    subscriber.disconnect();
    publisher.disconnect();
    if (node !== cairn) await node.cleanup();
  }
});

test('a restart (from a snapshot and the log after it) delivers no message published before it', async () => {
  await restartFromSnapshot(async (client) => {
    assert.equal(show(await client.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA')), 'OK');
    for (let i = 0; i < 10; i++) {
      assert.equal(show(await client.call('PUBLISH', 'restart', `old-${i}`)), 0);
      assert.equal(show(await client.call('SET', `old-${i}`, 'v')), 'OK');
    }
  }, async (client) => {
    // A fresh node has no keyspace notifications configured: only the message can come.
    client.command('PSUBSCRIBE', '*');
    await client.replies(1);
    const publisher = await RawClient.connect(client.socket.remotePort!);
    try {
      assert.equal(show(await publisher.call('PUBLISH', 'restart', 'new')), 1);
    } finally {
      publisher.close();
    }
    client.command('PING');
    const replies = (await client.replies(2)).map(show);
    assert.deepEqual(replies, [['pmessage', '*', 'restart', 'new'], ['pong', '']]);
  });
});
