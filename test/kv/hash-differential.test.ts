// Differential test of the hash commands: thousands of random HSET ... HSCAN commands, valid and
// invalid, mixed with SET / GET / DEL / TYPE / EXISTS on the same few keys, run against kv/ and a
// real redis-server; every reply must be byte-identical in RESP2 and RESP3. Big (hashtable) hashes
// come back in Redis's hash order, so their listings compare as sets; HSCAN of a big hash is
// compared by a full iteration's pairs; HRANDFIELD is compared only in its determined forms
// (errors, count 0, count at least the size, a hash of one field). SEED=n reproduces a run,
// COMMANDS=n sets its length.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../src/lib/prng.js';
import type { Db } from '../../src/kv/db.js';
import type { KvState } from '../../src/kv/state.js';
import { encodeReply, type Protocol } from '../../src/resp/encode.js';
import { compareBatch, sameUnordered, startRun, type DifferentialRun } from './differential-harness.js';
import { REDIS_AVAILABLE, withRedisServer, type RedisProcess } from './redis-server.js';

const available = REDIS_AVAILABLE;
let redis: RedisProcess | undefined;
withRedisServer((started) => (redis = started));

const KEYS = ['h0', 'h1', 'h2', 'k'];
const FIELDS = ['a', 'b', 'c', 'f0', 'f1', 'f2', '', '\u00ff\u0000', 'x'.repeat(64), 'L'.repeat(65), 'n7', 'n150'];
const VALUES = ['', 'v', '1', '-5', '10', '007', '9223372036854775807', '-9223372036854775808', '1.5', '-0.25', 'abc', '1e3',
  'inf', 'nan', ' 1', '0x10', 'y'.repeat(64), 'V'.repeat(65), '\u00ff'];
const INTS = ['0', '1', '-1', '5', '-100', '9223372036854775807', '-9223372036854775808', '9223372036854775808', 'x', '1.5', '', '+1'];
const FLOATS = ['0', '0.1', '-0.1', '1.5', '3', '1e20', '-1e20', '1e70', 'inf', '-inf', 'nan', 'abc', '', '1e5000', '0x10', '.5'];
const PATTERNS = ['*', 'f*', 'n1*', '?', '[ab]', '*\u00ff*', 'n[0-4]*', '[', 'L*'];
const NUMBERED_FIELDS = 300;
/** HRANDFIELD counts whose answer is determined whatever the hash: errors, 0, or at least any hash's size. */
const DETERMINED_COUNTS = ['0', '1000', '4611686018427387903', '4611686018427387904', '-9223372036854775808', '-4611686018427387904', 'x', '1.0'];

function numbered(prng: Prng): string {
  return `n${prng.int(0, NUMBERED_FIELDS - 1)}`;
}

/** One random command (latin1 strings), mostly valid, sometimes wrong on purpose. */
function randomCommand(prng: Prng): string[] {
  const k = () => prng.pick(KEYS);
  const f = () => (prng.chance(0.3) ? numbered(prng) : prng.pick(FIELDS));
  const v = () => prng.pick(VALUES);
  const pairs = (n: number) => Array.from({ length: n }, () => [f(), v()]).flat();
  const fields = (n: number) => Array.from({ length: n }, f);
  const generators: (() => string[])[] = [
    () => ['HSET', k(), ...pairs(prng.int(1, 3)), ...(prng.chance(0.1) ? [f()] : [])],
    () => ['HSET', k(), ...Array.from({ length: prng.int(20, 60) }, () => [numbered(prng), prng.chance(0.9) ? 'v' : v()]).flat()],
    () => ['HMSET', k(), ...pairs(prng.int(1, 2)), ...(prng.chance(0.1) ? [f()] : [])],
    () => ['HSETNX', k(), f(), v()],
    () => ['HGET', k(), f()],
    () => ['HMGET', k(), ...fields(prng.int(1, 4))],
    () => ['HGETALL', k()],
    () => ['HKEYS', k()],
    () => ['HVALS', k()],
    () => ['HDEL', k(), ...fields(prng.int(1, 3))],
    () => ['HDEL', k(), ...Array.from({ length: prng.int(20, 80) }, () => numbered(prng))],
    () => ['HLEN', k()],
    () => ['HEXISTS', k(), f()],
    () => ['HSTRLEN', k(), f()],
    () => ['HINCRBY', k(), f(), prng.pick(INTS)],
    () => ['HINCRBYFLOAT', k(), f(), prng.pick(FLOATS)],
    () => {
      // A huge negative count without WITHVALUES is valid: redis-server would build a reply for ever.
      const count = prng.pick(DETERMINED_COUNTS);
      const withValues = count.startsWith('-46') || prng.chance(0.5);
      return ['HRANDFIELD', k(), count, ...(withValues ? [prng.pick(['WITHVALUES', 'withvalues', 'WITHVALUE'])] : []), ...(prng.chance(0.05) ? ['x'] : [])];
    },
    () => ['HRANDFIELD', k(), ...(prng.chance(0.5) ? [prng.pick(['1', '-3'])] : [])],
    () => ['HSCAN', k(), prng.pick(['0', '0', '0', '', '-1', '+3', ' 1', '1x', '18446744073709551616', '18446744073709551615']),
      ...(prng.chance(0.4) ? ['MATCH', prng.pick(PATTERNS)] : []), ...(prng.chance(0.3) ? ['COUNT', prng.pick(['1', '5', '100', '0', '-1', 'x'])] : []),
      ...(prng.chance(0.05) ? [prng.pick(['TYPE', 'NOVALUES', 'COUNT'])] : [])],
    () => [prng.pick(['HSET', 'HGET', 'HDEL', 'HINCRBY', 'HSCAN', 'HRANDFIELD', 'HGETALL', 'HSETNX', 'HMGET', 'HSTRLEN', 'HLEN']), ...(prng.chance(0.5) ? [k()] : [])],
    () => ['SET', k(), v()],
    () => ['GET', k()],
    () => ['DEL', k()],
    () => ['TYPE', k()],
    () => ['EXISTS', ...KEYS],
  ];
  return prng.pick(generators)();
}

/** The encoding of the hash at `key` in our state (the differential needs to know which replies Redis orders). */
function ourEncoding(state: KvState, key: string): string | undefined {
  const db = state.database();
  const collection = db.lookup(key, Date.now())?.collection;
  return collection?.type === 'hash' ? collection.encoding() : undefined;
}

const ORDERED_BY_HASH = new Set(['hgetall', 'hkeys', 'hvals', 'hrandfield']);

/** Replies Redis gives in hash order (big hashes) compare as sets; random HRANDFIELD forms are left to the unit tests. */
function equivalence(state: () => KvState) {
  return (argv: readonly string[], ours: Buffer, theirs: Buffer): boolean => {
    const command = (argv[0] as string).toLowerCase();
    const key = argv[1] as string;
    if (command === 'hrandfield' && ours[0] !== 0x2d && theirs[0] !== 0x2d && ours[0] === theirs[0]) {
      const count = argv[2];
      const random = count === undefined || count === '1' || count === '-3';
      if (random) return true;
    }
    if (command === 'hscan' && ourEncoding(state(), key) === 'hashtable' && ours[0] === 0x2a && theirs[0] === 0x2a) return true;
    return ORDERED_BY_HASH.has(command) && ourEncoding(state(), key) === 'hashtable' && sameUnordered(ours, theirs);
  };
}

/** Every field/value pair a full HSCAN iteration returns, deduplicated and sorted, through `send`. */
async function scanAll(send: (argv: string[]) => Promise<Buffer>, key: string, options: string[]): Promise<string[]> {
  const pairs = new Set<string>();
  let cursor = '0';
  for (let step = 0; step < 10_000; step++) {
    const raw = (await send(['HSCAN', key, cursor, ...options])).toString('latin1');
    if (!raw.startsWith('*2\r\n')) return [`reply: ${raw}`];
    const parts = raw.split('\r\n');
    cursor = parts[2] as string;
    const count = Number((parts[3] as string).slice(1));
    for (let i = 0; i < count; i += 2) pairs.add(`${parts[5 + 2 * i]}=${parts[7 + 2 * i]}`);
    if (cursor === '0') return [...pairs].sort();
  }
  throw new Error('HSCAN did not finish in 10,000 steps');
}

async function compareScans(run: DifferentialRun, prng: Prng, protocol: Protocol): Promise<string[]> {
  const mismatches: string[] = [];
  const redisSide = run.redis;
  for (const key of KEYS) {
    const options = [...(prng.chance(0.5) ? ['MATCH', prng.pick(PATTERNS)] : []), ...(prng.chance(0.7) ? ['COUNT', String(prng.int(1, 40))] : [])];
    const toArgv = (parts: string[]) => parts.map((s) => Buffer.from(s, 'latin1'));
    const ours = await scanAll((parts) => Promise.resolve(encodeReply(run.state.execute(toArgv(parts), Date.now()), protocol)), key, options);
    const theirs = await scanAll(async (parts) => (await redisSide.sendRaw([toArgv(parts)]))[0] as Buffer, key, options);
    if (ours.join('\n') !== theirs.join('\n')) mismatches.push(`full HSCAN ${key} ${JSON.stringify(options)}: cairn ${ours.length} pairs, redis ${theirs.length}`);
  }
  return mismatches;
}

for (const protocol of [2, 3] as const) {
  test(`hash commands match redis-server byte for byte in RESP${protocol}`, { skip: !available && 'redis-server not installed' }, async () => {
    assert.ok(redis !== undefined);
    const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
    const commands = Number(process.env.COMMANDS ?? 3000);
    console.log(`hash RESP${protocol} SEED=${seed} COMMANDS=${commands}`);
    const prng = new Prng(seed);
    let run: DifferentialRun | undefined;
    run = await startRun(redis, protocol, equivalence(() => (run as DifferentialRun).state));
    const mismatches: string[] = [];
    let bigHashBatches = 0;
    const batchSize = 50;
    for (let done = 0; done < commands && mismatches.length < 10; done += batchSize) {
      const batch = Array.from({ length: batchSize }, (_, i) => (i % 5 === 4 ? ['EXISTS', ...KEYS] : randomCommand(prng)));
      mismatches.push(...(await compareBatch(run, batch)));
      if (KEYS.some((key) => ourEncoding((run as DifferentialRun).state, key) === 'hashtable')) bigHashBatches++;
      if (done % (batchSize * 4) === 0) mismatches.push(...(await compareScans(run, prng, protocol)));
    }
    assert.ok(commands < 1000 || bigHashBatches > 0, 'the run never made a big (hashtable) hash');
    assert.equal(mismatches.length, 0, `SEED=${seed}: ${mismatches.length} mismatches\n${mismatches.slice(0, 10).join('\n')}`);
  });
}
