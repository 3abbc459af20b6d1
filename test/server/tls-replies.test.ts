// Replies over TLS arrive intact, byte for byte, whatever the socket's state: a client asking one
// thing at a time (each reply its own TLS write, the node reusing its reply buffer as soon as
// node:tls has encrypted it), and a client that pipelines far more than the kernel holds and stops
// reading until the node has replies queued (backpressure), then reads them all; and a subscriber
// whose messages are pushed while the node's previous TLS write is still being completed.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type TLSSocket } from 'node:tls';
import { Redis } from 'ioredis';
import { pem } from '../support/certs.js';
import { freePort, startCairn, waitFor, type RunningProcess } from './helpers.js';
import { makeTlsCerts, tlsFlags, tlsOptions, type TlsCerts } from './tls-helpers.js';

let certs: TlsCerts;
let node: RunningProcess;
let tlsPort: number;
let client: Redis;

before(async () => {
  certs = makeTlsCerts();
  tlsPort = await freePort();
  node = await startCairn(tlsFlags(certs, tlsPort));
  client = new Redis({ host: '127.0.0.1', port: tlsPort, tls: { ca: pem(certs.ca.certFile), cert: pem(certs.client.certFile), key: pem(certs.client.keyFile) }, lazyConnect: true, maxRetriesPerRequest: 0 });
  await client.connect();
});
after(async () => {
  client?.disconnect();
  await node?.cleanup();
  certs?.remove();
});

/** A value of `length` bytes that differs from every other seed's at every position. */
function pattern(seed: number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = (seed * 31 + i * 7) % 251;
  return bytes;
}

function bulk(value: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`$${value.length}\r\n`), value, Buffer.from('\r\n')]);
}

describe('replies over TLS', () => {
  test('one request at a time: every reply is its own and whole', async () => {
    const values = Array.from({ length: 200 }, (_, i) => pattern(i, 1 + ((i * 97) % 3000)));
    for (const [i, value] of values.entries()) await client.set(`one:${i}`, value);
    for (let round = 0; round < 3; round++) {
      for (const [i, value] of values.entries()) assert.deepEqual(await client.getBuffer(`one:${i}`), value, `one:${i}, round ${round}`);
    }
  });

  test('a subscriber gets every message whole and in order while several publishers pipeline', async () => {
    const subscriber = client.duplicate();
    const publishers = Array.from({ length: 4 }, () => client.duplicate());
    try {
      const got = new Map<number, string[]>();
      subscriber.on('message', (_channel: string, message: string) => {
        const from = Number(message.split(':')[0]);
        const list = got.get(from) ?? [];
        list.push(message);
        got.set(from, list);
      });
      await subscriber.subscribe('tls-replies');
      const perPublisher = 500;
      const message = (from: number, i: number): string => `${from}:${i}:${'x'.repeat(1 + ((i * 37 + from) % 900))}`;
      await Promise.all(publishers.map(async (publisher, from) => {
        const pipeline = publisher.pipeline();
        for (let i = 0; i < perPublisher; i++) pipeline.publish('tls-replies', message(from, i));
        await pipeline.exec();
      }));
      await waitFor('every message to reach the subscriber', () => ([...got.values()].reduce((n, l) => n + l.length, 0) >= publishers.length * perPublisher ? true : undefined), 20_000);
      for (let from = 0; from < publishers.length; from++) {
        const mine = got.get(from) ?? [];
        const wrong = Array.from({ length: perPublisher }, (_, i) => i).find((i) => mine[i] !== message(from, i));
        assert.equal(wrong, undefined, `publisher ${from}'s message ${wrong} arrived whole and in order`);
      }
    } finally {
      subscriber.disconnect();
      for (const publisher of publishers) publisher.disconnect();
    }
  });

  test('a pipelining client that stops reading gets every reply intact once it reads again', async () => {
    const big = pattern(1000, 64 * 1024);
    const smalls = Array.from({ length: 50 }, (_, i) => pattern(2000 + i, 10 + i));
    await client.set('pipe:big', big);
    for (const [i, value] of smalls.entries()) await client.set(`pipe:${i}`, value);
    const pairs = 400;
    const expected = Buffer.concat(Array.from({ length: pairs }, (_, i) => Buffer.concat([bulk(big), bulk(smalls[i % smalls.length]!)])));
    const socket: TLSSocket = connect({ host: '127.0.0.1', port: tlsPort, ...tlsOptions({ caFile: certs.ca.certFile, cert: certs.client }) });
    try {
      await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
      socket.pause();
      const commands = Array.from({ length: pairs }, (_, i) => `GET pipe:big\r\nGET pipe:${i % smalls.length}\r\n`).join('');
      socket.write(commands);
      // The node has replies queued for this client: the kernel's buffers are full and it is backed up.
      await waitFor('the node to queue replies for the client that does not read', async () => {
        const lines = String(await client.call('CLIENT', 'LIST')).split('\n');
        return lines.some((line) => / omem=[1-9]\d* .* cmd=get /.test(line)) ? true : undefined;
      }, 20_000);
      const received: Buffer[] = [];
      let receivedBytes = 0;
      await new Promise<void>((resolve, reject) => {
        socket.on('data', (chunk: Buffer) => {
          received.push(chunk);
          receivedBytes += chunk.length;
          if (receivedBytes >= expected.length) resolve();
        });
        socket.once('error', reject);
        socket.once('close', () => reject(new Error(`closed after ${receivedBytes} of ${expected.length} bytes`)));
        socket.resume();
      });
      const got = Buffer.concat(received);
      assert.equal(got.length, expected.length);
      const firstDifference = got.findIndex((byte, i) => byte !== expected[i]);
      assert.equal(firstDifference, -1, `replies differ from byte ${firstDifference} on`);
    } finally {
      socket.destroy();
    }
  });
});
