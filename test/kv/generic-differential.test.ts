// Differential test of the generic commands on strings: COPY, OBJECT, MEMORY USAGE, SORT / SORT_RO
// (their errors, WRONGTYPE and missing keys; sorting itself is in generic-sort.test.ts) mixed with
// the string commands that decide a value's encoding (SET, APPEND, SETRANGE, INCR, INCRBYFLOAT,
// MSET, RENAME), against redis-server byte for byte in RESP2 and RESP3. SEED=n, COMMANDS=n.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../src/lib/prng.js';
import { compareBatch, startRun } from './differential-harness.js';
import { REDIS_AVAILABLE, withRedisServer, type RedisProcess } from './redis-server.js';

const available = REDIS_AVAILABLE;
let redis: RedisProcess | undefined;
withRedisServer((started) => (redis = started));

const KEYS = ['a', 'b', 'c', 'a-long-key-name-that-needs-a-bigger-sds-header', ''];
const VALUES = ['', '0', '1', '123', '9999', '10000', '-1', '-0', '007', '+5', '3.5', '1e3', 'x',
  '9223372036854775807', '9223372036854775808', '-9223372036854775808', '12345678901234567890',
  'a'.repeat(44), 'b'.repeat(45), 'c'.repeat(100), 'd'.repeat(300), 'e'.repeat(1000), 'f'.repeat(40_000), '4'.repeat(20), '4'.repeat(21)];
const NUMBERS = ['0', '1', '-1', '16', '15', '2147483648', '-2147483649', 'x', '', '1.5'];

function randomCommand(prng: Prng): string[] {
  const k = () => prng.pick(KEYS);
  const v = () => prng.pick(VALUES);
  const maybe = (p: number, parts: () => string[]): string[] => (prng.chance(p) ? parts() : []);
  const generators: (() => string[])[] = [
    () => ['SET', k(), v()],
    () => ['MSET', k(), v(), k(), v()],
    () => ['APPEND', k(), prng.pick(['', '1', 'x', 'y'.repeat(40)])],
    () => ['SETRANGE', k(), prng.pick(['0', '1', '3', '50']), prng.pick(['', '7', 'zz'])],
    () => ['INCR', k()],
    () => ['INCRBY', k(), prng.pick(['5', '-10000', '10000'])],
    () => ['INCRBYFLOAT', k(), prng.pick(['1', '0.5', '-3', '1e3'])],
    () => ['GETSET', k(), v()],
    () => ['SETNX', k(), v()],
    () => ['DEL', k()],
    () => ['RENAME', k(), k()],
    () => ['EXPIRE', k(), '1000'],
    () => ['COPY', k(), k(), ...maybe(0.3, () => ['REPLACE']), ...maybe(0.2, () => ['DB', prng.pick(['0', ...NUMBERS.filter((n) => n !== '1' && n !== '15')])]),
      ...maybe(0.1, () => [prng.pick(['replace', 'db', 'bogus'])])],
    () => ['OBJECT', prng.pick(['ENCODING', 'encoding', 'REFCOUNT', 'IDLETIME', 'FREQ']), k()],
    () => ['OBJECT', prng.pick(['ENCODING', 'HELP', 'help', 'bogus', 'refcount']), ...maybe(0.5, () => [k(), k()])],
    () => ['OBJECT'],
    () => ['MEMORY', 'USAGE', k(), ...maybe(0.3, () => ['SAMPLES', prng.pick(NUMBERS)]), ...maybe(0.1, () => [prng.pick(['samples', 'x'])])],
    () => ['MEMORY', prng.pick(['HELP', 'usage', 'bogus', 'DOCTOR']), ...maybe(0.3, () => [k(), k()])],
    () => [prng.pick(['SORT', 'SORT_RO']), prng.pick([...KEYS, 'missing']), ...sortOptions(prng)],
    () => ['TYPE', k()],
  ];
  return prng.pick(generators)();
}

function sortOptions(prng: Prng): string[] {
  const options: string[][] = [['ASC'], ['desc'], ['ALPHA'], ['LIMIT', prng.pick(NUMBERS), prng.pick(NUMBERS)], ['LIMIT', '0'],
    ['BY', prng.pick(['w_*', 'nosort', 'h_*->f'])], ['GET', prng.pick(['#', 'w_*', 'h_*->f'])], ['STORE', prng.pick(KEYS)], ['STORE'], ['bogus'], ['BY']];
  const out: string[] = [];
  const count = prng.int(0, 3);
  for (let i = 0; i < count; i++) out.push(...prng.pick(options));
  return out;
}

/** Cairn keeps no access times (OBJECT IDLETIME is 0); Redis counts seconds, small ones in a run. */
function sameIdleTime(argv: readonly string[], ours: Buffer, theirs: Buffer): boolean {
  return argv[1]?.toUpperCase() === 'IDLETIME' && ours.toString() === ':0\r\n' && /^:\d\r\n$/.test(theirs.toString());
}

for (const protocol of [2, 3] as const) {
  test(`generic commands on strings match redis-server in RESP${protocol}`, { skip: !available && 'redis-server not installed' }, async () => {
    assert.ok(redis !== undefined);
    const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
    const commands = Number(process.env.COMMANDS ?? 3000);
    console.log(`RESP${protocol} SEED=${seed} COMMANDS=${commands}`);
    const prng = new Prng(seed);
    const run = await startRun(redis, protocol, sameIdleTime);
    const mismatches: string[] = [];
    for (let done = 0; done < commands && mismatches.length < 10; done += 50) {
      const batch = Array.from({ length: 50 }, () => randomCommand(prng));
      mismatches.push(...(await compareBatch(run, batch)));
    }
    assert.equal(mismatches.length, 0, `SEED=${seed}: ${mismatches.length} mismatches\n${mismatches.slice(0, 10).join('\n')}`);
  });
}
