// Differential test of Redis 7 functions: FUNCTION LOAD/LIST/DELETE/FLUSH/STATS/KILL/RESTORE errors,
// FCALL and FCALL_RO (conversions, errors, read-only flags, numkeys) sent to kv/ and to a real
// redis-server 7.0, every reply compared byte for byte in RESP2 and in RESP3 (function-corpus.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Protocol } from '../../src/resp/encode.js';
import { compareBatch, startRun } from './differential-harness.js';
import { REDIS_AVAILABLE, withRedisServer, type RedisProcess } from './redis-server.js';
import { FCALL_BATCHES, LOAD_ERROR_BATCHES, MANAGEMENT_BATCHES } from './function-corpus.js';

let redis: RedisProcess | undefined;
withRedisServer((started) => (redis = started));

async function mismatches(batches: readonly (readonly (readonly string[])[])[], protocol: Protocol): Promise<string[]> {
  const found: string[] = [];
  for (const batch of batches) {
    await redis!.sendRaw([[Buffer.from('FUNCTION'), Buffer.from('FLUSH')]]);
    const run = await startRun(redis!, protocol);
    found.push(...(await compareBatch(run, batch)));
  }
  return found;
}

for (const protocol of [2, 3] as const) {
  test(`FCALL and FCALL_RO (replies, errors, no-writes, numkeys) answer as redis-server, RESP${protocol}`, { skip: !REDIS_AVAILABLE }, async () => {
    assert.deepEqual(await mismatches(FCALL_BATCHES, protocol), []);
  });

  test(`FUNCTION LOAD/LIST/DELETE/FLUSH/STATS/KILL/RESTORE answer as redis-server, RESP${protocol}`, { skip: !REDIS_AVAILABLE }, async () => {
    assert.deepEqual(await mismatches(MANAGEMENT_BATCHES, protocol), []);
  });

  test(`FUNCTION LOAD's metadata, load-time and register_function errors answer as redis-server, RESP${protocol}`, { skip: !REDIS_AVAILABLE }, async () => {
    assert.deepEqual(await mismatches(LOAD_ERROR_BATCHES, protocol), []);
  });
}
