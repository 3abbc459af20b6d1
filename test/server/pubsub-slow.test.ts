// A subscriber that stops reading is disconnected at client-output-buffer-limit (pubsub class), as
// Redis does: at the hard limit at once, at the soft limit once it stayed over it for its seconds.
// The node's memory stays bounded while messages keep coming, the publisher is never held up, and
// the node logs why it closed the client. CONFIG GET/SET of the limit answer as redis-server does.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { RawClient, show, startCairn, startRedis, waitFor, type RunningProcess } from './helpers.js';

let server: RunningProcess;
before(async () => {
  server = await startCairn(['--fsync', 'no']);
});
after(async () => {
  await server.cleanup();
});

async function rssBytes(pid: number): Promise<number> {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
  assert.ok(match !== null, 'VmRSS in /proc/PID/status');
  return Number(match[1]) * 1024;
}

/** A subscriber on `channel` that then stops reading (its socket paused); counts what it took before. */
async function stalledSubscriber(port: number, channel: string): Promise<{ socket: Socket; id: number }> {
  const probe = await RawClient.connect(port);
  const id = Number(show(await probe.call('CLIENT', 'ID')));
  probe.command('SUBSCRIBE', channel);
  await probe.replies(1);
  probe.socket.pause();
  return { socket: probe.socket, id };
}

async function subscribers(client: RawClient, channel: string): Promise<number> {
  return (show(await client.call('PUBSUB', 'NUMSUB', channel)) as [string, number])[1];
}

test('a subscriber that stops reading is closed at the hard limit; the node does not hold what it did not take', async () => {
  const admin = await RawClient.connect(server.port);
  const publisher = await RawClient.connect(server.port);
  const { socket, id } = await stalledSubscriber(server.port, 'slow-hard');
  try {
    assert.equal(show(await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 2mb 1mb 60')), 'OK');
    const pid = server.proc.pid!;
    const rssBeforeBytes = await rssBytes(pid);
    const message = Buffer.alloc(64 * 1024, 'm');
    const offeredBytesMax = 96 * 1024 * 1024;
    let offeredBytes = 0;
    let peakRssBytes = rssBeforeBytes;
    // 16 messages (1 MB) at a time, each batch answered before the next, until the subscriber is gone.
    while (offeredBytes < offeredBytesMax && (await subscribers(admin, 'slow-hard')) === 1) {
      for (let i = 0; i < 16; i++) publisher.command('PUBLISH', 'slow-hard', message);
      const replies = (await publisher.replies(16, 30_000)).map(show);
      assert.ok(replies.every((count) => count === 1 || count === 0), `PUBLISH answers with the count: ${JSON.stringify(replies)}`);
      publisher.raw = Buffer.alloc(0);
      offeredBytes += 16 * message.length;
      peakRssBytes = Math.max(peakRssBytes, await rssBytes(pid));
    }
    assert.ok(offeredBytes < offeredBytesMax, `the subscriber was closed before ${offeredBytesMax} bytes were published (${offeredBytes})`);
    assert.equal(await subscribers(admin, 'slow-hard'), 0);
    const list = show(await admin.call('CLIENT', 'LIST')) as string;
    assert.doesNotMatch(list, new RegExp(`^id=${id} `, 'm'), 'the subscriber is gone from CLIENT LIST');
    // Kernel socket buffers (a few MB on loopback) plus the 2 MB limit: nothing like what was published.
    assert.ok(peakRssBytes - rssBeforeBytes < 48 * 1024 * 1024, `RSS grew by ${peakRssBytes - rssBeforeBytes} bytes`);
    await waitFor('the log line', () => (/closed for overcoming of output buffer limits/.test(server.output()) ? true : undefined));
    // The paused client, reading again, finds the connection closed after what it had been sent.
    let receivedBytes = 0;
    socket.on('data', (chunk: Buffer) => (receivedBytes += chunk.length));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.resume();
    await closed;
    assert.ok(receivedBytes < offeredBytes, `the subscriber got ${receivedBytes} of ${offeredBytes} bytes`);
  } finally {
    socket.destroy();
    admin.close();
    publisher.close();
  }
});

test('a subscriber over the soft limit for longer than its seconds is closed; one under it is not', async () => {
  const admin = await RawClient.connect(server.port);
  const publisher = await RawClient.connect(server.port);
  const reader = await RawClient.connect(server.port);
  const { socket } = await stalledSubscriber(server.port, 'slow-soft');
  try {
    reader.command('SUBSCRIBE', 'slow-soft');
    await reader.replies(1);
    assert.equal(show(await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 0 1mb 1')), 'OK');
    const message = Buffer.alloc(64 * 1024, 's');
    const startedMs = Date.now();
    await waitFor('the stalled subscriber to be closed', async () => {
      for (let i = 0; i < 8; i++) publisher.command('PUBLISH', 'slow-soft', message);
      await publisher.replies(8, 30_000);
      return (await subscribers(admin, 'slow-soft')) === 1 ? true : undefined;
    }, 60_000);
    // Not before the soft limit's second: it was over it, not over the (absent) hard limit.
    assert.ok(Date.now() - startedMs >= 1000, 'closed only after the soft limit held for its seconds');
    assert.equal(reader.closed, false, 'the subscriber that reads is still connected');
  } finally {
    socket.destroy();
    for (const client of [admin, publisher, reader]) client.close();
    await RawClient.connect(server.port).then(async (c) => {
      await c.call('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60');
      c.close();
    });
  }
});

test('CONFIG SET/GET client-output-buffer-limit as redis-server: units, classes, errors', async () => {
  const redis = await startRedis();
  try {
    const values = ['pubsub 1mb 512kb 5', 'pubsub 1mb 512kb', 'foo 1 2 3', 'pubsub x 2 3', 'normal 1 2 3 pubsub 10 9 8', 'slave 1k 2k 3',
      'replica 1gb 1g 0', 'pubsub -1 2 3', 'pubsub 1 2 -3', 'PUBSUB 1 2 3', 'master 1 2 3', '', 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60'];
    const answers = async (port: number): Promise<unknown[]> => {
      const client = await RawClient.connect(port);
      const out: unknown[] = [];
      for (const value of values) {
        out.push(show(await client.call('CONFIG', 'SET', 'client-output-buffer-limit', value)));
        out.push(show(await client.call('CONFIG', 'GET', 'client-output-buffer-limit')));
      }
      client.close();
      return out;
    };
    assert.deepEqual(await answers(server.port), await answers(redis.port));
  } finally {
    await redis.cleanup();
  }
});

test('a message over the log entry limit is refused as any write of that size; the connection goes on', async () => {
  const client = await RawClient.connect(server.port);
  try {
    const reply = show(await client.call('PUBLISH', 'big', Buffer.alloc(60 * 1024 * 1024, 'b')));
    assert.match(String(reply), /^ERR:ERR a write of \d+ bytes is over the \d+-byte entry limit$/);
    assert.equal(show(await client.call('PUBLISH', 'big', 'small')), 0);
  } finally {
    client.close();
  }
});
