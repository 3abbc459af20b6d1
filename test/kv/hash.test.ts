// Unit tests of the hash type: encodings and their one-way conversion, HRANDFIELD's properties
// (the differential test cannot compare random replies), HSCAN over big hashes while they change,
// snapshot round trips of small and big hashes, and corrupt hash bytes refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../../src/kv/db.js';
import { decodeCollection, encodeCollection, tagOf } from '../../src/kv/collection-codec.js';
import { HashValue } from '../../src/kv/hash/hash-value.js';
import { REPEATED_PICKS_MAX } from '../../src/kv/hash/random.js';
import { KvState } from '../../src/kv/state.js';
import { isCairnError } from '../../src/lib/errors.js';
import { encodeReply } from '../../src/resp/encode.js';
import { ByteWriter } from '../../src/kv/writer.js';
import { argv, err, plain, session, type Plain } from './helpers.js';

function encodingOf(state: KvState, key: string): string | undefined {
  const collection = state.database().lookup(key, 0)?.collection;
  return collection?.encoding();
}

/** A session holding hash `h` with fields f0..f(n-1) = v0..v(n-1). */
function withHash(fieldCount: number) {
  const s = session(0);
  for (let i = 0; i < fieldCount; i++) s.run('HSET', 'h', `f${i}`, `v${i}`);
  return s;
}

test('a hash is a listpack up to 128 fields of at most 64 bytes, then a hashtable for good', () => {
  const { state, run } = withHash(128);
  assert.equal(encodingOf(state, 'h'), 'listpack');
  run('HSET', 'h', 'f128', 'v');
  assert.equal(encodingOf(state, 'h'), 'hashtable');
  for (let i = 0; i < 128; i++) run('HDEL', 'h', `f${i}`);
  assert.equal(run('HLEN', 'h'), 1);
  assert.equal(encodingOf(state, 'h'), 'hashtable');

  const small = session(0);
  small.run('HSET', 's', 'a', 'x'.repeat(64));
  assert.equal(encodingOf(small.state, 's'), 'listpack');
  small.run('HSETNX', 's', 'a', 'x'.repeat(65)); // the field exists: nothing set, nothing converted
  assert.equal(encodingOf(small.state, 's'), 'listpack');
  small.run('HSET', 's', 'a', '1', 'b', 'x'.repeat(65));
  assert.equal(encodingOf(small.state, 's'), 'hashtable');
  small.run('HINCRBYFLOAT', 't', 'f', '1e70'); // a 71-byte result converts, as hashTypeSet does
  assert.equal(encodingOf(small.state, 't'), 'hashtable');
});

test('MEMORY USAGE\'s estimate of a hash grows with its fields and their lengths', () => {
  const small = new HashValue(new Map([['a', '1']]));
  const big = new HashValue(new Map(Array.from({ length: 1000 }, (_, i) => [`field:${i}`, 'x'.repeat(100)])), false);
  assert.ok(small.memoryBytes() > 0);
  assert.ok(big.memoryBytes() > 1000 * 100 && big.memoryBytes() < 1000 * 300, `${big.memoryBytes()}`);
});

test('a failed write never leaves an empty hash, and the last HDEL removes the key', () => {
  const { run } = session(0);
  assert.deepEqual(run('HINCRBYFLOAT', 'h', 'f', 'inf'), err('ERR value is NaN or Infinity'));
  assert.deepEqual(run('HINCRBY', 'h', 'f', 'x'), err('ERR value is not an integer or out of range'));
  assert.equal(run('EXISTS', 'h'), 0);
  run('HSET', 'h', 'a', '1', 'b', '2');
  assert.equal(run('HDEL', 'h', 'a', 'b', 'c'), 2);
  assert.equal(run('EXISTS', 'h'), 0);
});

for (const fieldCount of [5, 300]) {
  test(`HRANDFIELD on a ${fieldCount}-field hash: distinct for count > 0, repeats for count < 0, pairs that match`, () => {
    const { run } = withHash(fieldCount);
    const fields = new Set(Array.from({ length: fieldCount }, (_, i) => `f${i}`));
    for (const count of [1, 2, 3, Math.floor(fieldCount / 2), fieldCount - 1]) {
      const reply = run('HRANDFIELD', 'h', String(count)) as string[];
      assert.equal(reply.length, count);
      assert.equal(new Set(reply).size, count, 'a positive count gives distinct fields');
      for (const field of reply) assert.ok(fields.has(field));
    }
    const repeated = run('HRANDFIELD', 'h', String(-4 * fieldCount)) as string[];
    assert.equal(repeated.length, 4 * fieldCount);
    assert.ok(new Set(repeated).size < repeated.length, 'a negative count repeats fields');
    for (const field of repeated) assert.ok(fields.has(field));
    const pairs = run('HRANDFIELD', 'h', '-20', 'WITHVALUES') as string[];
    assert.equal(pairs.length, 40);
    for (let i = 0; i < pairs.length; i += 2) assert.equal(pairs[i + 1], `v${(pairs[i] as string).slice(1)}`);
    assert.deepEqual(run('HRANDFIELD', 'h', String(fieldCount + 7)), run('HKEYS', 'h'), 'an over-size count gives the whole hash');
    assert.deepEqual(run('HRANDFIELD', 'h', '9223372036854775807'), run('HKEYS', 'h'));
    assert.ok(fields.has(run('HRANDFIELD', 'h') as string));
  });
}

test('HRANDFIELD on a big hash after deletions picks only live fields, and spreads its picks', () => {
  const { run } = withHash(1000);
  for (let i = 0; i < 1000; i += 4) run('HDEL', 'h', `f${i}`, `f${i + 1}`, `f${i + 2}`); // 250 left: f3, f7, ...
  const picks = run('HRANDFIELD', 'h', '-5000') as string[];
  for (const field of picks) assert.equal(Number(field.slice(1)) % 4, 3, `${field} was deleted`);
  assert.ok(new Set(picks).size > 200, 'picks cover most of the hash');
  const distinct = run('HRANDFIELD', 'h', '200') as string[];
  assert.equal(new Set(distinct).size, 200);
  for (const field of distinct) assert.equal(Number(field.slice(1)) % 4, 3);
});

test('HRANDFIELD WITHVALUES is an array of pairs in RESP3 and flat in RESP2; its errors are Redis\'s', () => {
  const { state, run } = withHash(1);
  const reply = state.execute(argv('HRANDFIELD', 'h', '-2', 'WITHVALUES'), 0);
  assert.equal(encodeReply(reply, 3).toString(), '*2\r\n*2\r\n$2\r\nf0\r\n$2\r\nv0\r\n*2\r\n$2\r\nf0\r\n$2\r\nv0\r\n');
  assert.equal(encodeReply(reply, 2).toString(), '*4\r\n$2\r\nf0\r\n$2\r\nv0\r\n$2\r\nf0\r\n$2\r\nv0\r\n');
  assert.deepEqual(run('HRANDFIELD', 'h', '-9223372036854775808'), err('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807'));
  assert.deepEqual(run('HRANDFIELD', 'h', '4611686018427387904', 'WITHVALUES'), err('ERR value is out of range'));
  assert.deepEqual(run('HRANDFIELD', 'h', '1', 'WITHVALUES', 'x'), err('ERR syntax error'));
  assert.deepEqual(run('HRANDFIELD', 'h', String(-REPEATED_PICKS_MAX - 1)), err('ERR value is out of range'));
  assert.deepEqual(run('HRANDFIELD', 'nokey', '3'), []);
  assert.equal(run('HRANDFIELD', 'nokey'), null);
});

test('HRANDFIELD draws from the state\'s seeded Prng: the same commands give the same picks', () => {
  const a = withHash(300);
  const b = withHash(300);
  assert.deepEqual(a.run('HRANDFIELD', 'h', '-50'), b.run('HRANDFIELD', 'h', '-50'));
  assert.deepEqual(a.run('HRANDFIELD', 'h', '50'), b.run('HRANDFIELD', 'h', '50'));
});

/** Runs a full HSCAN of `h`, calling `between` after each step; returns the fields seen (with repeats). */
function scanFields(run: (...parts: string[]) => Plain, options: string[], between: (step: number) => void = () => {}): string[] {
  const seen: string[] = [];
  let cursor = '0';
  for (let step = 0; step < 100_000; step++) {
    const [next, items] = run('HSCAN', 'h', cursor, ...options) as [string, string[]];
    for (let i = 0; i < items.length; i += 2) seen.push(items[i] as string);
    cursor = next;
    if (cursor === '0') return seen;
    between(step);
  }
  throw new Error('HSCAN never finished');
}

test('HSCAN of a listpack hash answers every pair with cursor 0, whatever the cursor and COUNT', () => {
  const { run } = withHash(3);
  const all = ['0', ['f0', 'v0', 'f1', 'v1', 'f2', 'v2']];
  assert.deepEqual(run('HSCAN', 'h', '0', 'COUNT', '1'), all);
  assert.deepEqual(run('HSCAN', 'h', '12345'), all);
  assert.deepEqual(run('HSCAN', 'h', '0', 'MATCH', '*1'), ['0', ['f1', 'v1']]);
});

test('HSCAN of a big hash returns every field present throughout, even while fields come and go', () => {
  const { run } = withHash(2000);
  assert.deepEqual(new Set(scanFields(run, ['COUNT', '7'])).size, 2000);
  assert.equal(scanFields(run, ['MATCH', 'f1?', 'COUNT', '50']).sort().join(), Array.from({ length: 10 }, (_, i) => `f1${i}`).join());
  // Delete most of the hash during a scan (forcing index rebuilds) and add new fields: the fields
  // kept from start to end (every tenth) must all be seen.
  let next = 2000;
  const seen = new Set(scanFields(run, ['COUNT', '25'], (step) => {
    for (let i = step * 40; i < step * 40 + 40 && i < 2000; i++) if (i % 10 !== 0) run('HDEL', 'h', `f${i}`);
    run('HSET', 'h', `f${next++}`, 'new');
  }));
  for (let i = 0; i < 2000; i += 10) assert.ok(seen.has(`f${i}`), `f${i} missed`);
});

test('snapshots carry small and big hashes: same replies, same encodings, same bytes again', () => {
  const { state, run } = withHash(200);
  for (let i = 0; i < 190; i++) run('HDEL', 'h', `f${i}`); // 10 fields, still a hashtable
  run('HSET', 'small', 'a', '1', 'b\u0000\u00ff', '2', '', '');
  run('HSET', 'big', ...Array.from({ length: 300 }, (_, i) => [`k${i}`, `${i}`]).flat());
  run('HSET', 'long', 'x', 'y'.repeat(1000));
  const bytes = state.encodeSnapshot();
  const restored = KvState.decodeSnapshot(bytes);
  for (const key of ['h', 'small', 'big', 'long']) {
    assert.deepEqual(plain(restored.execute(argv('HGETALL', key), 0)), run('HGETALL', key));
    assert.equal(encodingOf(restored, key), encodingOf(state, key));
  }
  assert.equal(encodingOf(restored, 'h'), 'hashtable');
  assert.equal(encodingOf(restored, 'small'), 'listpack');
  assert.deepEqual(Buffer.from(restored.encodeSnapshot()), Buffer.from(bytes));
});

/** The snapshot bytes of a hash value written by hand. */
function hashBytes(encoding: number, count: number, pairs: readonly [string, string][]): Uint8Array {
  const out = new ByteWriter();
  out.u8(encoding);
  out.u32(count);
  for (const [field, value] of pairs) {
    out.latin1(field);
    out.latin1(value);
  }
  return out.finish();
}

test('corrupt hash bytes are refused with CAIRN_CORRUPT', () => {
  const tag = tagOf('hash');
  const good = encodeCollection(new HashValue(new Map([['a', '1'], ['b', '22']])));
  assert.equal(decodeCollection(tag, good).size, 2);
  for (let cut = 0; cut < good.length; cut++) {
    assert.throws(() => decodeCollection(tag, good.subarray(0, cut)), (e) => isCairnError(e, 'CAIRN_CORRUPT'), `cut at ${cut}`);
  }
  const bad: Uint8Array[] = [
    hashBytes(2, 1, [['a', '1']]), // unknown encoding
    hashBytes(0, 0, []), // empty hash
    hashBytes(0, 2, [['a', '1'], ['a', '2']]), // a field twice
    hashBytes(0, 1, [['a', 'x'.repeat(65)]]), // too long for a listpack
    hashBytes(0, 129, Array.from({ length: 129 }, (_, i) => [`f${i}`, 'v'] as [string, string])), // too many for a listpack
    hashBytes(1, 1_000_000, [['a', '1']]), // a count beyond the bytes
    Buffer.concat([good, Buffer.from([0])]), // trailing bytes
  ];
  for (const bytes of bad) assert.throws(() => decodeCollection(tag, bytes), (e) => isCairnError(e, 'CAIRN_CORRUPT'));
});
