// Differential test for sorted sets: thousands of random ZADD ... ZSCAN commands (valid and invalid
// on purpose: bad floats, bad ranges, wrong types, odd option orders) run against kv/ and a real
// redis-server 7.0 on a few colliding keys, mixed with SET / GET / DEL / TYPE; every reply must be
// byte-identical in RESP2 and RESP3. Lex ranges run on a key whose scores are all 0 (the order is by
// member) and on a small listpack key with mixed scores (which Redis scans linearly); ZSCAN is
// compared as a set of pairs; ZRANDMEMBER only with counts that return every member.
// SEED=n reproduces a run, COMMANDS=n sets its length.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../src/lib/prng.js';
import { encodeReply } from '../../src/resp/encode.js';
import { compareBatch, startRun, type DifferentialRun } from './differential-harness.js';
import { REDIS_AVAILABLE, withRedisServer, type RedisProcess } from './redis-server.js';

const available = REDIS_AVAILABLE;
let redis: RedisProcess | undefined;
withRedisServer((started) => (redis = started));

const SMALL = 'z0'; // stays a listpack: short members from a small pool
const BIG = 'z1'; // becomes a skiplist: long members and bulk adds
const LEX = 'zl'; // every score 0
const KEYS = [SMALL, BIG, 'z2', 'zd', LEX, 's', 'none'];
const STRING = 'str'; // only ever a string (or absent): WRONGTYPE for every zset command
const ZKEYS = [SMALL, BIG, 'z2', 'zd'];
const MEMBERS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', '1', '10', '-1', 'a\u0000b', '\u00ff', ''];
const LONG = 'L'.repeat(65);
const SCORES = ['0', '1', '-1', '2', '1.5', '-0', '0.1', '3', '3', '10', '+inf', '-inf', 'inf', '1e300', '1e-320', '100000000000000000',
  '0.30000000000000004', 'nan', 'abc', '', ' 1', '1 ', '0x10', '1e400', '1e-400', '(1', '5.', '.5', '1e', 'Infinity'];
const BOUNDS = ['-inf', '+inf', '(1', '1', '(0', '0', '2.5', '(-inf', '(+inf', '3', '(3', '10', 'abc', '(', '', '1e400', ' 2', 'nan', '0x2'];
const LEX_BOUNDS = ['-', '+', '+\u0000x', '-\u0000', '[a', '(a', '[c', '(c', '[e', '(g', '[', '(', 'a', '', '+x', '[\u00ff', '(10'];
const INTS = ['0', '1', '-1', '2', '-2', '3', '5', '10', '-10', '100', '200', '9223372036854775807', '-9223372036854775808', 'x', '1.5'];

function randomCommand(prng: Prng): string[] {
  const pick = <T>(items: readonly T[]): T => prng.pick(items);
  const maybe = (p: number, parts: () => string[]): string[] => (prng.chance(p) ? parts() : []);
  const zk = () => (prng.chance(0.9) ? pick(ZKEYS) : pick([...KEYS, STRING]));
  const member = () => pick(MEMBERS);
  const pairs = (n: number) => Array.from({ length: n }, () => [pick(SCORES.slice(0, 17)), member()]).flat();
  const flags = () => Array.from({ length: prng.int(0, 2) }, () => pick(['NX', 'XX', 'GT', 'LT', 'CH', 'INCR', 'nx', 'ch']));
  const numkeys = (): string[] => {
    const keys = Array.from({ length: prng.int(1, 3) }, () => (prng.chance(0.85) ? pick([...ZKEYS, LEX]) : pick(KEYS)));
    return [prng.chance(0.93) ? String(keys.length) : pick(['0', '-1', '5', 'x']), ...keys];
  };
  const lexKey = () => (prng.chance(0.7) ? LEX : SMALL);
  const generators: (() => string[])[] = [
    () => ['ZADD', zk(), ...flags(), ...pairs(prng.int(1, 3))],
    () => ['ZADD', zk(), ...flags(), pick(SCORES), member(), ...maybe(0.2, () => [pick(SCORES)])],
    () => ['ZADD', BIG, ...Array.from({ length: prng.int(1, 40) }, (_, i) => [String(prng.int(-50, 50)), `m${prng.int(0, 200)}${i % 3 === 0 ? LONG : ''}`]).flat()],
    () => ['ZADD', LEX, '0', member(), ...maybe(0.5, () => ['0', pick(['b', 'bb', 'ab', 'z', '\u00fe', 'c'])])],
    () => ['ZINCRBY', zk(), pick(SCORES), member()],
    () => ['ZREM', zk(), member(), ...maybe(0.5, () => [member(), member()])],
    () => ['ZCARD', zk()],
    () => ['ZSCORE', zk(), member()],
    () => ['ZMSCORE', zk(), member(), ...maybe(0.6, () => [member(), member()])],
    () => [pick(['ZRANK', 'ZREVRANK']), zk(), member()],
    () => ['ZRANGE', zk(), pick(INTS), pick(INTS), ...maybe(0.4, () => ['WITHSCORES']), ...maybe(0.15, () => ['REV']), ...maybe(0.1, () => ['LIMIT', '0', '2'])],
    () => ['ZRANGE', zk(), pick(BOUNDS), pick(BOUNDS), 'BYSCORE', ...maybe(0.4, () => ['REV']), ...maybe(0.4, () => ['LIMIT', pick(INTS), pick(INTS)]), ...maybe(0.4, () => ['WITHSCORES'])],
    () => ['ZRANGE', lexKey(), pick(LEX_BOUNDS), pick(LEX_BOUNDS), 'BYLEX', ...maybe(0.4, () => ['REV']), ...maybe(0.4, () => ['LIMIT', pick(INTS), pick(INTS)]), ...maybe(0.05, () => ['WITHSCORES'])],
    () => ['ZRANGE', zk(), pick(INTS), pick(INTS), ...Array.from({ length: prng.int(1, 3) }, () => pick(['BYSCORE', 'BYLEX', 'REV', 'WITHSCORES', 'LIMIT', 'bogus']))],
    () => ['ZRANGESTORE', pick(['zd', 'z2', 's']), zk(), pick(INTS), pick(INTS), ...maybe(0.3, () => [pick(['BYSCORE', 'REV', 'WITHSCORES'])])],
    () => ['ZRANGESTORE', pick(['zd', 'z2']), zk(), pick(BOUNDS), pick(BOUNDS), 'BYSCORE', ...maybe(0.4, () => ['LIMIT', pick(INTS), pick(INTS)])],
    () => [pick(['ZRANGEBYSCORE', 'ZREVRANGEBYSCORE']), zk(), pick(BOUNDS), pick(BOUNDS), ...maybe(0.4, () => ['WITHSCORES']), ...maybe(0.4, () => ['LIMIT', pick(INTS), pick(INTS)])],
    () => [pick(['ZRANGEBYLEX', 'ZREVRANGEBYLEX']), lexKey(), pick(LEX_BOUNDS), pick(LEX_BOUNDS), ...maybe(0.4, () => ['LIMIT', pick(INTS), pick(INTS)])],
    () => ['ZREVRANGE', zk(), pick(INTS), pick(INTS), ...maybe(0.4, () => ['WITHSCORES'])],
    () => ['ZCOUNT', zk(), pick(BOUNDS), pick(BOUNDS)],
    () => ['ZLEXCOUNT', lexKey(), pick(LEX_BOUNDS), pick(LEX_BOUNDS)],
    () => [pick(['ZPOPMIN', 'ZPOPMAX']), zk(), ...maybe(0.6, () => [pick(INTS)]), ...maybe(0.05, () => ['1'])],
    () => ['ZMPOP', ...numkeys(), pick(['MIN', 'MAX', 'min', 'mid']), ...maybe(0.5, () => ['COUNT', pick(INTS)])],
    () => [pick(['BZPOPMIN', 'BZPOPMAX']), zk(), ...maybe(0.4, () => [zk()]), pick(['0', '1', '0.5', '-1', 'x', '1e30', 'inf', '-0.0001'])],
    () => ['BZMPOP', pick(['0', '1', '-1', 'x']), ...numkeys(), pick(['MIN', 'MAX']), ...maybe(0.4, () => ['COUNT', pick(INTS)])],
    () => ['ZREMRANGEBYRANK', zk(), pick(INTS), pick(INTS)],
    () => ['ZREMRANGEBYSCORE', zk(), pick(BOUNDS), pick(BOUNDS)],
    () => ['ZREMRANGEBYLEX', lexKey(), pick(LEX_BOUNDS), pick(LEX_BOUNDS)],
    () => [pick(['ZUNION', 'ZINTER', 'ZDIFF']), ...numkeys(), ...maybe(0.3, () => ['WEIGHTS', pick(SCORES), pick(SCORES)]), ...maybe(0.3, () => ['AGGREGATE', pick(['SUM', 'MIN', 'max', 'avg'])]), ...maybe(0.5, () => ['WITHSCORES'])],
    () => [pick(['ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE']), pick(['zd', 'z2', 's']), ...numkeys(), ...maybe(0.3, () => ['WEIGHTS', pick(SCORES), pick(SCORES)]), ...maybe(0.3, () => ['AGGREGATE', pick(['SUM', 'MIN', 'MAX'])])],
    () => ['ZINTERCARD', ...numkeys(), ...maybe(0.4, () => ['LIMIT', pick(INTS)])],
    () => ['ZRANDMEMBER', zk(), pick(['1000', '500']), ...maybe(0.5, () => [pick(['WITHSCORES', 'withscores', 'bogus'])])],
    () => ['ZRANDMEMBER', pick(['absent', STRING]), ...maybe(0.5, () => [pick(['1', '-3', 'x', '-9223372036854775808'])]), ...maybe(0.2, () => ['WITHSCORES'])],
    () => ['ZSCAN', zk(), pick(['0', '0', 'x', '+0', '']), ...maybe(0.5, () => ['MATCH', pick(['*', 'a*', '?', 'm1*'])]), 'COUNT', '1000', ...maybe(0.1, () => ['TYPE', 'zset'])],
    () => [pick(['SET', 'GET', 'DEL', 'TYPE', 'EXISTS']), pick([...KEYS, STRING]), ...maybe(0.5, () => ['v'])],
    () => ['SET', STRING, 'v'],
    () => [pick(['ZADD', 'ZRANGE', 'ZUNIONSTORE', 'ZPOPMIN', 'ZINCRBY', 'ZSCORE']), ...maybe(0.6, () => [zk()])],
  ];
  return pick(generators)();
}

/** ZSCAN replies: the same cursor and the same (member, score) pairs in any order (a rehashing dict may repeat one). */
function sameScan(argv: readonly string[], ours: Buffer, theirs: Buffer): boolean {
  if (argv[0]?.toUpperCase() !== 'ZSCAN') return false;
  const pairsOf = (reply: Buffer): string => {
    const parts = reply.toString('latin1').split('\r\n');
    const items: string[] = [];
    for (let i = 5; i < parts.length - 1; i += 4) items.push(`${parts[i]}\u0001${parts[i + 2]}`);
    return `${parts[2]}|${[...new Set(items)].sort().join('\u0002')}`;
  };
  return pairsOf(ours) === pairsOf(theirs);
}

async function runDifferential(server: RedisProcess, protocol: 2 | 3, seed: number, commands: number): Promise<string[]> {
  const run = await startRun(server, protocol, sameScan);
  const prng = new Prng(seed);
  const mismatches: string[] = [];
  const batchSize = 60;
  for (let done = 0; done < commands && mismatches.length < 10; done += batchSize) {
    const batch: string[][] = [];
    for (let i = 0; i < batchSize; i++) {
      batch.push(randomCommand(prng));
      // After every command, one whole key with its scores: a silent divergence shows at once.
      if (i % 2 === 1) batch.push(['ZRANGE', prng.pick(KEYS), '0', '-1', 'WITHSCORES']);
    }
    // Blocking commands run inside MULTI on redis-server, as kv/ runs them (never blocking).
    let from = 0;
    for (let i = 0; i <= batch.length; i++) {
      const blocking = i < batch.length && /^BZ/i.test((batch[i] as string[])[0] as string);
      if (!blocking && i < batch.length) continue;
      mismatches.push(...(await compareBatch(run, batch.slice(from, i))).map(shorten));
      if (blocking) mismatches.push(...await compareInMulti(run, batch[i] as string[]));
      from = i + 1;
    }
  }
  return mismatches;
}

/** Keeps a mismatch readable: each of its lines cut to 600 characters. */
function shorten(mismatch: string): string {
  return mismatch.split('\n').map((line) => (line.length > 600 ? `${line.slice(0, 600)}...` : line)).join('\n');
}

async function compareInMulti(run: DifferentialRun, parts: readonly string[]): Promise<string[]> {
  const argv = parts.map((s) => Buffer.from(s, 'latin1'));
  const [, queued, exec] = await run.redis.sendRaw([[Buffer.from('MULTI')], argv, [Buffer.from('EXEC')]]);
  // A command refused at queue time (arity) answers then; otherwise EXEC holds its one reply.
  const theirs = queued?.[0] === 0x2d ? queued : (exec as Buffer).subarray((exec as Buffer).indexOf('\r\n') + 2);
  const ours = encodeReply(run.state.execute(argv, Date.now()), run.protocol);
  if (ours.equals(theirs as Buffer)) return [];
  return [`${JSON.stringify(parts)} (in MULTI)\n   cairn: ${JSON.stringify(ours.toString('latin1'))}\n   redis: ${JSON.stringify((theirs as Buffer).toString('latin1'))}`];
}

for (const protocol of [2, 3] as const) {
  test(`sorted-set replies match redis-server byte for byte in RESP${protocol}`, { skip: !available && 'redis-server not installed' }, async () => {
    assert.ok(redis !== undefined);
    const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
    const commands = Number(process.env.COMMANDS ?? 4000);
    console.log(`RESP${protocol} SEED=${seed} COMMANDS=${commands}`);
    const mismatches = await runDifferential(redis, protocol, seed, commands);
    assert.equal(mismatches.length, 0, `SEED=${seed}: ${mismatches.length} mismatches\n${mismatches.slice(0, 10).join('\n')}`);
  });
}
