// Durability through the network path: clients write to a server process (fsync always), the
// server is SIGKILLed mid-stream, restarted on the same data dir, and every write that was
// acknowledged before the kill must be there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { startCairn, waitFor } from './helpers.js';

test('acknowledged writes survive SIGKILL and restart', async () => {
  let server = await startCairn();
  const dir = server.dir;
  const acknowledged = new Map<string, string>();
  try {
    for (let cycle = 0; cycle < 3; cycle++) {
      const clients = Array.from({ length: 4 }, () => new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null }));
      for (const c of clients) c.on('error', () => undefined);
      let stop = false;
      const writers = clients.map(async (client, w) => {
        for (let i = 0; !stop; i++) {
          const key = `c${cycle}:w${w}:${i}`;
          const value = `${cycle}-${w}-${i}`;
          try {
            if (i % 3 === 0) {
              const results = await client.multi().set(key, value).incr(`counter:${w}`).exec();
              if (results === null) continue;
              acknowledged.set(key, value);
            } else {
              if ((await client.set(key, value)) === 'OK') acknowledged.set(key, value);
            }
          } catch {
            return; // the server went away; unacknowledged writes may or may not be there
          }
        }
      });
      // Once this cycle has acknowledged a few hundred writes, kill the server without warning.
      const target = acknowledged.size + 200 + cycle * 150;
      await waitFor('acknowledged writes', () => (acknowledged.size >= target ? true : undefined), 20_000);
      await server.kill();
      stop = true;
      await Promise.all(writers);
      for (const c of clients) c.disconnect();
      assert.ok(acknowledged.size > 0, 'some writes were acknowledged');

      server = await startCairn([], dir);
      const reader = new Redis({ port: server.port, host: '127.0.0.1' });
      try {
        const keys = [...acknowledged.keys()];
        for (let i = 0; i < keys.length; i += 500) {
          const batch = keys.slice(i, i + 500);
          const values = await reader.mget(...batch);
          batch.forEach((key, j) => assert.equal(values[j], acknowledged.get(key), `acknowledged ${key} lost after cycle ${cycle}`));
        }
      } finally {
        reader.disconnect();
      }
    }
  } finally {
    await server.kill();
    await rm(dir, { recursive: true, force: true });
  }
});
