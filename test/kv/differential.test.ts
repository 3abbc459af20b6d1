// Differential test: thousands of random commands (valid and invalid) run against kv/ and a real
// redis-server; every reply must be byte-identical in RESP2 and in RESP3. Time-dependent replies
// (TTL of relative expiries) are compared within a tolerance; commands Redis 7.0 lacks (DELEX,
// SET IFEQ/IFNE) are left to the unit tests. SEED=n reproduces a run, COMMANDS=n sets its length.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../src/lib/prng.js';
import { KvState } from '../../src/kv/state.js';
import { encodeReply, type Protocol } from '../../src/resp/encode.js';
import { REDIS_AVAILABLE, withRedisServer, type RedisProcess } from './redis-server.js';

const available = REDIS_AVAILABLE;
let redis: RedisProcess | undefined;
withRedisServer((started) => (redis = started));

const KEYS = ['k0', 'k1', 'k2', 'k3', 'n', 'f', '', 'k\u00ff\u0000x', 'k]', 'h\u00e9', '*'];
const VALUES = [
  '', 'v', 'hello world', '0', '1', '-1', '10', '010', '+5', ' 5', '5 ', '9223372036854775807', '-9223372036854775808',
  '9223372036854775808', '3.5', '-0.25', '1e3', '5.0e3', '.5', '5.', '1e', 'inf', '-inf', 'nan', '0x10', '1e-4940',
  '1e5000', '12345678901234567890123', 'abc\u0000def', '\u00ff\u00fe', '0.1', '1.7976931348623157e308', '3.0000000000000000001',
];
const INTS = ['0', '1', '-1', '2', '5', '-5', '100', '1000000', '9223372036854775807', '-9223372036854775808', '9223372036854775806',
  '9223372036854775808', 'x', '1.5', '', '007', '-0', '4611686018427387904', '-4611686018427387904'];
const FAR_SECONDS = ['4102444800', '4102444801', '253402300799', '1000', '1', '0', '-1'];
const FAR_MS = ['4102444800000', '4102444800123', '1000', '1', '0', '-5'];
const REL_SECONDS = ['100000', '200000', '3600', '0', '-1', '-100', '9223372036854775807', '9223372036854775', 'abc'];
const REL_MS = ['100000000', '200000001', '0', '-7', '9223372036854775807', '1.5'];
const PATTERNS = ['*', 'k*', 'k?', '[kn]*', '[^k]*', 'k[0-1]', '\\k*', '*\u00ff*', '[a-', 'f', '', 'k[\\]]', '[a-\u00ff]*', '*[^0-9]', '[z-a]*', '\\*', '**k*', 'h?', '[', 'k[', '*\\'];

function pick<T>(prng: Prng, items: readonly T[]): T {
  return prng.pick(items);
}

/** One random command as strings (latin1). Mostly valid, sometimes wrong on purpose. */
function randomCommand(prng: Prng): string[] {
  const k = () => pick(prng, KEYS);
  const v = () => pick(prng, VALUES);
  const int = () => pick(prng, INTS);
  const maybe = (p: number, parts: () => string[]): string[] => (prng.chance(p) ? parts() : []);
  const expiryOption = (): string[] => pick(prng, [
    () => ['EX', pick(prng, REL_SECONDS)], () => ['PX', pick(prng, REL_MS)], () => ['EXAT', pick(prng, FAR_SECONDS)],
    () => ['PXAT', pick(prng, FAR_MS)], () => ['KEEPTTL'], () => ['PERSIST'], () => ['EX'],
  ])();
  const generators: (() => string[])[] = [
    () => ['GET', k()],
    () => ['SET', k(), v(), ...maybe(0.3, () => [pick(prng, ['NX', 'XX', 'nx', 'GET', 'XX', 'BOGUS'])]), ...maybe(0.4, expiryOption), ...maybe(0.15, () => ['GET'])],
    () => ['SETNX', k(), v()],
    () => ['SETEX', k(), pick(prng, REL_SECONDS), v()],
    () => ['PSETEX', k(), pick(prng, REL_MS), v()],
    () => ['GETSET', k(), v()],
    () => ['GETDEL', k()],
    () => ['GETEX', k(), ...maybe(0.7, expiryOption)],
    () => ['MGET', k(), ...maybe(0.7, () => [k(), k()])],
    () => ['MSET', k(), v(), ...maybe(0.5, () => [k(), v()]), ...maybe(0.1, () => [k()])],
    () => ['MSETNX', k(), v(), ...maybe(0.5, () => [k(), v()])],
    () => ['DEL', k(), ...maybe(0.5, () => [k()])],
    () => ['UNLINK', k()],
    () => ['EXISTS', k(), ...maybe(0.5, () => [k(), k()])],
    () => ['TYPE', k()],
    () => ['INCR', k()],
    () => ['DECR', k()],
    () => ['INCRBY', k(), int()],
    () => ['DECRBY', k(), int()],
    () => ['INCRBYFLOAT', k(), pick(prng, [...VALUES, '0.1', '-0.1', '1.5', '100', '1e20', '-1e20', '0.3'])],
    () => ['APPEND', k(), v()],
    () => ['STRLEN', k()],
    () => ['GETRANGE', k(), int(), int()],
    () => ['GETRANGE', k(), pick(prng, ['0', '1', '-1', '-3', '-100', '2']), pick(prng, ['0', '-1', '3', '-2', '-100', '100'])],
    () => ['SETRANGE', k(), pick(prng, ['0', '1', '3', '10', '-1', 'x', '536870912', '536870911']), pick(prng, ['', 'ab', 'xyz'])],
    // GT / LT with relative times compare against a clock that differs between the two sides by a
    // few ms, so they are exercised with absolute times (EXPIREAT, PEXPIREAT) only.
    () => [pick(prng, ['EXPIRE', 'expire']), k(), pick(prng, REL_SECONDS), ...maybe(0.4, () => [pick(prng, ['NX', 'XX', 'FOO'])]), ...maybe(0.1, () => pick(prng, [['NX', 'XX'], ['NX', 'GT'], ['GT', 'LT'], ['LT', 'nx']]))],
    () => ['PEXPIRE', k(), pick(prng, REL_MS), ...maybe(0.4, () => [pick(prng, ['NX', 'XX'])])],
    () => ['EXPIREAT', k(), pick(prng, FAR_SECONDS), ...maybe(0.4, () => [pick(prng, ['NX', 'XX', 'GT', 'LT'])])],
    () => ['PEXPIREAT', k(), pick(prng, FAR_MS), ...maybe(0.4, () => [pick(prng, ['NX', 'XX', 'GT', 'LT'])])],
    () => ['TTL', k()],
    () => ['PTTL', k()],
    () => ['EXPIRETIME', k()],
    () => ['PEXPIRETIME', k()],
    () => ['PERSIST', k()],
    () => ['RENAME', k(), k()],
    () => ['RENAMENX', k(), k()],
    () => ['DBSIZE'],
    () => ['KEYS', pick(prng, PATTERNS)],
    () => ['FLUSHDB', ...maybe(0.3, () => [pick(prng, ['ASYNC', 'sync', 'nope'])])],
    () => [pick(prng, ['GET', 'SET', 'INCR', 'MGET', 'EXPIRE', 'GETRANGE', 'TTL', 'RENAME', 'DBSIZE']), ...maybe(0.5, () => [k(), k(), k()])],
  ];
  const weights = generators.map((_, i) => (i === generators.length - 2 ? 0.05 : 1));
  let r = prng.next() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < generators.length; i++) {
    r -= weights[i] as number;
    if (r <= 0) return (generators[i] as () => string[])();
  }
  return (generators[0] as () => string[])();
}

const TIME_DEPENDENT = new Set(['ttl', 'pttl', 'expiretime', 'pexpiretime']);

/** Integer replies of TTL-style commands for relative expiries may differ by the clock skew of the run. */
function closeEnough(command: string, ours: Buffer, theirs: Buffer): boolean {
  if (!TIME_DEPENDENT.has(command.toLowerCase())) return false;
  const a = /^:(-?\d+)\r\n$/.exec(ours.toString('latin1'));
  const b = /^:(-?\d+)\r\n$/.exec(theirs.toString('latin1'));
  if (a === null || b === null) return false;
  const x = Number(a[1]);
  const y = Number(b[1]);
  const toleranceUnits = command.toLowerCase().startsWith('p') ? 5000 : 5;
  return x >= 0 && y >= 0 && Math.abs(x - y) <= toleranceUnits;
}

/** Runs `randomCommands` random commands on both sides in one protocol; returns the mismatches. */
async function runDifferential(redis: RedisProcess, protocol: Protocol, seed: number, randomCommands: number): Promise<string[]> {
  const commandCount = 3 * randomCommands; // each random command is followed by two checks
  const prng = new Prng(seed);
  const state = new KvState();
  await redis.sendRaw([[Buffer.from('HELLO'), Buffer.from(String(protocol))], [Buffer.from('FLUSHALL')]]);
  const mismatches: string[] = [];
  const batchSize = 60;
  for (let done = 0; done < commandCount; done += batchSize) {
    // Each random command is followed by EXISTS over every key (which also makes Redis drop keys
    // whose time has passed, as Cairn does at once) and DBSIZE, so a silent divergence shows at once.
    const checks = [['EXISTS', ...KEYS], ['DBSIZE']];
    const batch = Array.from({ length: batchSize }, (_, i) => (i % 3 === 0 ? randomCommand(prng) : checks[(i % 3) - 1] as string[]))
      .map((parts) => parts.map((s) => Buffer.from(s, 'latin1')));
    const nowMs = Date.now();
    const theirs = await redis.sendRaw(batch);
    batch.forEach((argv, i) => {
      const ours = encodeReply(state.execute(argv, nowMs), protocol);
      const reference = theirs[i] as Buffer;
      const command = (argv[0] as Buffer).toString('latin1');
      if (ours.equals(reference) || closeEnough(command, ours, reference)) return;
      // Error messages are strings written as UTF-8: invalid UTF-8 quoted from input becomes U+FFFD.
      if (reference[0] === 0x2d && ours.equals(Buffer.from(reference.toString('utf8')))) return;
      if (command.toUpperCase() === 'KEYS' && sameSortedArray(ours, reference)) return;
      const previous = i > 0 ? ` after ${JSON.stringify((batch[i - 1] as Buffer[]).map((a) => a.toString('latin1')))}` : '';
      const keyArg = argv[1]?.toString('latin1');
      const held = keyArg === undefined ? undefined : state.getValue(keyArg, nowMs);
      const context = held === undefined ? '' : ` (cairn holds ${JSON.stringify(Buffer.from(held).toString('latin1'))} at that key after the command)`;
      mismatches.push(`#${done + i} ${JSON.stringify(argv.map((a) => a.toString('latin1')))}${previous}${context}\n   cairn: ${JSON.stringify(ours.toString('latin1'))}\n   redis: ${JSON.stringify(reference.toString('latin1'))}`);
    });
    // A full SCAN iteration on both sides must find the same keys (orders differ by design).
    const options = [
      ...(prng.chance(0.7) ? ['MATCH', pick(prng, PATTERNS)] : []),
      ...(prng.chance(0.5) ? ['COUNT', String(prng.int(1, 5))] : []),
      ...(prng.chance(0.2) ? ['TYPE', pick(prng, ['string', 'list', 'STRING'])] : []),
    ];
    const [cairnKeys, redisKeys] = [await scanAll((argv) => Promise.resolve(encodeReply(state.execute(argv, nowMs), protocol)), options),
      await scanAll(async (argv) => (await redis.sendRaw([argv]))[0] as Buffer, options)];
    if (cairnKeys.join('\n') !== redisKeys.join('\n')) {
      mismatches.push(`full SCAN ${JSON.stringify(options)}\n   cairn: ${JSON.stringify(cairnKeys)}\n   redis: ${JSON.stringify(redisKeys)}`);
    }
    if (mismatches.length >= 10) break;
  }
  return mismatches;
}

for (const protocol of [2, 3] as const) {
  test(`kv/ replies match redis-server byte for byte in RESP${protocol} over random command sequences`, { skip: !available && 'redis-server not installed' }, async () => {
    assert.ok(redis !== undefined);
    const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
    const randomCommands = Number(process.env.COMMANDS ?? (protocol === 2 ? 4000 : 1500));
    console.log(`RESP${protocol} SEED=${seed} COMMANDS=${randomCommands}`);
    const mismatches = await runDifferential(redis, protocol, seed, randomCommands);
    assert.equal(mismatches.length, 0, `SEED=${seed}: ${mismatches.length} mismatches\n${mismatches.slice(0, 10).join('\n')}`);
  });
}

/** KEYS order is hash order in Redis and insertion order in Cairn: compare the sets. */
function sameSortedArray(a: Buffer, b: Buffer): boolean {
  const items = (buf: Buffer) => buf.toString('latin1').split('\r\n').slice(1).filter((_, i) => i % 2 === 1).sort().join('\n');
  return a.toString('latin1').split('\r\n')[0] === b.toString('latin1').split('\r\n')[0] && items(a) === items(b);
}

/** Every key a full SCAN iteration returns (sorted), through `send`, which answers with raw RESP. */
async function scanAll(send: (argv: Buffer[]) => Promise<Buffer>, options: string[]): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  for (let step = 0; step < 10_000; step++) {
    const raw = await send(['SCAN', cursor, ...options].map((x) => Buffer.from(x, 'latin1')));
    const reply = parseScanReply(raw);
    if (reply === undefined) return [`error: ${raw.toString('latin1')}`];
    keys.push(...reply.keys);
    cursor = reply.cursor;
    if (cursor === '0') return keys.sort();
  }
  throw new Error('SCAN did not finish in 10,000 steps');
}

/** `*2 $n cursor *m ($len key)...` → cursor and keys (latin1); undefined for an error reply. */
function parseScanReply(raw: Buffer): { cursor: string; keys: string[] } | undefined {
  if (raw[0] !== 0x2a) return undefined;
  let at = raw.indexOf('\r\n', 0) + 2; // *2
  const bulk = (): string => {
    const lineEnd = raw.indexOf('\r\n', at);
    const length = Number(raw.toString('latin1', at + 1, lineEnd));
    const value = raw.toString('latin1', lineEnd + 2, lineEnd + 2 + length);
    at = lineEnd + 2 + length + 2;
    return value;
  };
  const cursor = bulk();
  const countEnd = raw.indexOf('\r\n', at);
  const count = Number(raw.toString('latin1', at + 1, countEnd));
  at = countEnd + 2;
  const keys: string[] = [];
  for (let i = 0; i < count; i++) keys.push(bulk());
  return { cursor, keys };
}

/** A random float literal: digits, fraction, exponent, sign, occasionally hex or malformed. */
function randomFloatText(prng: Prng): string {
  const digits = (max: number) => Array.from({ length: prng.int(0, max) }, () => String(prng.int(0, 9))).join('');
  if (prng.chance(0.05)) return `0x${prng.int(0, 0xffffff).toString(16)}${prng.chance(0.5) ? `p${prng.int(-60, 60)}` : ''}`;
  const sign = pick(prng, ['', '', '-', '+']);
  const whole = prng.chance(0.2) ? '' : digits(prng.chance(0.1) ? 40 : 8) || '0';
  const fraction = prng.chance(0.6) ? `.${digits(prng.chance(0.2) ? 30 : 6)}` : '';
  const exponent = prng.chance(0.3) ? `e${prng.int(-4960, 4950)}` : prng.chance(0.3) ? `E${prng.int(-30, 30)}` : '';
  return sign + whole + fraction + exponent;
}

test('INCRBYFLOAT matches redis-server on random float literals (long double rounding and formatting)', { skip: !available && 'redis-server not installed' }, async () => {
  assert.ok(redis !== undefined);
  const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
  console.log(`INCRBYFLOAT SEED=${seed}`);
  const prng = new Prng(seed);
  const state = new KvState();
  await redis.sendRaw([[Buffer.from('HELLO'), Buffer.from('2')], [Buffer.from('FLUSHALL')]]);
  const mismatches: string[] = [];
  for (let round = 0; round < 20; round++) {
    const batch: Buffer[][] = [];
    for (let i = 0; i < 50; i++) {
      const key = `f${prng.int(0, 4)}`;
      if (prng.chance(0.2)) batch.push(['SET', key, randomFloatText(prng)].map((x) => Buffer.from(x)));
      batch.push(['INCRBYFLOAT', key, randomFloatText(prng)].map((x) => Buffer.from(x)));
    }
    const theirs = await redis.sendRaw(batch);
    batch.forEach((argv, i) => {
      const ours = encodeReply(state.execute(argv, 0), 2);
      if (!ours.equals(theirs[i] as Buffer)) {
        mismatches.push(`${JSON.stringify(argv.map(String))}\n   cairn: ${JSON.stringify(ours.toString())}\n   redis: ${JSON.stringify((theirs[i] as Buffer).toString())}`);
      }
    });
  }
  assert.equal(mismatches.length, 0, `SEED=${seed}: ${mismatches.length} mismatches\n${mismatches.slice(0, 8).join('\n')}`);
});
