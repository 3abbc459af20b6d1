// Pub/sub across a real three-node cluster: PUBLISH goes through the log, so a message published on
// any node reaches the subscribers of every node, once, in each publishing connection's order (a
// follower relays it like any write); PUBLISH answers with the subscribers of the node asked; and
// keyspace notifications of writes made on the leader reach followers' subscribers in commit order.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerReply } from '../../src/resp/reply-parser.js';
import { RawClient, show, TestCluster, waitFor } from './helpers.js';

let cluster: TestCluster;

before(async () => {
  cluster = await TestCluster.start(3);
});

after(async () => {
  await cluster?.cleanup();
});

/** The message frames a subscriber received: [kind, ...fields] as text. */
function messages(replies: readonly ServerReply[]): string[][] {
  return replies.map((reply) => show(reply) as string[]).filter((fields) => fields[0] === 'message' || fields[0] === 'pmessage');
}

async function subscriber(port: number, ...args: string[]): Promise<RawClient> {
  const client = await RawClient.connect(port);
  client.command(...args);
  await client.replies(args.length - 1);
  return client;
}

/** Collects frames until `count` messages arrived (the confirmations were taken before). */
async function received(client: RawClient, count: number): Promise<string[][]> {
  const out: ServerReply[] = [];
  await waitFor(`${count} messages`, () => {
    for (let r = client.parser.next(); r !== undefined; r = client.parser.next()) out.push(r);
    return messages(out).length >= count ? true : undefined;
  }, 30_000);
  return messages(out);
}

test('a message published on any node reaches every subscriber of every node once, in each publisher\'s order', async () => {
  await cluster.leader();
  const perPublisher = 100;
  const subscribers = await Promise.all(cluster.nodes.map((node) => subscriber(node.port, 'SUBSCRIBE', 'feed')));
  const publishers = await Promise.all(cluster.nodes.map((node) => RawClient.connect(node.port)));
  try {
    // Every publisher pipelines its messages at once, all three concurrently.
    for (const [p, publisher] of publishers.entries()) for (let i = 0; i < perPublisher; i++) publisher.command('PUBLISH', 'feed', `p${p}-${i}`);
    const replies = await Promise.all(publishers.map((publisher) => publisher.replies(perPublisher, 30_000)));
    // Redis Cluster's meaning: the subscribers of the node that answered (one on each).
    for (const list of replies) assert.deepEqual(list.map(show), new Array(perPublisher).fill(1));
    const heard = await Promise.all(subscribers.map((client) => received(client, 3 * perPublisher)));
    for (const [s, list] of heard.entries()) {
      assert.equal(list.length, 3 * perPublisher, `subscriber on n${s + 1} got each message once`);
      assert.equal(new Set(list.map((fields) => fields[2])).size, 3 * perPublisher);
      for (let p = 0; p < 3; p++) {
        const order = list.map((fields) => fields[2]!).filter((text) => text.startsWith(`p${p}-`));
        assert.deepEqual(order, Array.from({ length: perPublisher }, (_, i) => `p${p}-${i}`), `n${s + 1} hears publisher ${p} in order`);
      }
    }
    // One log: every node delivers the same interleaving.
    assert.deepEqual(heard[1], heard[0]);
    assert.deepEqual(heard[2], heard[0]);
  } finally {
    for (const client of [...subscribers, ...publishers]) client.close();
  }
});

test("keyspace notifications of the leader's writes reach every node's subscribers in commit order", async () => {
  const leader = await cluster.leader();
  // notify-keyspace-events is per node, as in Redis: each node is told.
  for (const node of cluster.nodes) {
    const client = await RawClient.connect(node.port);
    assert.equal(show(await client.call('CONFIG', 'SET', 'notify-keyspace-events', 'E$g')), 'OK');
    client.close();
  }
  const subscribers = await Promise.all(cluster.nodes.map((node) => subscriber(node.port, 'PSUBSCRIBE', '__keyevent@0__:*')));
  const writer = await RawClient.connect(cluster.nodes[leader]!.port);
  try {
    const writes = 50;
    for (let i = 0; i < writes; i++) writer.command(i % 5 === 4 ? 'DEL' : 'SET', `key-${i % 5 === 4 ? i - 1 : i}`, ...(i % 5 === 4 ? [] : ['v']));
    await writer.replies(writes, 30_000);
    const expected = Array.from({ length: writes }, (_, i) => (i % 5 === 4 ? ['del', `key-${i - 1}`] : ['set', `key-${i}`]));
    for (const [s, client] of subscribers.entries()) {
      const heard = (await received(client, writes)).map((fields) => [fields[2]!.slice('__keyevent@0__:'.length), fields[3]!]);
      assert.deepEqual(heard, expected, `n${s + 1}'s subscriber`);
    }
  } finally {
    for (const client of [...subscribers, writer]) client.close();
  }
});

test('PUBLISH inside MULTI on a follower joins the relayed entry; every node hears it, and EXEC counts the follower\'s subscribers', async () => {
  const leader = await cluster.leader();
  const follower = cluster.nodes[(leader + 1) % 3]!;
  const subscribers = await Promise.all(cluster.nodes.map((node) => subscriber(node.port, 'SUBSCRIBE', 'in-multi')));
  const client = await RawClient.connect(follower.port);
  try {
    for (const args of [['MULTI'], ['SET', 'multi-key', 'v'], ['PUBLISH', 'in-multi', 'hello'], ['EXEC']]) client.command(...args);
    const replies = (await client.replies(4, 30_000)).map(show);
    assert.deepEqual(replies, ['OK', 'QUEUED', 'QUEUED', ['OK', 1]]);
    for (const s of subscribers) assert.deepEqual(await received(s, 1), [['message', 'in-multi', 'hello']]);
  } finally {
    for (const c of [...subscribers, client]) c.close();
  }
});
