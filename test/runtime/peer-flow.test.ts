// Flow control against fake listeners: a peer that completes the handshake and then falls silent
// (no keepalives) is redialled; a peer that stops reading makes the socket push back, and the
// queue then stays within its byte bound by dropping the oldest frames, and drains when it reads.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { FrameSplitter } from '../../src/runtime/peer/frames.js';
import { decodeHello, encodeAccept } from '../../src/runtime/peer/handshake.js';
import type { Message } from '../../src/raft/types.js';
import { startNode, waitFor } from './peer-helpers.js';

/** A listener that accepts any HELLO as node `id` (announcing a keepalive interval), then sends nothing; counts bytes after HELLO. */
async function fakePeer(id: string, keepaliveIntervalMs = 50): Promise<{ server: Server; sockets: Set<Socket>; bytesAfterHello: () => number; address: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let bytes = 0;
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    const splitter = new FrameSplitter(1 << 20);
    let greeted = false;
    socket.on('data', (chunk: Buffer) => {
      if (greeted) {
        bytes += chunk.length;
        return;
      }
      const [hello] = splitter.push(chunk);
      if (hello === undefined) return;
      assert.equal(decodeHello(hello).kind, 'hello');
      greeted = true;
      bytes += splitter.pendingBytes;
      socket.write(encodeAccept(id, keepaliveIntervalMs));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    server, sockets, bytesAfterHello: () => bytes,
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test('a peer that falls silent after the handshake is redialled', async () => {
  const fake = await fakePeer('b');
  const a = await startNode('a', { keepaliveIntervalMs: 50, peerSilenceTimeoutMs: 200, peers: { b: fake.address } });
  try {
    await waitFor('a silent-peer redial', () => (a.transport.stats()[0]?.reconnects ?? 0) >= 1 && a.logs.some((l) => l.event === 'peer.silent'));
    assert.ok(a.logs.some((l) => l.event === 'peer.connected'), 'the fake peer was accepted first');
  } finally {
    await a.transport.close();
    await fake.close();
  }
});

test('a listener that announces slower keepalives gets three of its intervals before it counts as silent', async () => {
  const fake = await fakePeer('b', 400);
  const a = await startNode('a', { keepaliveIntervalMs: 50, peerSilenceTimeoutMs: 200, peers: { b: fake.address } });
  try {
    await waitFor('connected', () => a.transport.stats()[0]?.connected === true);
    const connectedAt = Date.now();
    await waitFor('the silent peer dropped', () => a.logs.some((l) => l.event === 'peer.silent'), 5000);
    assert.ok(Date.now() - connectedAt >= 1100, `dropped after ${Date.now() - connectedAt} ms, before 3 x 400 ms`);
  } finally {
    await a.transport.close();
    await fake.close();
  }
});

test('a peer that stops reading: the socket pushes back, the queue stays within its bytes, then drains', async () => {
  const fake = await fakePeer('b');
  const maxQueuedBytes = 1024 * 1024;
  const a = await startNode('a', { maxQueuedBytes, peerSilenceTimeoutMs: 60_000, keepaliveIntervalMs: 30_000, peers: { b: fake.address } });
  try {
    await waitFor('connected', () => a.transport.stats()[0]?.connected === true);
    for (const socket of fake.sockets) socket.pause();
    const chunk = new Uint8Array(64 * 1024);
    const message = (offset: number): Message => ({
      type: 'snapshot', from: 'a', to: 'b', term: 1, incarnation: '0000000000000000', meta: { index: 9, term: 1, membership: { voters: ['a', 'b'], learners: [] } },
      totalBytes: 1 << 30, offset, chunk,
    });
    const total = 800; // 50 MiB offered, far more than the kernel's socket buffers hold
    for (let i = 0; i < total; i++) {
      a.transport.send('b', message(i * chunk.length));
      if (i % 4 === 3) await nextTurn();
      const s = a.transport.stats()[0]!;
      assert.ok(s.queuedBytes <= maxQueuedBytes, `queued ${s.queuedBytes} bytes`);
    }
    const stalled = a.transport.stats()[0]!;
    assert.ok(stalled.droppedMessages > 0, 'the queue dropped frames while the peer did not read');
    assert.equal(stalled.sentMessages + stalled.queuedMessages + stalled.droppedMessages, total);
    assert.ok(stalled.sentBytes < total * chunk.length / 2, `only what the socket accepted was written (${stalled.sentBytes})`);
    for (const socket of fake.sockets) socket.resume();
    await waitFor('the queue drains once the peer reads', () => {
      const s = a.transport.stats()[0]!;
      return s.queuedMessages === 0 && fake.bytesAfterHello() === s.sentBytes;
    }, 10_000);
  } finally {
    await a.transport.close();
    await fake.close();
  }
});
