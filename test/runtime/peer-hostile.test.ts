// Hostile and misconfigured peers: a node of another cluster or protocol version is refused and
// logged and none of its messages are delivered; garbage, truncated, oversized and spoofed frames
// on a raw socket close that socket while the node keeps serving its real peers; a listener that
// answers garbage is redialled with backoff; and close() leaves no handle behind (a child exits).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { encodeMessage } from '../../src/runtime/peer/codec.js';
import { FrameSplitter } from '../../src/runtime/peer/frames.js';
import { decodeHelloReply, encodeAccept, encodeHello, HELLO_FRAME_BYTES_MAX, NONCE_BYTES } from '../../src/runtime/peer/handshake.js';
import { sampleMessages } from './peer-messages.js';
import { closeAll, connectAll, heartbeat, startNode, waitFor } from './peer-helpers.js';
import type { TestNode } from './peer-helpers.js';

interface RawPeer {
  socket: Socket;
  replies: Buffer[];
  closed: Promise<void>;
}

async function rawConnect(node: TestNode): Promise<RawPeer> {
  const socket = connect({ host: '127.0.0.1', port: node.transport.listenPort });
  const splitter = new FrameSplitter(1 << 20);
  const replies: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => replies.push(...splitter.push(chunk)));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, replies, closed };
}

async function withDeadline(what: string, promise: Promise<void>, deadlineMs = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), deadlineMs);
  });
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const HELLO = encodeHello({ clusterId: 'test-cluster', from: 'raw', to: 'a', nonce: new Uint8Array(NONCE_BYTES) });

test('a node of another cluster is refused and logged on both sides; nothing is delivered', async () => {
  const a = await startNode('a');
  const x = await startNode('x', { clusterId: 'other-cluster' });
  try {
    x.transport.setPeers({ a: a.address });
    a.transport.setPeers({ x: x.address });
    for (let i = 0; i < 5; i++) x.transport.send('a', heartbeat('x', 'a', i));
    a.transport.send('x', heartbeat('a', 'x', 1));
    await waitFor('a refuses x', () => a.logs.some((l) => l.event === 'peer.inbound_refused' && String(l.fields.reason).includes('other-cluster')));
    await waitFor('x refuses a', () => x.logs.some((l) => l.event === 'peer.inbound_refused'));
    await waitFor('x logs that a refused it', () => x.logs.some((l) => l.event === 'peer.dial_failed' && String(l.fields.error).includes('refused by a')));
    assert.equal(a.received.length, 0);
    assert.equal(x.received.length, 0);
    assert.equal(x.transport.stats()[0]?.connected, false);
    assert.equal(a.transport.stats()[0]?.connected, false);
  } finally {
    await closeAll([a, x]);
  }
});

test('a HELLO of another protocol version gets a REFUSE naming the version, then the socket is closed', async () => {
  const a = await startNode('a');
  try {
    const raw = await rawConnect(a);
    const future = Buffer.from(HELLO);
    future[4] = 9;
    raw.socket.write(future);
    await withDeadline('the refused socket to close', raw.closed);
    assert.equal(raw.replies.length, 1);
    const reply = decodeHelloReply(raw.replies[0] as Buffer);
    assert.equal(reply.kind, 'refuse');
    assert.match(reply.kind === 'refuse' ? reply.reason : '', /version 9/);
    assert.ok(a.logs.some((l) => l.event === 'peer.inbound_refused'));
  } finally {
    await a.transport.close();
  }
});

test('garbage, oversized, truncated and spoofed frames close that socket; real peers keep flowing', async () => {
  const a = await startNode('a', { maxFrameBytes: 1024 * 1024, connectTimeoutMs: 300 });
  const b = await startNode('b');
  try {
    connectAll([a, b]);
    let seq = 0;
    const flowing = async (): Promise<void> => {
      const want = ++seq;
      b.transport.send('a', heartbeat('b', 'a', want));
      await waitFor(`b's message ${want}`, () => a.received.some((r) => (r.message as { readSeq: number }).readSeq === want));
    };
    await flowing();
    const oversized = Buffer.alloc(4);
    oversized.writeUInt32BE(0xffff_fff0);
    const truncated = encodeMessage(heartbeat('raw', 'a', 1)).subarray(0, 12);
    const bigBeforeHello = Buffer.alloc(4);
    bigBeforeHello.writeUInt32BE(100_000); // under maxFrameBytes, but no HELLO is that long
    const cases: { name: string; bytes: Buffer[]; end?: boolean }[] = [
      { name: 'random bytes instead of HELLO', bytes: [Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')] },
      { name: 'a 100 kB frame before HELLO', bytes: [bigBeforeHello, Buffer.alloc(1000)] },
      { name: 'HELLO then an unknown type', bytes: [HELLO, Buffer.from([0, 0, 0, 3, 1, 77, 0])] },
      { name: 'HELLO then a frame length over the cap', bytes: [HELLO, oversized] },
      { name: 'HELLO then a truncated frame and FIN', bytes: [HELLO, truncated], end: true },
      { name: 'HELLO then a message claiming to come from b', bytes: [HELLO, encodeMessage(heartbeat('b', 'a', 999))] },
      { name: 'HELLO then a message for another node', bytes: [HELLO, encodeMessage(heartbeat('raw', 'z', 998))] },
      { name: 'silence: no HELLO at all', bytes: [] },
    ];
    for (const c of cases) {
      const garbageBefore = a.logs.filter((l) => l.event === 'peer.garbage' || l.event === 'peer.inbound_timeout').length;
      const raw = await rawConnect(a);
      for (const bytes of c.bytes) raw.socket.write(bytes);
      if (c.end === true) raw.socket.end();
      await withDeadline(`a to close the socket (${c.name})`, raw.closed);
      await waitFor(`a logs it (${c.name})`, () => a.logs.filter((l) => l.event === 'peer.garbage' || l.event === 'peer.inbound_timeout').length > garbageBefore);
      if (c.name.includes('before HELLO')) assert.match(String(a.logs.at(-1)?.fields.error), new RegExp(`exceeds the cap of ${HELLO_FRAME_BYTES_MAX} bytes`));
      await flowing();
    }
    assert.ok(a.received.every((r) => r.from === 'b'), 'nothing from a raw socket was delivered');
  } finally {
    await closeAll([a, b]);
  }
});

test('random mutations of a valid stream, in random pieces, never crash the node or deliver a spoofed message', async () => {
  const a = await startNode('a', { connectTimeoutMs: 500 });
  const b = await startNode('b');
  try {
    connectAll([a, b]);
    const stream = Buffer.concat([HELLO, ...sampleMessages('raw', 'a').map(encodeMessage)]);
    const runs = fc.sample(fc.tuple(
      fc.array(fc.tuple(fc.nat(stream.length - 1), fc.nat({ max: 255 })), { minLength: 1, maxLength: 3 }),
      fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }),
    ), { numRuns: 40, seed: 5 });
    for (const [flips, pieces] of runs) {
      const bytes = Buffer.from(stream);
      for (const [at, value] of flips) bytes[at] = value;
      const raw = await rawConnect(a);
      let at = 0;
      for (const size of pieces) {
        if (at >= bytes.length || raw.socket.destroyed) break;
        raw.socket.write(bytes.subarray(at, at + size));
        at += size;
      }
      if (!raw.socket.destroyed) raw.socket.end(bytes.subarray(at));
      await withDeadline('the raw socket to close', raw.closed);
    }
    assert.ok(a.received.every((r) => r.from === r.message.from && r.message.to === 'a'), 'every delivered message matches its connection');
    b.transport.send('a', heartbeat('b', 'a', 12345));
    await waitFor('b still flows', () => a.received.some((r) => r.from === 'b'));
  } finally {
    await closeAll([a, b]);
  }
});

test('a listener that answers garbage is logged and redialled with backoff', async () => {
  const sockets = new Set<Socket>();
  const fake = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.write(Buffer.from('+OK I am redis\r\n'));
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', () => resolve()));
  const a = await startNode('a', { peers: { b: `127.0.0.1:${(fake.address() as AddressInfo).port}` } });
  try {
    a.transport.send('b', heartbeat('a', 'b', 1));
    await waitFor('two redials', () => (a.transport.stats()[0]?.reconnects ?? 0) >= 2);
    assert.ok(a.logs.some((l) => l.event === 'peer.garbage' && l.fields.direction === 'outbound'));
    assert.equal(a.transport.stats()[0]?.connected, false);
  } finally {
    await a.transport.close();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => fake.close(() => resolve()));
  }
});

test('a listener that accepts and then drops the connection at once is redialled with growing delays', async () => {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const flapping = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', () => {
      accepted++;
      socket.end(encodeAccept('b', 1000));
    });
  });
  await new Promise<void>((resolve) => flapping.listen(0, '127.0.0.1', () => resolve()));
  const started = Date.now();
  const a = await startNode('a', { reconnectBaseMs: 50, reconnectMaxMs: 1000, peers: { b: `127.0.0.1:${(flapping.address() as AddressInfo).port}` } });
  try {
    await waitFor('five redials', () => (a.transport.stats()[0]?.reconnects ?? 0) >= 5);
    // Without backoff five redials take a few ms; with it at least 25 + 50 + 100 + 200 ms (the
    // random half of each delay can only add).
    assert.ok(Date.now() - started >= 375, `five redials after ${Date.now() - started} ms`);
    assert.ok(accepted >= 1 && a.logs.some((l) => l.event === 'peer.connected'));
  } finally {
    await a.transport.close();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => flapping.close(() => resolve()));
  }
});

test('close() leaves no handles: a process that used three transports exits on its own', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./peer-close-child.ts', import.meta.url))], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child did not exit within 15 s; output: ${output}`)), 15_000);
      child.once('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    assert.equal(code, 0, output);
    assert.match(output, /exchanged 6 messages/);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});
