// LCS against redis-server 7.0 byte for byte in RESP2 and RESP3: random strings over small
// alphabets (so there are many ties in the table walk), every option combination, bad options,
// absent keys, a non-string key, and the table-size limit.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../src/lib/prng.js';
import { compareBatch } from './differential-harness.js';
import { LIST_KEY, SKIP_WITHOUT_REDIS, redisForFile, runRandom, seedFromEnv, startTypedRun } from './bits-differential.js';
import { session } from './helpers.js';

const redis = redisForFile();

function randomText(prng: Prng): string {
  const alphabet = prng.pick(['ab', 'abc', 'acgt', 'abcdefghij', '\u0000\u00ff']);
  return Array.from({ length: prng.int(0, prng.chance(0.2) ? 300 : 30) }, () => alphabet[prng.int(0, alphabet.length - 1)]).join('');
}

const OPTIONS = [['LEN'], ['IDX'], ['idx', 'WITHMATCHLEN'], ['IDX', 'MINMATCHLEN', '2'], ['IDX', 'MINMATCHLEN', '3', 'WITHMATCHLEN'],
  ['MINMATCHLEN', '-5', 'IDX'], ['minmatchlen', '4'], ['WITHMATCHLEN'], ['LEN', 'IDX'], ['MINMATCHLEN'], ['MINMATCHLEN', 'x'], ['bogus'], ['LEN', 'LEN']];

function randomCommands(prng: Prng): string[][] {
  const key = () => prng.pick(['a', 'b', 'a', 'b', 'absent', LIST_KEY]);
  return [
    ['SET', prng.pick(['a', 'b']), randomText(prng)],
    ['LCS', key(), key(), ...(prng.chance(0.8) ? prng.pick(OPTIONS) : [])],
  ];
}

for (const protocol of [2, 3] as const) {
  test(`LCS matches redis-server in RESP${protocol}`, SKIP_WITHOUT_REDIS, async () => {
    const seed = seedFromEnv();
    const count = Number(process.env.COMMANDS ?? 3000);
    console.log(`RESP${protocol} SEED=${seed} COMMANDS=${count}`);
    const run = await startTypedRun(redis(), protocol);
    const mismatches = await runRandom(run, new Prng(seed), count, randomCommands);
    assert.equal(mismatches.length, 0, `SEED=${seed}:\n${mismatches.join('\n')}`);
  });
}

test('LCS refuses a table past proto-max-bulk-len as redis-server does', SKIP_WITHOUT_REDIS, async () => {
  const run = await startTypedRun(redis(), 2);
  // (11585 + 1)² × 4 bytes is just over 512 MiB; 11584 just under would need the whole table, so only the refusal is compared.
  const mismatches = await compareBatch(run, [['SET', 'a', 'x'.repeat(11585)], ['SET', 'b', 'y'.repeat(11585)], ['LCS', 'a', 'b', 'LEN']]);
  assert.deepEqual(mismatches, []);
});

test('LCS of the documented example', () => {
  const { run } = session();
  run('SET', 'key1', 'ohmytext');
  run('SET', 'key2', 'mynewtext');
  assert.equal(run('LCS', 'key1', 'key2'), 'mytext');
  assert.equal(run('LCS', 'key1', 'key2', 'LEN'), 6);
  assert.deepEqual(run('LCS', 'key1', 'key2', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'), ['matches', [[[4, 7], [5, 8], 4]], 'len', 6]);
});
