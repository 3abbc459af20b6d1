// Differential test of the set commands: thousands of random set commands (valid and invalid) mixed
// with SET/GET/DEL/TYPE/RENAME on the same few keys, against redis-server, byte for byte in RESP2 and
// RESP3. Integer and non-integer members and big SADDs make both encodings and the intset→hashtable
// conversion happen; after every batch each set's OBJECT ENCODING must be Redis's, and a full SSCAN
// of every key must find the same members. Replies Redis leaves in hash order (a hashtable set's
// members) are compared as sets; an intset's ascending order must match exactly. Random commands run
// only in forms whose result is determined (counts covering the set). SEED=n, COMMANDS=n.

import { Databases } from '../../src/kv/databases.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { Prng } from '../../src/lib/prng.js';
import { Db } from '../../src/kv/db.js';
import { KvState } from '../../src/kv/state.js';
import { encodeReply, type Protocol } from '../../src/resp/encode.js';
import { compareBatch, sameUnordered, startRun, type DifferentialRun } from './differential-harness.js';
import { REDIS_AVAILABLE, withRedisServer, type RedisProcess } from './redis-server.js';

const available = REDIS_AVAILABLE;
let redis: RedisProcess | undefined;
withRedisServer((started) => (redis = started));

const KEYS = ['s0', 's1', 's2', 'd', 'str', 'p'];
const MEMBERS = [
  '0', '1', '-1', '2', '3', '10', '100', '511', '512', '-512', '9223372036854775807', '-9223372036854775808',
  '9223372036854775808', '007', '-0', '+1', ' 1', '1.5', '1e3', '', 'a', 'b', 'c', 'abc', '\u00ff\u0000', 'm:1', 'x y',
];
/** Counts whose SPOP / SRANDMEMBER answer is determined: none, all, or an error. */
const DETERMINED_COUNTS = ['0', '100000', 'x', '1.5', '', '9223372036854775807', '-9223372036854775808', '9223372036854775808'];
const CURSORS = ['0', '1', '-1', '+0', '', ' 0', '0x', '18446744073709551615', '18446744073709551616', '-18446744073709551616', 'abc'];
const SET_REPLIES = new Set(['smembers', 'sinter', 'sunion', 'sdiff', 'spop', 'srandmember']);

function randomMember(prng: Prng): string {
  if (prng.chance(0.5)) return prng.pick(MEMBERS);
  return prng.chance(0.7) ? String(prng.int(-50, 800)) : `m${prng.int(0, 40)}`;
}

/** A run of SADD arguments: many integers (to pass 512) or a mix. */
function manyMembers(prng: Prng): string[] {
  const count = prng.int(20, 260);
  const integersOnly = prng.chance(0.7);
  return Array.from({ length: count }, () => (integersOnly || prng.chance(0.9) ? String(prng.int(0, 1400)) : randomMember(prng)));
}

/** One step of the workload: usually one command, sometimes a short sequence. */
function randomStep(prng: Prng): string[][] {
  const k = () => prng.pick(KEYS);
  const m = () => randomMember(prng);
  const keys = () => Array.from({ length: prng.int(1, 4) }, k);
  const maybe = (p: number, parts: () => string[]): string[] => (prng.chance(p) ? parts() : []);
  const steps: (() => string[][])[] = [
    () => [['SADD', k(), m(), ...maybe(0.6, () => [m(), m(), m()])]],
    () => [['SADD', k(), ...manyMembers(prng)]],
    () => {
      // An intset that grows past 512 integers over two SADDs converts in the second.
      const key = k();
      const ints = () => Array.from({ length: prng.int(200, 320) }, () => String(prng.int(-300, 900)));
      return [['DEL', key], ['SADD', key, ...ints()], ['SADD', key, ...ints()], ['SCARD', key]];
    },
    () => [['SREM', k(), m(), ...maybe(0.5, () => [m(), m()])]],
    () => [['SREM', k(), ...manyMembers(prng)]],
    () => [['SMEMBERS', k()]],
    () => [['SISMEMBER', k(), m()]],
    () => [['SMISMEMBER', k(), m(), ...maybe(0.6, () => [m(), m()])]],
    () => [['SCARD', k()]],
    () => [['SMOVE', k(), k(), m()]],
    () => [['SINTER', ...keys()]],
    () => [['SUNION', ...keys()]],
    () => [['SDIFF', ...keys()]],
    () => [[prng.pick(['SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE']), k(), ...keys()]],
    () => [sintercardCommand(prng, keys())],
    // SPOP and SRANDMEMBER only where the answer is determined: counts covering the set, errors,
    // or a set of one member (the sequence makes it so).
    () => [['SPOP', k(), prng.pick([...DETERMINED_COUNTS, '-1']), ...maybe(0.05, () => ['1'])]],
    () => [['SRANDMEMBER', k(), prng.pick(DETERMINED_COUNTS), ...maybe(0.05, () => ['1'])]],
    () => [['DEL', 'p'], ['SADD', 'p', m()], [prng.pick(['SPOP', 'SRANDMEMBER']), 'p', ...maybe(0.6, () => [prng.pick(['1', '-1', '-4', '3'])])]],
    () => [['SSCAN', k(), prng.chance(0.7) ? '0' : prng.pick(CURSORS), ...scanOptions(prng)]],
    () => [['SET', k(), m()]],
    () => [['GET', k()]],
    () => [['DEL', k()]],
    () => [['TYPE', k()]],
    () => [['RENAME', k(), k()]],
    () => [['EXPIRE', k(), '100000'], ['PERSIST', k()]],
    () => [[prng.pick(['SPOP', 'SRANDMEMBER'])]],
    () => [[prng.pick(['SADD', 'SREM', 'SMEMBERS', 'SCARD', 'SINTER', 'SINTERCARD', 'SMOVE', 'SSCAN', 'SISMEMBER', 'SMISMEMBER', 'SINTERSTORE']), ...maybe(0.5, () => [k()])]],
  ];
  return prng.pick(steps)();
}

function sintercardCommand(prng: Prng, keys: string[]): string[] {
  const numkeys = prng.chance(0.85) ? String(keys.length) : prng.pick(['0', '-1', 'x', '9', String(keys.length + 1), '9223372036854775808']);
  const limit = prng.chance(0.4) ? [prng.pick(['LIMIT', 'limit', 'LIMIT', 'BOGUS']), prng.pick(['0', '1', '2', '5', '-1', 'x'])] : [];
  return ['SINTERCARD', numkeys, ...keys, ...limit, ...(prng.chance(0.05) ? ['LIMIT'] : [])];
}

function scanOptions(prng: Prng): string[] {
  const options: string[] = [];
  if (prng.chance(0.4)) options.push('COUNT', prng.pick(['1', '2', '5', '100', '0', '-1', 'x']));
  if (prng.chance(0.4)) options.push('MATCH', prng.pick(['*', '1*', '*0', 'm?', '[a-c]*', '']));
  if (prng.chance(0.05)) options.push(prng.pick(['TYPE', 'COUNT', 'NOPE']), ...(prng.chance(0.5) ? ['string'] : []));
  return options;
}

/** The encoding our side holds at `key`, or undefined when it is not a set. */
function ourEncoding(db: Db, key: string, nowMs: number): string | undefined {
  const record = db.lookup(key, nowMs);
  return record?.collection?.type === 'set' ? record.collection.encoding() : undefined;
}

/** Whether Redis's reply order is hash order, so only the members must agree. */
function orderIsHashOrder(db: Db, argv: readonly string[], nowMs: number): boolean {
  const command = (argv[0] as string).toLowerCase();
  if (command === 'spop') return true; // the key is gone; its encoding is checked before and after
  const keys = command === 'smembers' || command === 'srandmember' ? [argv[1] as string] : argv.slice(1);
  return keys.some((key) => ourEncoding(db, key, nowMs) === 'hashtable');
}

function equivalence(db: Db) {
  return (argv: readonly string[], ours: Buffer, theirs: Buffer): boolean => {
    const command = (argv[0] as string).toLowerCase();
    const nowMs = Date.now();
    if (command === 'sscan') return ourEncoding(db, argv[1] as string, nowMs) === 'hashtable' && isScanReply(ours) && isScanReply(theirs);
    return SET_REPLIES.has(command) && (orderIsHashOrder(db, argv, nowMs) || sunionOver512(ours)) && sameUnordered(ours, theirs);
  };
}

/** A union or difference of more than 512 members is built as a hashtable in Redis. */
function sunionOver512(reply: Buffer): boolean {
  return /^[*~](\d+)\r\n/.test(reply.toString('latin1', 0, 16)) && Number(/^[*~](\d+)/.exec(reply.toString('latin1', 0, 16))?.[1]) > 512;
}

function isScanReply(reply: Buffer): boolean {
  return reply.toString('latin1', 0, 5) === '*2\r\n$';
}

/** After a batch: every set's encoding and a full SSCAN of every key agree with Redis. */
async function checkKeys(run: DifferentialRun, db: Db, prng: Prng, seen: Set<string>): Promise<string[]> {
  const mismatches: string[] = [];
  const nowMs = Date.now();
  const encodings = await run.redis.sendRaw(KEYS.map((key) => [Buffer.from('OBJECT'), Buffer.from('ENCODING'), Buffer.from(key)]));
  KEYS.forEach((key, i) => {
    const ours = ourEncoding(db, key, nowMs);
    if (ours !== undefined) seen.add(ours);
    const theirs = (encodings[i] as Buffer).toString('latin1');
    if (ours !== undefined && theirs !== `$${ours.length}\r\n${ours}\r\n`) mismatches.push(`OBJECT ENCODING ${key}: cairn ${ours}, redis ${JSON.stringify(theirs)}`);
  });
  for (const key of KEYS) {
    const options = scanOptions(prng).filter((_, i, all) => all[i - (i % 2)] === 'COUNT' || all[i - (i % 2)] === 'MATCH');
    const ourMembers = await scanAll((argv) => Promise.resolve(encodeReply(run.state.execute(argv, nowMs), run.protocol)), key, options);
    const theirMembers = await scanAll(async (argv) => (await run.redis.sendRaw([argv]))[0] as Buffer, key, options);
    if (ourMembers !== theirMembers) mismatches.push(`full SSCAN ${key} ${JSON.stringify(options)}\n   cairn: ${ourMembers}\n   redis: ${theirMembers}`);
  }
  return mismatches;
}

/** The distinct members of a full SSCAN iteration, sorted and joined (or the error reply). */
async function scanAll(send: (argv: Buffer[]) => Promise<Buffer>, key: string, options: string[]): Promise<string> {
  const members = new Set<string>();
  let cursor = '0';
  for (let step = 0; step < 100_000; step++) {
    const raw = await send(['SSCAN', key, cursor, ...options].map((x) => Buffer.from(x, 'latin1')));
    if (!isScanReply(raw)) return raw.toString('latin1');
    const parts = raw.toString('latin1').split('\r\n');
    cursor = parts[2] as string;
    for (let i = 5; i < parts.length - 1; i += 2) members.add(parts[i] as string);
    if (cursor === '0') return [...members].sort().join(',');
  }
  throw new Error('SSCAN did not finish');
}

async function runDifferential(protocol: Protocol, seed: number, steps: number, seen: Set<string>): Promise<string[]> {
  assert.ok(redis !== undefined);
  const db = new Db();
  const run: DifferentialRun = { ...(await startRun(redis, protocol, equivalence(db))), state: new KvState({}, new Databases(db)) };
  const prng = new Prng(seed);
  const mismatches: string[] = [];
  const stepsPerBatch = 40;
  for (let done = 0; done < steps && mismatches.length < 10; done += stepsPerBatch) {
    const batch = Array.from({ length: stepsPerBatch }, () => randomStep(prng)).flat();
    batch.push(['EXISTS', ...KEYS], ['DBSIZE']);
    mismatches.push(...(await compareBatch(run, batch)));
    mismatches.push(...(await checkKeys(run, db, prng, seen)));
  }
  return mismatches;
}

for (const protocol of [2, 3] as const) {
  test(`set commands match redis-server byte for byte in RESP${protocol}`, { skip: !available && 'redis-server not installed' }, async () => {
    const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
    const steps = Number(process.env.COMMANDS ?? 2500);
    console.log(`RESP${protocol} SEED=${seed} COMMANDS=${steps}`);
    const seen = new Set<string>();
    const mismatches = await runDifferential(protocol, seed, steps, seen);
    assert.equal(mismatches.length, 0, `SEED=${seed}: ${mismatches.length} mismatches\n${mismatches.slice(0, 10).join('\n')}`);
    assert.deepEqual([...seen].sort(), ['hashtable', 'intset'], 'the workload reached both encodings');
  });
}
