// Differential test of scripting: the corpus of script-corpus.ts (library idioms, conversions both
// ways, errors) sent to kv/ and to a real redis-server 7.0, every reply compared byte for byte in
// RESP2 and in RESP3; then the script cache (SCRIPT LOAD / EXISTS / FLUSH, EVALSHA, EVAL caching).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Protocol } from '../../src/resp/encode.js';
import { compareBatch, startRun } from './differential-harness.js';
import { REDIS_AVAILABLE, withRedisServer, type RedisProcess } from './redis-server.js';
import { CACHE_SCRIPTS, CONVERSION_BATCHES, ERROR_BATCHES, LIBRARY_BATCHES } from './script-corpus.js';

let redis: RedisProcess | undefined;
withRedisServer((started) => (redis = started));

const sha1 = (body: string): string => createHash('sha1').update(body, 'latin1').digest('hex');

async function mismatches(batches: readonly (readonly (readonly string[])[])[], protocol: Protocol): Promise<string[]> {
  const found: string[] = [];
  for (const batch of batches) {
    await redis!.sendRaw([[Buffer.from('SCRIPT'), Buffer.from('FLUSH')]]);
    const run = await startRun(redis!, protocol);
    found.push(...(await compareBatch(run, batch)));
  }
  return found;
}

for (const protocol of [2, 3] as const) {
  test(`library idioms (Redlock, rate limiters, BullMQ-like jobs, sessions) answer as redis-server, RESP${protocol}`, { skip: !REDIS_AVAILABLE }, async () => {
    assert.deepEqual(await mismatches(LIBRARY_BATCHES, protocol), []);
  });

  test(`conversions between Lua and replies, and the redis API, answer as redis-server, RESP${protocol}`, { skip: !REDIS_AVAILABLE }, async () => {
    assert.deepEqual(await mismatches(CONVERSION_BATCHES, protocol), []);
  });

  test(`errors (compile, runtime, numkeys, NOSCRIPT, forbidden and unknown commands, read-only, sandbox) answer as redis-server, RESP${protocol}`, { skip: !REDIS_AVAILABLE }, async () => {
    assert.deepEqual(await mismatches(ERROR_BATCHES, protocol), []);
  });
}

test('the script cache: SCRIPT LOAD, EXISTS, EVALSHA in any case, EVAL caching its body, FLUSH', { skip: !REDIS_AVAILABLE }, async () => {
  const shas = CACHE_SCRIPTS.map(sha1);
  const evalBody = 'return "from eval"';
  const batch: string[][] = [
    ['SCRIPT', 'EXISTS', ...shas],
    ...CACHE_SCRIPTS.map((body) => ['SCRIPT', 'LOAD', body]),
    ['SCRIPT', 'EXISTS', ...shas, sha1('unknown')],
    ['EVALSHA', shas[0]!, '0'],
    ['EVALSHA', shas[1]!.toUpperCase(), '1', 'counter'],
    ['EVALSHA', shas[1]!, '1', 'counter'],
    ['EVALSHA', shas[2]!, '0', 'a', 'b'],
    ['EVALSHA', sha1(evalBody), '0'],
    ['EVAL', evalBody, '0'],
    ['EVALSHA', sha1(evalBody), '0'],
    ['EVALSHA_RO', shas[0]!, '0'],
    ['EVALSHA_RO', shas[1]!, '1', 'counter'],
    ['SCRIPT', 'EXISTS', sha1(evalBody), shas[0]!.toUpperCase()],
    ['SCRIPT', 'FLUSH', 'ASYNC'],
    ['SCRIPT', 'EXISTS', ...shas, sha1(evalBody)],
    ['EVALSHA', shas[0]!, '0'],
    ['SCRIPT', 'LOAD', CACHE_SCRIPTS[0]!],
    ['SCRIPT', 'FLUSH'],
    ['SCRIPT', 'EXISTS', shas[0]!],
  ];
  for (const protocol of [2, 3] as const) {
    await redis!.sendRaw([[Buffer.from('SCRIPT'), Buffer.from('FLUSH')]]);
    assert.deepEqual(await compareBatch(await startRun(redis!, protocol), batch), []);
  }
});
