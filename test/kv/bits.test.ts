// Bitmap commands (SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO) against redis-server
// 7.0 byte for byte in RESP2 and RESP3 over random commands (valid and invalid, big offsets,
// overflow modes, WRONGTYPE), plus the properties a differential cannot see: a value handed out
// by GET never changes under later bit writes, and bitmaps survive a snapshot.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../src/lib/prng.js';
import { bitAt, popcount } from '../../src/kv/bits-shared.js';
import { KvState } from '../../src/kv/state.js';
import { compareBatch } from './differential-harness.js';
import { LIST_KEY, SKIP_WITHOUT_REDIS, redisForFile, runRandom, seedFromEnv, startTypedRun } from './bits-differential.js';
import { argv, err, session } from './helpers.js';

const redis = redisForFile();

const STRING_KEYS = ['b0', 'b1', 'b2'];
const KEYS = [...STRING_KEYS, LIST_KEY];
const VALUES = ['', 'a', 'foobar', '\u00ff\u00f0\u0000\u0001', '123', '\u0000\u0000\u0000', '\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff'];
const BIT_OFFSETS = ['0', '1', '7', '8', '9', '15', '23', '31', '63', '64', '100', '1000', '77777', '-1', 'x', '1.5', '', '4294967296', '+1'];
const READ_OFFSETS = [...BIT_OFFSETS, '4294967295', '9223372036854775807'];
const RANGE = ['0', '1', '2', '-1', '-2', '-3', '3', '5', '-5', '7', '8', '9', '15', '17', '-9', '100', '-100', 'x', '9223372036854775807', '-9223372036854775808'];
const UNITS = ['BIT', 'byte', 'Bit', 'BYTE', 'bits'];
const TYPES = ['u1', 'u8', 'i8', 'u63', 'i64', 'i1', 'u64', 'i65', 'u0', 'x8', 'I8', 'i32', 'u16', 'i5', 'u3', 'i63', 'u', 'i08'];
const FIELD_OFFSETS = ['0', '1', '7', '8', '13', '#0', '#1', '#3', '100', '1000', '-1', '#', 'x', '#-1', '#9223372036854775807', '4294967296'];
// Valid but 512 MiB away: read only (a write would make both sides allocate and send 512 MiB).
const FAR_READ_OFFSET = '4294967295';
const FIELD_VALUES = ['0', '1', '-1', '127', '128', '-128', '-129', '255', '256', '9223372036854775807', '-9223372036854775808', 'x',
  '1000', '-1000', '4611686018427387904', '-4611686018427387905', '4294967296', '2147483647'];

/** Mostly valid operations (so whole commands run), sometimes a bad one (so errors are compared too). */
function fieldOps(prng: Prng): string[] {
  const ops: string[] = [];
  for (let n = prng.int(0, 4); n > 0; n--) {
    const bad = prng.chance(0.05);
    const type = bad ? prng.pick(TYPES) : prng.pick(TYPES.slice(0, 16));
    const offset = prng.chance(0.9) ? prng.pick(FIELD_OFFSETS.slice(0, 9)) : prng.pick(FIELD_OFFSETS);
    const value = () => (prng.chance(0.95) ? prng.pick(FIELD_VALUES.filter((v) => v !== 'x')) : 'x');
    if (prng.chance(0.2)) ops.push('OVERFLOW', prng.pick(['WRAP', 'sat', 'FAIL', 'SAT', 'fail']));
    if (bad) ops.push(...prng.pick([['get', type], ['OVERFLOW'], ['bogus', type, offset], ['OVERFLOW', 'nope']]));
    else {
      ops.push(...prng.pick([
        () => ['GET', type, prng.chance(0.1) ? FAR_READ_OFFSET : offset], () => ['SET', type, offset, value()],
        () => ['INCRBY', type, offset, value()], () => ['incrby', type, offset, value()],
      ])());
    }
  }
  return ops;
}

function randomCommand(prng: Prng): string[][] {
  const k = () => prng.pick(KEYS);
  // Only read or refused on the list: overwriting it would end the WRONGTYPE cases.
  const sk = () => prng.pick(STRING_KEYS);
  const r = () => prng.pick(RANGE);
  const command = prng.pick([
    () => ['SETBIT', k(), prng.pick(BIT_OFFSETS), prng.pick(['0', '1', '1', '2', '-1', 'x'])],
    () => ['SETBIT', k(), String(prng.int(0, 300)), prng.pick(['0', '1'])],
    () => ['GETBIT', k(), prng.pick(READ_OFFSETS)],
    () => ['GETBIT', k(), String(prng.int(0, 300))],
    () => ['BITCOUNT', k(), ...(prng.chance(0.8) ? [r(), r()] : prng.chance(0.5) ? [r()] : [r(), r(), r(), r()]),
      ...(prng.chance(0.4) ? [prng.pick(UNITS)] : [])],
    () => ['BITPOS', k(), prng.pick(['0', '1', '1', '0', '2', 'x']), ...[r(), r(), prng.pick(UNITS)].slice(0, prng.int(0, 3)),
      ...(prng.chance(0.05) ? ['extra'] : [])],
    () => ['BITOP', prng.pick(['AND', 'or', 'XOR', 'not', 'NOT', 'nand', 'Xor']), sk(), ...Array.from({ length: prng.int(1, 3) }, k)],
    () => ['BITFIELD', k(), ...fieldOps(prng)],
    () => ['BITFIELD_RO', k(), ...fieldOps(prng)],
    () => ['SET', sk(), prng.pick(VALUES)],
    () => ['APPEND', sk(), prng.pick(VALUES)],
    () => ['DEL', sk()],
  ])();
  const key = command[2] !== undefined && command[0] === 'BITOP' ? command[2] : command[1] as string;
  return [command, ['GET', key], ['STRLEN', key]];
}

for (const protocol of [2, 3] as const) {
  test(`bitmap commands match redis-server in RESP${protocol}`, SKIP_WITHOUT_REDIS, async () => {
    const seed = seedFromEnv();
    const count = Number(process.env.COMMANDS ?? (protocol === 2 ? 20_000 : 10_000));
    console.log(`RESP${protocol} SEED=${seed} COMMANDS=${count}`);
    const run = await startTypedRun(redis(), protocol);
    const mismatches = await runRandom(run, new Prng(seed), count, randomCommand);
    assert.equal(mismatches.length, 0, `SEED=${seed}:\n${mismatches.join('\n')}`);
  });
}

/** Every overflow mode against the edges of each width: SET of a start value, then SET or INCRBY across the limit. */
function overflowMatrix(): string[][] {
  const types = ['i1', 'u1', 'i8', 'u8', 'i63', 'u63', 'i64', 'i13', 'u13'];
  const starts = ['0', '1', '-1', '127', '-128', '255', '4611686018427387903', '-4611686018427387904', '9223372036854775807', '-9223372036854775808'];
  const steps = ['1', '-1', '2', '-2', '128', '-129', '256', '9223372036854775807', '-9223372036854775808', '4611686018427387904'];
  const commands: string[][] = [];
  for (const type of types) {
    for (const mode of ['WRAP', 'SAT', 'FAIL']) {
      for (const start of starts) {
        for (const step of steps) {
          commands.push(['BITFIELD', 'ov', 'SET', type, '3', start], ['BITFIELD', 'ov', 'OVERFLOW', mode, 'INCRBY', type, '3', step, 'GET', type, '3']);
          commands.push(['BITFIELD', 'ov', 'OVERFLOW', mode, 'SET', type, '3', step, 'GET', type, '3'], ['GET', 'ov']);
        }
      }
    }
  }
  return commands;
}

test('BITFIELD overflow at every width edge matches redis-server', SKIP_WITHOUT_REDIS, async () => {
  for (const protocol of [2, 3] as const) {
    const run = await startTypedRun(redis(), protocol);
    const commands = overflowMatrix();
    const mismatches: string[] = [];
    for (let i = 0; i < commands.length && mismatches.length === 0; i += 200) mismatches.push(...await compareBatch(run, commands.slice(i, i + 200)));
    assert.deepEqual(mismatches.slice(0, 5), [], `RESP${protocol}`);
  }
});

test('bitmaps of 8 MiB: the far end read and written as redis-server does', SKIP_WITHOUT_REDIS, async () => {
  const far = String(64 * 1024 * 1024 + 5);
  for (const protocol of [2, 3] as const) {
    const run = await startTypedRun(redis(), protocol);
    const batch = [['SETBIT', 'big', far, '1'], ['SETBIT', 'big', '3', '1'], ['STRLEN', 'big'], ['GETBIT', 'big', far], ['BITCOUNT', 'big'],
      ['BITCOUNT', 'big', '-1', '-1'], ['BITCOUNT', 'big', '67108860', '67108870', 'BIT'], ['BITPOS', 'big', '1', '1'],
      ['BITPOS', 'big', '0', '-1'], ['BITPOS', 'big', '1', '-8', '-1', 'BIT'], ['BITPOS', 'big', '0'],
      ['BITFIELD', 'big', 'GET', 'u8', '#8388608', 'INCRBY', 'i16', '67108864', '-5', 'SET', 'u63', '67108900', '77'],
      ['GETRANGE', 'big', '-14', '-1'], ['BITOP', 'NOT', 'inverse', 'big'], ['BITCOUNT', 'inverse'], ['BITPOS', 'inverse', '0'],
      ['BITOP', 'AND', 'both', 'big', 'inverse'], ['BITPOS', 'both', '1'], ['BITCOUNT', 'both']];
    assert.deepEqual(await compareBatch(run, batch), [], `RESP${protocol}`);
  }
});

test('a value GET handed out is not changed by later SETBIT, BITFIELD or SETBIT growth', () => {
  const state = new KvState();
  state.execute(argv('SET', 'k', 'abc'), 1);
  const before = state.execute(argv('GET', 'k'), 1);
  assert.equal(before.type, 'bulk');
  state.execute(argv('SETBIT', 'k', '0', '1'), 1);
  state.execute(argv('BITFIELD', 'k', 'SET', 'u8', '8', '0', 'INCRBY', 'i8', '#5', '3'), 1);
  assert.equal(Buffer.from(before.value).toString('latin1'), 'abc');
  assert.deepEqual([...state.getValue('k', 1) ?? []], [0xe1, 0, 0x63, 0, 0, 3]);
});

test('bitmaps survive a snapshot round trip byte for byte', () => {
  const { state, run } = session();
  run('SETBIT', 'k', '100000', '1');
  run('BITFIELD', 'f', 'SET', 'i64', '#3', '-5', 'SET', 'u63', '1', '12345');
  const restored = KvState.decodeSnapshot(state.encodeSnapshot());
  for (const key of ['k', 'f']) assert.deepEqual(restored.getValue(key, 1_000_000), state.getValue(key, 1_000_000));
  assert.deepEqual(Buffer.from(restored.encodeSnapshot()), Buffer.from(state.encodeSnapshot()));
  assert.deepEqual(run('BITFIELD_RO', 'f', 'SET', 'u8', '0', '1'), err('ERR BITFIELD_RO only supports the GET subcommand'));
});

test('popcount agrees with a bit-by-bit count at every alignment and range', () => {
  const prng = new Prng(seedFromEnv());
  const buffer = new Uint8Array(300).map(() => prng.int(0, 255));
  for (let trial = 0; trial < 500; trial++) {
    const view = buffer.subarray(prng.int(0, 7));
    const from = prng.int(0, view.length);
    const to = prng.int(from, view.length);
    let expected = 0;
    for (let bit = from * 8; bit < to * 8; bit++) expected += bitAt(view, bit);
    assert.equal(popcount(view, from, to), expected, `offset ${view.byteOffset} [${from}, ${to})`);
  }
});

test('WATCH versions: a SETBIT or BITFIELD write that changes the string is a modification; one that leaves it as it was, reads and BITOP to nothing on an absent key are not', () => {
  const { state, run } = session();
  run('SETBIT', 'k', '1', '1');
  let version = state.keyVersion('k');
  const changes = (...command: string[]) => {
    run(...command);
    const changed = state.keyVersion('k') !== version;
    version = state.keyVersion('k');
    return changed;
  };
  // Checked against redis-server 7.0.15 (a WATCH on another connection): only a change aborts the EXEC.
  assert.equal(changes('SETBIT', 'k', '1', '1'), false, 'a SETBIT that leaves the bit as it was');
  assert.equal(changes('SETBIT', 'k', '1', '0'), true, 'a SETBIT that flips the bit');
  assert.equal(changes('SETBIT', 'k', '100', '0'), true, 'a SETBIT that grows the string');
  assert.equal(changes('BITFIELD', 'k', 'OVERFLOW', 'FAIL', 'INCRBY', 'u1', '0', '5'), false, 'a write op FAIL refuses');
  assert.equal(changes('BITFIELD', 'k', 'SET', 'u1', '1', '0'), false, 'a BITFIELD SET to the value there');
  assert.equal(changes('BITFIELD', 'k', 'SET', 'u1', '1', '1'), true, 'a BITFIELD SET to another value');
  for (const read of [['GETBIT', 'k', '1'], ['BITCOUNT', 'k'], ['BITPOS', 'k', '1'], ['BITFIELD', 'k', 'GET', 'u8', '0'], ['BITFIELD_RO', 'k', 'GET', 'i8', '0']]) {
    assert.equal(changes(...read), false, read.join(' '));
  }
  const absentVersion = state.keyVersion('absent');
  run('BITOP', 'AND', 'absent', 'absent2');
  assert.equal(state.keyVersion('absent'), absentVersion, 'nothing to delete: no modification');
  assert.equal(changes('BITOP', 'NOT', 'k', 'absent'), true, 'an empty result deletes the destination');
  assert.equal(run('EXISTS', 'k'), 0);
});
