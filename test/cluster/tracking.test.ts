// Client-side caching on a real 3-node cluster: a tracking client on a follower hears of changes
// written through the leader and through the other follower (every node applies every entry and
// invalidates from its own applied log); NOLOOP spares a follower's client its own relayed writes
// but not others'; BCAST works alike; SWAPDB and FLUSHALL through another node tell a null
// invalidation; and node-redis's client-side cache (RESP3 `clientSideCache`)
// on a follower serves a cached GET, drops it when another node writes the key, and reads the new
// value after.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import type { ServerReply } from '../../src/resp/reply-parser.js';
import { call, RawClient, TestCluster, waitFor } from './helpers.js';

let cluster: TestCluster;
let leader: number;
let followers: number[];

before(async () => {
  cluster = await TestCluster.start(3);
  leader = await cluster.leader();
  followers = cluster.live().filter((i) => i !== leader);
});

after(async () => {
  await cluster.cleanup();
});

const port = (i: number): number => cluster.nodes[i]!.port;

/** The RESP3 bytes of an invalidation push for these keys. */
function pushFor(...keys: string[]): string {
  return `>2\r\n$10\r\ninvalidate\r\n*${keys.length}\r\n` + keys.map((k) => `$${k.length}\r\n${k}\r\n`).join('');
}

/** A RESP3 connection to node i that ran `tracking` (CLIENT TRACKING ON ...). */
async function tracker(i: number, ...tracking: string[]): Promise<RawClient> {
  const client = await RawClient.connect(port(i));
  await ask(client, 'HELLO', '3');
  assert.equal((await ask(client, 'CLIENT', 'TRACKING', 'ON', ...tracking)).type, 'simple');
  return client;
}

/** A command's reply on a tracking connection: the push frames before it are passed over (the bytes keep them). */
async function ask(client: RawClient, ...args: string[]): Promise<ServerReply> {
  client.command(...args);
  for (;;) {
    const reply = await client.reply();
    if (reply.type !== 'push') return reply;
  }
}

async function pushed(client: RawClient, frame: string): Promise<void> {
  await waitFor(`the push ${JSON.stringify(frame)}`, () => (client.raw.toString('latin1').includes(frame) ? true : undefined));
}

test('a tracking client on a follower hears of writes made through the leader and through the other follower', async () => {
  const client = await tracker(followers[0]!);
  try {
    await ask(client, 'GET', 'cached');
    assert.equal((await call(port(leader), 'SET', 'cached', 'from-leader')).type, 'simple');
    await pushed(client, pushFor('cached'));
    client.raw = Buffer.alloc(0);
    assert.equal((await ask(client, 'GET', 'cached')).type, 'bulk');
    assert.equal((await call(port(followers[1]!), 'SET', 'cached', 'from-follower')).type, 'simple');
    await pushed(client, pushFor('cached'));
  } finally {
    client.close();
  }
});

test('NOLOOP on a follower: the client\'s own relayed write is not told back to it, a write through another node is', async () => {
  const client = await tracker(followers[0]!, 'NOLOOP');
  try {
    await ask(client, 'MGET', 'mine', 'theirs');
    assert.equal((await ask(client, 'SET', 'mine', 'x')).type, 'simple');
    assert.equal((await call(port(leader), 'SET', 'theirs', 'y')).type, 'simple');
    // Both entries apply on the follower in log order: had 'mine' been told, it would come first.
    await pushed(client, pushFor('theirs'));
    assert.equal(client.raw.toString('latin1').includes(pushFor('mine')), false);
    await ask(client, 'GET', 'mine');
    assert.equal((await call(port(followers[1]!), 'SET', 'mine', 'z')).type, 'simple');
    await pushed(client, pushFor('mine'));
  } finally {
    client.close();
  }
});

test('BCAST on a follower hears every change under its prefix, from any node, as one array per entry', async () => {
  const client = await tracker(followers[1]!, 'BCAST', 'PREFIX', 'bc:');
  try {
    const writer = await RawClient.connect(port(followers[0]!));
    try {
      writer.command('MULTI');
      writer.command('SET', 'bc:2', 'a');
      writer.command('SET', 'elsewhere', 'b');
      writer.command('SET', 'bc:1', 'c');
      writer.command('EXEC');
      await writer.replies(5);
    } finally {
      writer.close();
    }
    await pushed(client, pushFor('bc:1', 'bc:2'));
    assert.equal((await call(port(leader), 'DEL', 'bc:1')).type, 'integer');
    await pushed(client, pushFor('bc:1'));
  } finally {
    client.close();
  }
});

test('a whole-database change through another node (SWAPDB, FLUSHALL) tells a follower\'s tracking clients with a null invalidation', async () => {
  const client = await tracker(followers[0]!);
  const nullPush = '>2\r\n$10\r\ninvalidate\r\n_\r\n';
  try {
    assert.equal((await call(port(leader), 'SET', 'whole', '1')).type, 'simple');
    await ask(client, 'GET', 'whole');
    assert.equal((await call(port(leader), 'SWAPDB', '0', '1')).type, 'simple');
    await pushed(client, nullPush);
    client.raw = Buffer.alloc(0);
    assert.equal((await call(port(followers[1]!), 'FLUSHALL')).type, 'simple');
    await pushed(client, nullPush);
  } finally {
    client.close();
  }
});

test('node-redis\'s client-side cache on a follower serves a cached GET until another node writes the key', async () => {
  assert.equal((await call(port(leader), 'SET', 'csc', 'v1')).type, 'simple');
  const cached = createClient({ socket: { host: '127.0.0.1', port: port(followers[0]!) }, RESP: 3, clientSideCache: { ttl: 0, maxEntries: 0 } });
  cached.on('error', () => undefined);
  await cached.connect();
  try {
    const cache = cached.clientSideCache!;
    assert.equal(await cached.get('csc'), 'v1');
    assert.equal(await cached.get('csc'), 'v1');
    assert.equal(cache.stats().hitCount, 1, 'the second GET came from the cache');
    let invalidated = false;
    cache.on('invalidate', (key: unknown) => (invalidated ||= String(key) === 'csc'));
    assert.equal((await call(port(followers[1]!), 'SET', 'csc', 'v2')).type, 'simple');
    await waitFor('node-redis to hear the invalidation', () => (invalidated ? true : undefined));
    assert.equal(await cached.get('csc'), 'v2');
    assert.equal(cache.stats().hitCount, 1, 'the GET after the invalidation went to the server');
    assert.equal(await cached.get('csc'), 'v2');
    assert.equal(cache.stats().hitCount, 2);
  } finally {
    await cached.close();
  }
});
