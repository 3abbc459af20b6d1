// Hostile input on the TLS port: garbage (random bytes, and records that look like a handshake but
// are not) is closed at once; truncated handshakes and slow ones trickling a byte at a time are
// closed at cairn-tls-handshake-timeout-ms however long they would take; handshakes open at once are
// capped (more are closed on accept) and the node's memory stays bounded under 1,100 stalled ones;
// throughout, a client connected before keeps being served and a new one is served too. Every
// refusal is counted in INFO; only a few are logged, whatever the flood.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect as connectTcp, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import { Redis } from 'ioredis';
import { pem } from '../support/certs.js';
import { freePort, startCairn, waitFor, type RunningProcess } from './helpers.js';
import { makeTlsCerts, probe, tlsFlags, type ClientCreds, type TlsCerts } from './tls-helpers.js';

const handshakeTimeoutMs = 4000;
let certs: TlsCerts;
let good: ClientCreds;
let hello: Buffer;

before(async () => {
  certs = makeTlsCerts();
  good = { caFile: certs.ca.certFile, cert: certs.client };
  hello = await clientHello();
});
after(() => certs?.remove());

/** A real ClientHello, as Node's TLS client sends it first (captured by a plain TCP server). */
function clientHello(): Promise<Buffer> {
  return new Promise((resolve) => {
    const capture = createServer((socket) => socket.once('data', (chunk: Buffer) => {
      resolve(chunk);
      socket.destroy();
      capture.close();
    }));
    capture.listen(0, '127.0.0.1', () => {
      const address = capture.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      connectTls({ host: '127.0.0.1', port, rejectUnauthorized: false }).on('error', () => undefined);
    });
  });
}

interface Hostile {
  readonly socket: Socket;
  closedAtMs: number | undefined;
  sentBytes: number;
}

/** A raw TCP connection to the TLS port that sends `first` once connected. */
function hostile(port: number, first: Buffer): Hostile {
  const socket = connectTcp(port, '127.0.0.1');
  const h: Hostile = { socket, closedAtMs: undefined, sentBytes: 0 };
  socket.on('error', () => undefined);
  // Read (and drop) what the node answers, such as a TLS alert: a socket not reading never sees the close.
  socket.resume();
  socket.on('close', () => (h.closedAtMs = Date.now()));
  socket.on('connect', () => {
    if (first.length > 0) socket.write(first);
    h.sentBytes += first.length;
  });
  return h;
}

async function allClosed(what: string, sockets: readonly Hostile[], timeoutMs: number): Promise<void> {
  try {
    await waitFor(what, () => (sockets.every((h) => h.closedAtMs !== undefined) ? true : undefined), timeoutMs);
  } catch (error) {
    const open = sockets.filter((h) => h.closedAtMs === undefined);
    throw new Error(`${String(error)}: ${open.length} still open, e.g. ${open.slice(0, 5).map((h) => `${h.sentBytes} bytes sent, destroyed=${h.socket.destroyed}, readyState=${h.socket.readyState}`).join('; ')}`);
  }
}

function rssBytes(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
}

async function startTlsNode(timeoutMs: number): Promise<{ node: RunningProcess; port: number }> {
  const port = await freePort();
  const config = join(certs.ca.dir, `handshake-${timeoutMs}.conf`);
  writeFileSync(config, `cairn-tls-handshake-timeout-ms ${timeoutMs}\n`);
  return { node: await startCairn([...tlsFlags(certs, port), '--config', config]), port };
}

function connectedClient(port: number): Redis {
  return new Redis({ host: '127.0.0.1', port, tls: { ca: pem(certs.ca.certFile), cert: pem(certs.client.certFile), key: pem(certs.client.keyFile) }, lazyConnect: true, maxRetriesPerRequest: 0 });
}

describe(`a TLS port with a ${handshakeTimeoutMs} ms handshake timeout`, () => {
  let node: RunningProcess;
  let port: number;
  let client: Redis;
  before(async () => {
    ({ node, port } = await startTlsNode(handshakeTimeoutMs));
    client = connectedClient(port);
    await client.connect();
  });
  after(async () => {
    client?.disconnect();
    await node?.cleanup();
  });

  test('garbage, and records that only look like a handshake, are closed before the timeout; clients are served', async () => {
    const startedMs = Date.now();
    const sockets: Hostile[] = [];
    for (let i = 0; i < 100; i++) {
      // Random bytes whose record header is no TLS record: never the handshake type byte, never version 3.x.
      const noise = randomBytes(1024);
      noise[0] = i % 0x16;
      noise[1] = 0;
      sockets.push(hostile(port, noise));
      // A whole handshake record of random content whose message is no ClientHello (a ClientHello
      // claiming more bytes would rightly wait for them, until the timeout).
      const record = Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]), randomBytes(512)]);
      record[5] = 2 + (i % 20);
      sockets.push(hostile(port, record));
    }
    await allClosed('every garbage connection to be closed', sockets, 10_000);
    const slowestMs = Math.max(...sockets.map((h) => h.closedAtMs! - startedMs));
    assert.ok(slowestMs < handshakeTimeoutMs, `garbage is refused on sight, not at the timeout (slowest ${slowestMs} ms)`);
    const failures = Number(/cairn_tls_handshake_failures:(\d+)/.exec(await client.info('stats'))?.[1]);
    assert.equal(failures, sockets.length, 'INFO counts every refused connection');
    // A flood writes a few lines, not one a connection: ten a ten-second window (lib/log-budget.ts).
    const logged = node.output().split('\n').filter((line) => line.includes('"event":"tls.client_refused"'));
    assert.ok(logged.length >= 1 && logged.length <= 10, `${logged.length} lines logged for ${sockets.length} refusals`);
    assert.equal(await client.incr('hostile:garbage'), 1);
    assert.equal(await probe(port, good), 'served');
  });

  test('truncated and slow handshakes are closed at the timeout, however long they would take; others are served meanwhile', async () => {
    const startedMs = Date.now();
    const truncated = Array.from({ length: 50 }, () => hostile(port, hello.subarray(0, Math.floor(hello.length / 2))));
    const slow = Array.from({ length: 10 }, () => hostile(port, Buffer.alloc(0)));
    // One byte every 50 ms: the whole ClientHello would take over 15 s.
    const trickle = setInterval(() => {
      for (const h of slow) {
        if (h.closedAtMs !== undefined || h.sentBytes >= hello.length) continue;
        h.socket.write(hello.subarray(h.sentBytes, h.sentBytes + 1));
        h.sentBytes++;
      }
    }, 50);
    try {
      assert.equal(await probe(port, good), 'served', 'a new client is served while handshakes stall');
      assert.equal(await client.incr('hostile:slow'), 1);
      await allClosed('the stalled handshakes to be cut', [...truncated, ...slow], handshakeTimeoutMs + 8000);
    } finally {
      clearInterval(trickle);
    }
    for (const h of slow) assert.ok(h.sentBytes < hello.length, `a slow handshake was cut after ${h.sentBytes} of ${hello.length} bytes`);
    const earliestMs = Math.min(...[...truncated, ...slow].map((h) => h.closedAtMs! - startedMs));
    assert.ok(earliestMs >= handshakeTimeoutMs - 100, `nothing valid so far was cut before the timeout (earliest ${earliestMs} ms)`);
    assert.equal(await client.get('hostile:slow'), '1');
  });
});

describe('handshakes open at once', () => {
  test('are capped at 1,024 (more are closed on accept), memory stays bounded, and clients are served throughout', async () => {
    // A long timeout: the closes seen within it come from the cap, not from the timer.
    const { node, port } = await startTlsNode(60_000);
    const client = connectedClient(port);
    const stalled: Hostile[] = [];
    try {
      await client.connect();
      assert.equal(await client.set('cap:warm', '1'), 'OK');
      const before = rssBytes(node.proc.pid!);
      for (let i = 0; i < 1100; i++) stalled.push(hostile(port, hello.subarray(0, 100)));
      await waitFor('the handshakes past the cap to be closed', () => (stalled.filter((h) => h.closedAtMs !== undefined).length >= 1100 - 1024 ? true : undefined), 20_000);
      await waitFor('every stalled socket to be connected', () => (stalled.every((h) => h.sentBytes > 0 || h.closedAtMs !== undefined) ? true : undefined), 20_000);
      const grownBytes = rssBytes(node.proc.pid!) - before;
      assert.ok(grownBytes < 128 * 1024 * 1024, `1,024 stalled handshakes grew RSS by ${(grownBytes / 1e6).toFixed(1)} MB`);
      assert.equal(await client.get('cap:warm'), '1', 'an established client is served while the cap is full');
      assert.equal(stalled.filter((h) => h.closedAtMs !== undefined).length, 1100 - 1024, 'exactly the handshakes past the cap were closed');
      for (const h of stalled) h.socket.destroy();
      await waitFor('a new client to be served once the stalled ones left', async () => ((await probe(port, good)) === 'served' ? true : undefined), 20_000);
    } finally {
      for (const h of stalled) h.socket.destroy();
      client.disconnect();
      await node.cleanup();
    }
  });
});
