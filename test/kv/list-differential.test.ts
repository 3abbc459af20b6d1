// Differential test of the list commands: thousands of random list commands (valid and invalid)
// mixed with SET/GET/DEL/TYPE/EXPIRE/PERSIST/RENAME on the same few keys, run on kv/ and on
// redis-server, byte for byte in RESP2 and RESP3. Blocking commands go to Redis inside MULTI/EXEC (where it never blocks, as kv/
// never does) and the EXEC element is compared. Some pushes are long, so lists span packed chunks
// and the middle edits (LSET, LINSERT, LREM) rebuild them. SEED=n reproduces, COMMANDS=n sizes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../src/lib/prng.js';
import { encodeReply } from '../../src/resp/encode.js';
import { compareBatch, startRun, type DifferentialRun } from './differential-harness.js';
import { REDIS_AVAILABLE, replyEnd, withRedisServer, type RedisProcess } from './redis-server.js';

const available = REDIS_AVAILABLE;
let redis: RedisProcess | undefined;
withRedisServer((started) => (redis = started));

const KEYS = ['l1', 'l2', 'l3', 's', ''];
const ELEMENTS = ['a', 'b', 'c', 'a', '', '0', '1', '-1', '10', '007', 'hello world', 'x'.repeat(40), '\u00ff\u0000z', 'h\u00e9'];
const INDEXES = ['0', '1', '2', '-1', '-2', '5', '-5', '100', '-100', '600', '-600', '1000', 'x', '1.5', '',
  '9223372036854775807', '-9223372036854775808', '9223372036854775808'];
const COUNTS = ['0', '1', '2', '3', '5', '100', '-1', '-2', 'x', '9223372036854775807', '-9223372036854775808'];
const TIMEOUTS = ['0', '1', '0.5', '-1', 'x', 'inf', '-inf', 'nan', '1e16', '-0.0001', '', '9223372036854775.807', '0x10', ' 1', '1e-400'];
const SIDES = ['LEFT', 'RIGHT', 'left', 'Right', 'up', 'left\u0000x', 'lef']; // Redis compares words up to a NUL
const BLOCKING = new Set(['blpop', 'brpop', 'brpoplpush', 'blmove', 'blmpop']);

function randomCommand(prng: Prng): string[] {
  const k = () => prng.pick(KEYS);
  const e = () => prng.pick(ELEMENTS);
  const i = () => prng.pick(INDEXES);
  const c = () => prng.pick(COUNTS);
  const side = () => prng.pick(SIDES);
  const some = <T>(make: () => T, max: number): T[] => Array.from({ length: prng.int(1, max) }, make);
  const maybe = (p: number, parts: () => string[]): string[] => (prng.chance(p) ? parts() : []);
  const many = () => Array.from({ length: prng.int(50, 700) }, (_, n) => (prng.chance(0.3) ? e() : `e${n}`));
  const lposOption = () => prng.pick([['RANK', prng.pick(['1', '2', '-1', '-2', '0', 'x', '9223372036854775807', '-9223372036854775808'])],
    ['COUNT', prng.pick(['0', '1', '2', '-1', 'x'])], ['MAXLEN', prng.pick(['0', '1', '3', '-1', 'x'])], ['BOGUS', '1'], ['RANK'], ['count\u0000', '2']]);
  const mpopTail = () => [...maybe(0.9, () => [side()]), ...maybe(0.4, () => ['COUNT', c()]), ...maybe(0.05, () => ['COUNT', '1'])];
  const generators: (() => string[])[] = [
    () => [prng.pick(['LPUSH', 'RPUSH', 'lpush']), k(), ...some(e, 4)],
    () => [prng.pick(['LPUSH', 'RPUSH']), k(), ...many()],
    () => [prng.pick(['LPUSHX', 'RPUSHX']), k(), ...some(e, 3)],
    () => [prng.pick(['LPOP', 'RPOP']), k(), ...maybe(0.5, () => [c()]), ...maybe(0.05, () => ['1'])],
    () => ['LLEN', k()],
    () => ['LRANGE', k(), i(), i()],
    () => ['LINDEX', k(), i()],
    () => ['LSET', k(), i(), e()],
    () => ['LINSERT', k(), prng.pick(['BEFORE', 'AFTER', 'after', 'middle', 'before\u0000']), e(), e()],
    () => ['LREM', k(), c(), e()],
    () => ['LTRIM', k(), i(), i()],
    () => ['LPOS', k(), e(), ...maybe(0.7, lposOption), ...maybe(0.5, lposOption), ...maybe(0.2, lposOption)],
    () => ['LMOVE', k(), k(), side(), side()],
    () => ['RPOPLPUSH', k(), k()],
    () => ['LMPOP', prng.pick(['1', '2', '3', '0', '-1', 'x', '9223372036854775807']), ...some(k, 3), ...mpopTail()],
    () => [prng.pick(['BLPOP', 'BRPOP']), ...some(k, 3), prng.pick(TIMEOUTS)],
    () => ['BRPOPLPUSH', k(), k(), prng.pick(TIMEOUTS)],
    () => ['BLMOVE', k(), k(), side(), side(), prng.pick(TIMEOUTS)],
    () => ['BLMPOP', prng.pick(TIMEOUTS), prng.pick(['1', '2', '0', 'x']), ...some(k, 2), ...mpopTail()],
    () => ['SET', k(), e()],
    () => ['GET', k()],
    () => ['DEL', k()],
    () => ['TYPE', k()],
    () => ['EXPIRE', k(), '1000'],
    () => ['PERSIST', k()],
    () => ['PEXPIRE', k(), '-1'],
    () => ['RENAME', k(), k()],
    () => [prng.pick(['LPUSH', 'LPOP', 'LRANGE', 'LSET', 'LPOS', 'LMOVE', 'BLPOP', 'BLMOVE', 'LMPOP']), ...maybe(0.5, () => [k()])],
  ];
  // Long pushes are rare, so lists stay small enough for their dumps to be cheap.
  const weights = generators.map((_, n) => (n === 1 ? 0.15 : 1));
  let r = prng.next() * weights.reduce((a, b) => a + b, 0);
  for (let n = 0; n < generators.length; n++) {
    r -= weights[n] as number;
    if (r <= 0) return (generators[n] as () => string[])();
  }
  return (generators[0] as () => string[])();
}

/**
 * A blocking command on both sides: Redis runs it inside MULTI/EXEC. An error at queueing (arity)
 * is its reply; otherwise the EXEC array's one element is.
 */
async function compareBlocking(run: DifferentialRun, parts: readonly string[]): Promise<string[]> {
  const argv = parts.map((s) => Buffer.from(s, 'latin1'));
  const [, queued, exec] = await run.redis.sendRaw([[Buffer.from('MULTI')], argv, [Buffer.from('EXEC')]]);
  const theirs = (queued as Buffer)[0] === 0x2d ? (queued as Buffer) : execElement(exec as Buffer);
  const ours = encodeReply(run.state.execute(argv, Date.now()), run.protocol);
  if (ours.equals(theirs)) return [];
  return [`${JSON.stringify(parts)} (in MULTI)\n   cairn: ${JSON.stringify(ours.toString('latin1'))}\n   redis: ${JSON.stringify(theirs.toString('latin1'))}`];
}

function execElement(exec: Buffer): Buffer {
  const start = exec.indexOf('\r\n') + 2;
  assert.equal(exec.toString('latin1', 0, start), '*1\r\n', `EXEC of one command: ${exec.toString('latin1')}`);
  return exec.subarray(start, replyEnd(exec, start));
}

/** The batch in order: runs of ordinary commands through compareBatch, blocking ones one by one. */
async function compareMixed(run: DifferentialRun, batch: readonly string[][]): Promise<string[]> {
  const mismatches: string[] = [];
  let pending: string[][] = [];
  for (const parts of [...batch, undefined]) {
    const blocking = parts !== undefined && BLOCKING.has((parts[0] as string).toLowerCase());
    if ((parts === undefined || blocking) && pending.length > 0) {
      mismatches.push(...await compareBatch(run, pending));
      pending = [];
    }
    if (parts === undefined) break;
    if (blocking) mismatches.push(...await compareBlocking(run, parts));
    else pending.push(parts);
  }
  return mismatches;
}

async function runDifferential(run: DifferentialRun, seed: number, randomCommands: number): Promise<string[]> {
  const prng = new Prng(seed);
  const mismatches: string[] = [];
  const batchSize = 50;
  for (let done = 0; done < randomCommands && mismatches.length < 10; done += batchSize) {
    const batch: string[][] = [];
    for (let n = 0; n < batchSize; n++) {
      batch.push(randomCommand(prng));
      if (prng.chance(0.3)) batch.push(['LRANGE', prng.pick(KEYS), '0', '-1']);
    }
    // Every key's whole state at the end of each batch, so a silent divergence shows at once.
    for (const key of KEYS) batch.push(['TYPE', key], ['LRANGE', key, '0', '-1'], ['LLEN', key]);
    batch.push(['DBSIZE']);
    mismatches.push(...await compareMixed(run, batch));
  }
  return mismatches;
}

for (const protocol of [2, 3] as const) {
  test(`list commands match redis-server byte for byte in RESP${protocol}`, { skip: !available && 'redis-server not installed' }, async () => {
    assert.ok(redis !== undefined);
    const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
    const randomCommands = Number(process.env.COMMANDS ?? (protocol === 2 ? 4000 : 2000));
    console.log(`list RESP${protocol} SEED=${seed} COMMANDS=${randomCommands}`);
    const run = await startRun(redis, protocol);
    const mismatches = await runDifferential(run, seed, randomCommands);
    assert.equal(mismatches.length, 0, `SEED=${seed}: ${mismatches.length} mismatches\n${mismatches.slice(0, 10).join('\n')}`);
  });
}
