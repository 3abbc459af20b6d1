// TcpPeerTransport over real sockets on free ports: every message type crosses between three
// nodes, a restarted peer is reconnected to, queues stay bounded while a peer is down (dropping the
// oldest), one turn's messages go out in few writes, and peers can be re-addressed and removed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TcpPeerTransport } from '../../src/runtime/peer/transport.js';
import { isCairnError } from '../../src/lib/errors.js';
import type { Message } from '../../src/raft/types.js';
import { sampleMessages } from './peer-messages.js';
import { closeAll, connectAll, freePort, heartbeat, startNode, waitFor } from './peer-helpers.js';
import type { TestNode } from './peer-helpers.js';

function stat(node: TestNode, peer: string) {
  const s = node.transport.stats().find((x) => x.id === peer);
  assert.ok(s !== undefined, `${node.id} has no peer ${peer}`);
  return s;
}

test('messages of every type cross between three transports, in order per sender', async () => {
  const nodes = await Promise.all(['n1', 'n2', 'n3'].map((id) => startNode(id)));
  try {
    connectAll(nodes);
    for (const from of nodes) {
      for (const to of nodes) {
        if (from !== to) for (const m of sampleMessages(from.id, to.id)) from.transport.send(to.id, m);
      }
    }
    await waitFor('26 messages at each node', () => nodes.every((n) => n.received.length === 26));
    for (const to of nodes) {
      for (const from of nodes) {
        if (from === to) continue;
        const got = to.received.filter((r) => r.from === from.id).map((r) => r.message);
        assert.deepStrictEqual(got, sampleMessages(from.id, to.id));
      }
      assert.ok(to.transport.stats().every((s) => s.connected && s.receivedMessages === 13 && s.sentMessages === 13));
    }
  } finally {
    await closeAll(nodes);
  }
});

test('a peer that restarts is reconnected to and messages flow again', async () => {
  const a = await startNode('a');
  let b = await startNode('b');
  const port = b.transport.listenPort;
  try {
    connectAll([a, b]);
    a.transport.send('b', heartbeat('a', 'b', 1));
    await waitFor('first message', () => b.received.length === 1);
    await b.transport.close();
    await waitFor('a sees b down', () => !stat(a, 'b').connected);
    a.transport.send('b', heartbeat('a', 'b', 2)); // queued while b is down
    b = await startNode('b', { listenPort: port });
    b.transport.setPeers({ a: a.address, b: b.address });
    await waitFor('a reconnects to b', () => stat(a, 'b').connected);
    a.transport.send('b', heartbeat('a', 'b', 3));
    await waitFor('messages after the restart', () => b.received.length === 2);
    assert.deepStrictEqual(b.received.map((r) => (r.message as { readSeq: number }).readSeq), [2, 3]);
    assert.ok(stat(a, 'b').reconnects >= 1);
    assert.ok(a.logs.some((l) => l.event === 'peer.disconnected'));
    // b dials a too, and a still accepts it.
    b.transport.send('a', heartbeat('b', 'a', 9));
    await waitFor('b -> a', () => a.received.length === 1);
  } finally {
    await closeAll([a, b]);
  }
});

test('queues stay bounded while a peer is down; the oldest messages are dropped', async () => {
  const port = await freePort();
  const a = await startNode('a', { maxQueuedMessages: 10, peers: { b: `127.0.0.1:${port}` } });
  let b: TestNode | null = null;
  try {
    for (let i = 0; i < 1000; i++) a.transport.send('b', heartbeat('a', 'b', i));
    const down = stat(a, 'b');
    assert.equal(down.connected, false);
    assert.equal(down.queuedMessages, 10);
    assert.equal(down.droppedMessages, 990);
    assert.ok(a.logs.filter((l) => l.event === 'peer.queue_full').length === 1, 'dropping is logged once, not per message');
    // A byte bound as well: 100 KiB frames against a 256 KiB budget.
    const big: Message = { type: 'snapshot', from: 'a', to: 'b', term: 1, incarnation: '0000000000000000', meta: { index: 1, term: 1, membership: { voters: ['a'], learners: [] } }, totalBytes: 1, offset: 0, chunk: new Uint8Array(100 * 1024) };
    b = await startNode('b', { listenPort: port });
    await waitFor('the 10 newest arrive', () => b!.received.length === 10);
    assert.deepStrictEqual(b.received.map((r) => (r.message as { readSeq: number }).readSeq), [990, 991, 992, 993, 994, 995, 996, 997, 998, 999]);
    await b.transport.close();
    await waitFor('a sees b down again', () => !stat(a, 'b').connected);
    const c = await startNode('c', { maxQueuedBytes: 256 * 1024, maxFrameBytes: 128 * 1024, peers: { b: `127.0.0.1:${port}` } });
    try {
      // A frame above maxFrameBytes is dropped at once and logged: the peer would refuse it.
      c.transport.send('b', { ...big, from: 'c', chunk: new Uint8Array(200 * 1024) });
      assert.equal(stat(c, 'b').droppedMessages, 1);
      assert.equal(stat(c, 'b').queuedMessages, 0);
      assert.ok(c.logs.some((l) => l.event === 'peer.frame_too_large'));
      for (let i = 0; i < 20; i++) c.transport.send('b', { ...big, from: 'c', offset: i });
      const s = stat(c, 'b');
      assert.ok(s.queuedBytes <= 256 * 1024, `queued ${s.queuedBytes} bytes`);
      assert.equal(s.queuedMessages, 2);
      assert.equal(s.droppedMessages, 1 + 18);
    } finally {
      await c.transport.close();
    }
  } finally {
    await closeAll(b === null ? [a] : [a, b]);
  }
});

test('many messages sent in one turn go out in a few writes', async () => {
  const [a, b] = await Promise.all([startNode('a'), startNode('b')]);
  try {
    connectAll([a, b]);
    await waitFor('connected', () => stat(a, 'b').connected);
    const before = stat(a, 'b').writes;
    for (let i = 0; i < 500; i++) a.transport.send('b', heartbeat('a', 'b', i));
    await waitFor('500 messages', () => b.received.length === 500);
    const writes = stat(a, 'b').writes - before;
    assert.ok(writes >= 1 && writes <= 2, `500 messages took ${writes} writes`);
    // A second turn is a second write: batching does not hold messages back.
    a.transport.send('b', heartbeat('a', 'b', 500));
    await waitFor('one more', () => b.received.length === 501);
    assert.equal(stat(a, 'b').writes - before, writes + 1);
  } finally {
    await closeAll([a, b]);
  }
});

test('peers are added, re-addressed and removed at runtime', async () => {
  const [a, b, c] = await Promise.all([startNode('a'), startNode('b'), startNode('c')]);
  try {
    // b's entry points at c's port first: c refuses a HELLO meant for b.
    a.transport.setPeers({ a: a.address, b: c.address });
    a.transport.send('b', heartbeat('a', 'b', 1));
    await waitFor('c refuses a HELLO for b', () => c.logs.some((l) => l.event === 'peer.inbound_refused'));
    assert.equal(c.received.length, 0);
    a.transport.setPeers({ a: a.address, b: b.address });
    await waitFor('redirected to b', () => stat(a, 'b').connected);
    a.transport.send('b', heartbeat('a', 'b', 2));
    await waitFor('b receives', () => b.received.length >= 1);
    assert.ok(b.received.every((r) => r.from === 'a'));
    a.transport.setPeers({ a: a.address, c: c.address });
    assert.deepStrictEqual(a.transport.stats().map((s) => s.id), ['c']);
    a.transport.send('b', heartbeat('a', 'b', 3)); // not a peer any more: dropped, not thrown
    assert.equal(a.transport.unroutableMessages, 1);
    a.transport.send('c', heartbeat('a', 'c', 4));
    await waitFor('c receives', () => c.received.length === 1);
    assert.throws(() => a.transport.setPeers({ b: 'no-port' }), (e: unknown) => isCairnError(e, 'CAIRN_INVALID_ARGUMENT'));
    assert.throws(() => a.transport.send('c', heartbeat('x', 'c', 5)), (e: unknown) => isCairnError(e, 'CAIRN_INVALID_ARGUMENT'));
  } finally {
    await closeAll([a, b, c]);
  }
});

test('IPv6 and host-name addresses work', async (t) => {
  let v6: TestNode;
  try {
    v6 = await startNode('v6', { listenHost: '::1' });
  } catch {
    t.skip('no IPv6 loopback on this machine');
    return;
  }
  const named = await startNode('named');
  try {
    named.transport.setPeers({ v6: v6.address });
    v6.transport.setPeers({ named: `localhost:${named.transport.listenPort}` });
    assert.match(v6.address, /^\[::1\]:\d+$/);
    named.transport.send('v6', heartbeat('named', 'v6', 1));
    v6.transport.send('named', heartbeat('v6', 'named', 2));
    await waitFor('both directions', () => v6.received.length === 1 && named.received.length === 1);
  } finally {
    await closeAll([v6, named]);
  }
});

test('bad options are refused with CAIRN_INVALID_ARGUMENT', async () => {
  const base = { nodeId: 'a', clusterId: 'c', listenHost: '127.0.0.1', listenPort: 0 };
  for (const bad of [{ nodeId: '' }, { clusterId: 'x'.repeat(300) }, { maxQueuedMessages: 0 }, { reconnectBaseMs: 500, reconnectMaxMs: 100 }, { listenPort: 70000 }]) {
    await assert.rejects(TcpPeerTransport.start({ ...base, ...bad }), (e: unknown) => isCairnError(e, 'CAIRN_INVALID_ARGUMENT'));
  }
});
