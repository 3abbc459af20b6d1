// Hostile TLS handshakes on a peer port that requires mutual TLS (issue #15, item 6): garbage,
// truncated ClientHellos that then stall, ClientHellos sent a byte at a time, and clients without a
// certificate. The node closes every one of them within its handshake timeout, keeps receiving from
// its real peer throughout, and its memory does not grow from wave to wave.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect as netConnect, createServer, type AddressInfo, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { makeCertAuthority, type CertAuthority } from '../support/certs.js';
import { closeAll, connectAll, heartbeat, startNode, waitFor } from './peer-helpers.js';
import type { TestNode } from './peer-helpers.js';
import { receivedFrom, tlsFor } from './peer-auth-helpers.js';

const handshakeTimeoutMs = 1000;
const socketsPerKind = 50;
/** How long a wave may take to be closed: the deadline plus slack for a loaded machine (dripping a whole ClientHello takes over 15 s). */
const closeDeadlineMs = handshakeTimeoutMs * 8;

/** The first flight of a real TLS client: what a peer's ClientHello looks like on the wire. */
async function clientHello(ca: CertAuthority): Promise<Buffer> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const got = new Promise<Buffer>((resolve) => server.once('connection', (socket) => socket.once('data', (chunk: Buffer) => {
    resolve(chunk);
    socket.destroy();
  })));
  const client = tlsConnect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, servername: 'a', ca: readFileSync(ca.certFile) });
  client.on('error', () => {});
  const hello = await got;
  client.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return hello;
}

/** Opens one hostile socket of each kind `socketsPerKind` times; resolves with them once all are connected. */
async function hostileWave(node: TestNode, hello: Buffer, ca: CertAuthority): Promise<Socket[]> {
  const port = node.transport.listenPort;
  const sockets: Socket[] = [];
  const opened: Promise<void>[] = [];
  const plain = (onConnect: (socket: Socket) => void): void => {
    const socket = netConnect({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    socket.resume(); // reads the node's alert and FIN, so `closed` tells when the node closed it
    sockets.push(socket);
    opened.push(new Promise((resolve) => socket.once('connect', () => {
      onConnect(socket);
      resolve();
    })));
  };
  for (let i = 0; i < socketsPerKind; i++) {
    plain((s) => s.write(randomBytes(4096)));
    plain((s) => s.write(hello.subarray(0, Math.floor(hello.length / 2))));
    plain((s) => {
      let at = 0;
      const drip = setInterval(() => (at < hello.length && !s.destroyed ? s.write(hello.subarray(at, ++at)) : clearInterval(drip)), 50);
      s.once('close', () => clearInterval(drip));
    });
    const noCert = tlsConnect({ host: '127.0.0.1', port, servername: 'a', ca: readFileSync(ca.certFile), checkServerIdentity: () => undefined });
    noCert.on('error', () => {});
    sockets.push(noCert);
  }
  await Promise.all(opened);
  return sockets;
}

test('garbage, truncated, slow and certificate-less TLS handshakes are closed in time; the real peer keeps flowing; memory stays flat', async () => {
  const ca = makeCertAuthority();
  const nodes: TestNode[] = [];
  try {
    const a = await startNode('a', { security: tlsFor(ca, 'a'), connectTimeoutMs: handshakeTimeoutMs, maxInboundConnections: 1024 });
    const b = await startNode('b', { security: tlsFor(ca, 'b') });
    nodes.push(a, b);
    connectAll(nodes);
    let sent = 0;
    const pump = setInterval(() => b.transport.send('a', heartbeat('b', 'a', ++sent)), 5);
    try {
      await waitFor('b reaches a', () => receivedFrom(a, 'b') > 0);
      const hello = await clientHello(ca);
      const rssAfterWave: number[] = [];
      for (let wave = 0; wave < 3; wave++) {
        const started = performance.now();
        const sockets = await hostileWave(a, hello, ca);
        const receivedBefore = receivedFrom(a, 'b');
        await waitFor(`wave ${wave}: every hostile socket is closed`, () => sockets.every((s) => s.closed), closeDeadlineMs);
        const closedAfterMs = performance.now() - started;
        assert.ok(receivedFrom(a, 'b') > receivedBefore, `wave ${wave}: a kept receiving from b`);
        assert.ok(closedAfterMs < closeDeadlineMs, `wave ${wave}: closed after ${Math.round(closedAfterMs)} ms`);
        rssAfterWave.push(process.memoryUsage().rss);
      }
      const growthBytes = (rssAfterWave[2] ?? 0) - (rssAfterWave[0] ?? 0);
      assert.ok(growthBytes < 32 * 1024 * 1024, `RSS grew ${Math.round(growthBytes / 1024 / 1024)} MiB between the first and the third wave`);
      assert.ok(a.transport.stats().every((s) => s.connected) && b.transport.stats().every((s) => s.connected), 'the real links stayed up');
      assert.ok(!a.logs.some((l) => l.event === 'peer.inbound_accepted' && l.fields.peer !== 'b'), 'only b was ever accepted');
      assert.ok(a.logs.some((l) => l.event === 'peer.inbound_tls_refused'), 'refused handshakes are logged');
    } finally {
      clearInterval(pump);
    }
  } finally {
    await closeAll(nodes);
    ca.remove();
  }
});
