// Unit tests for sorted sets: ZRANDMEMBER's properties (its choices cannot be compared with Redis),
// the snapshot round trip (small listpack, 200k-member skiplist), corrupt snapshot bytes refused
// with CAIRN_CORRUPT, the -0 / encoding rules, blocking keys, and the order structure itself
// against a plain sorted array under random inserts and removals.

import { Databases } from '../../src/kv/databases.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KvState } from '../../src/kv/state.js';
import { decodeCollection, encodeCollection, tagOf } from '../../src/kv/collection-codec.js';
import { isCairnError } from '../../src/lib/errors.js';
import { Prng } from '../../src/lib/prng.js';
import { before, ScoreOrder } from '../../src/kv/zset/order.js';
import { ZSet } from '../../src/kv/zset/zset.js';
import { zsetBlockingKeys } from '../../src/kv/zsets.js';
import { encodeReply } from '../../src/resp/encode.js';
import type { Collection } from '../../src/kv/collection.js';
import { Db, NO_EXPIRY } from '../../src/kv/db.js';
import { argv, plain, session, type Plain } from './helpers.js';

function filled(size: number, run: (...parts: string[]) => Plain): string[] {
  const members = Array.from({ length: size }, (_, i) => `m${i}`);
  for (const m of members) run('ZADD', 'z', String(members.indexOf(m) % 7), m);
  return members;
}

test('ZRANDMEMBER: a positive count gives distinct members, at most the size; a negative one repeats', () => {
  for (const size of [5, 200]) {
    const { run } = session();
    const members = new Set(filled(size, run));
    for (const count of [1, 3, size - 1, size, size + 10]) {
      const got = run('ZRANDMEMBER', 'z', String(count)) as string[];
      assert.equal(got.length, Math.min(count, size));
      assert.equal(new Set(got).size, got.length, 'distinct');
      for (const m of got) assert.ok(members.has(m));
    }
    const repeated = run('ZRANDMEMBER', 'z', '-50') as string[];
    assert.equal(repeated.length, 50);
    for (const m of repeated) assert.ok(members.has(m));
    if (size === 5) assert.ok(new Set(repeated).size < 50, 'a negative count repeats members');
    const withScores = run('ZRANDMEMBER', 'z', '-4', 'WITHSCORES') as string[];
    assert.equal(withScores.length, 8);
    for (let i = 0; i < 8; i += 2) assert.equal(run('ZSCORE', 'z', withScores[i] as string), withScores[i + 1]);
    const one = run('ZRANDMEMBER', 'z') as string;
    assert.ok(members.has(one));
    assert.deepEqual(run('ZRANDMEMBER', 'z', '0'), []);
    assert.deepEqual(run('ZRANDMEMBER', 'absent'), null);
  }
});

test('ZRANDMEMBER draws differ from call to call and cover the set', () => {
  const { run } = session();
  filled(10, run);
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) seen.add(run('ZRANDMEMBER', 'z') as string);
  assert.equal(seen.size, 10);
});

test('ZRANDMEMBER WITHSCORES in RESP3 nests [member, score] pairs; RESP2 is flat', () => {
  const state = new KvState();
  state.execute(argv('ZADD', 'z', '1.5', 'a'), 0);
  const reply = state.execute(argv('ZRANDMEMBER', 'z', '1', 'WITHSCORES'), 0);
  assert.equal(encodeReply(reply, 3).toString(), '*1\r\n*2\r\n$1\r\na\r\n,1.5\r\n');
  assert.equal(encodeReply(reply, 2).toString(), '*2\r\n$1\r\na\r\n$3\r\n1.5\r\n');
});

function roundTrip(state: KvState): KvState {
  const bytes = state.encodeSnapshot();
  const restored = KvState.decodeSnapshot(bytes);
  assert.deepEqual(Buffer.from(restored.encodeSnapshot()), Buffer.from(bytes), 'the same re-encoding');
  return restored;
}

test('snapshot round trip of a small (listpack) zset: same replies, same bytes', () => {
  const { state, run } = session();
  run('ZADD', 'z', '1', 'a', '-inf', 'b', '2.5', '\u0000\u00ff', '-0', 'z');
  const restored = roundTrip(state);
  const again = (cmd: string[]) => restored.execute(argv(...cmd), 1_000_000);
  for (const cmd of [['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], ['ZSCORE', 'z', 'z'], ['ZRANK', 'z', 'a']]) {
    assert.deepEqual(encodeReply(again(cmd), 3), encodeReply(state.execute(argv(...cmd), 1_000_000), 3));
  }
});

test('snapshot round trip of a 200k-member (skiplist) zset keeps every member, score and rank', () => {
  const state = new KvState();
  const prng = new Prng(7);
  const size = 200_000;
  for (let i = 0; i < size; i += 1000) {
    const parts = ['ZADD', 'big'];
    for (let j = i; j < i + 1000; j++) parts.push(String(prng.int(-1e6, 1e6) / 8), `member:${j}`);
    state.execute(argv(...parts), 0);
  }
  const restored = roundTrip(state);
  const check = (cmd: string[]) => assert.deepEqual(encodeReply(restored.execute(argv(...cmd), 0), 2), encodeReply(state.execute(argv(...cmd), 0), 2), cmd.join(' '));
  check(['ZCARD', 'big']);
  check(['ZRANGE', 'big', '0', '-1', 'WITHSCORES']);
  for (let i = 0; i < 50; i++) check(['ZRANK', 'big', `member:${prng.int(0, size - 1)}`]);
  check(['ZCOUNT', 'big', '-1000', '(1000']);
});

test('corrupt zset bytes are refused with CAIRN_CORRUPT', () => {
  const z = new ZSet();
  z.set('a', 1);
  z.set('b', 2);
  const good = encodeCollection(z);
  const tag = tagOf('zset');
  assert.equal(decodeCollection(tag, good).size, 2);
  const corrupt = (bytes: Uint8Array, why: string) => assert.throws(() => decodeCollection(tag, bytes), (e) => isCairnError(e, 'CAIRN_CORRUPT'), why);
  for (let cut = 0; cut < good.length; cut++) corrupt(good.subarray(0, cut), `truncated at ${cut}`);
  const bytes = (mutate: (b: Buffer) => void): Buffer => {
    const copy = Buffer.from(good);
    mutate(copy);
    return copy;
  };
  corrupt(bytes((b) => { b[0] = 9; }), 'unknown encoding');
  corrupt(bytes((b) => b.writeDoubleLE(NaN, 1 + 4 + 4 + 1)), 'NaN score');
  corrupt(bytes((b) => b.writeDoubleLE(5, 1 + 4 + 4 + 1)), 'out of order');
  corrupt(bytes((b) => { b[1 + 4 + 4 + 1 + 8 + 4] = 0x61; }), 'repeated member');
  corrupt(bytes((b) => b.writeDoubleLE(-0, 1 + 4 + 4 + 1)), '-0 in a listpack');
  corrupt(bytes((b) => b.writeUInt32LE(0, 1)).subarray(0, 5), 'empty');
  corrupt(Buffer.concat([good, Buffer.from([0])]), 'trailing byte');
  corrupt(bytes((b) => b.writeUInt32LE(0xffffffff, 1)), 'huge count');
});

test('a listpack stores a -0 score as 0; a skiplist keeps -0 (as Redis 7.0)', () => {
  const { state, run } = session();
  run('ZADD', 'small', '-0', 'a');
  assert.equal(encodeReply(state.execute(argv('ZSCORE', 'small', 'a'), 0), 3).toString(), ',0\r\n');
  run('ZADD', 'big', '-0', 'x'.repeat(65));
  assert.equal(encodeReply(state.execute(argv('ZSCORE', 'big', 'x'.repeat(65)), 0), 3).toString(), ',-0\r\n');
  assert.equal(encodeReply(state.execute(argv('ZINCRBY', 'small', '-0', 'new'), 0), 3).toString(), ',-0\r\n', 'the reply is the computed score');
});

test('encodings: listpack up to 128 members of up to 64 bytes, then skiplist for good', () => {
  const z = new ZSet();
  for (let i = 0; i < 128; i++) z.set(`m${i}`, i);
  assert.equal(z.encoding(), 'listpack');
  z.set('m128', 0);
  assert.equal(z.encoding(), 'skiplist');
  z.remove('m128');
  assert.equal(z.encoding(), 'skiplist');
  const long = new ZSet();
  long.set('x'.repeat(64), 1);
  assert.equal(long.encoding(), 'listpack');
  long.set('y'.repeat(65), 1);
  assert.equal(long.encoding(), 'skiplist');
});

test('zsetBlockingKeys names the keys of BZPOPMIN, BZPOPMAX and BZMPOP only', () => {
  const keys = (...parts: string[]) => zsetBlockingKeys(argv(...parts))?.map((k) => Buffer.from(k).toString());
  assert.deepEqual(keys('BZPOPMIN', 'a', 'b', '0'), ['a', 'b']);
  assert.deepEqual(keys('bzpopmax', 'a', '1.5'), ['a']);
  assert.deepEqual(keys('BZMPOP', '0', '2', 'a', 'b', 'MIN'), ['a', 'b']);
  assert.equal(keys('BZMPOP', '0', 'x', 'a', 'MIN'), undefined);
  assert.equal(keys('ZPOPMIN', 'a'), undefined);
});

test('the chunked order agrees with a sorted array under random inserts, removals and rank queries', () => {
  const prng = new Prng(11);
  const order = new ScoreOrder();
  const model: [number, string][] = [];
  const sortModel = () => model.sort(([s1, m1], [s2, m2]) => (before(s1, m1, s2, m2) ? -1 : 1));
  for (let step = 0; step < 20_000; step++) {
    const member = `m${prng.int(0, 3000)}`;
    const at = model.findIndex(([, m]) => m === member);
    if (at === -1 && prng.chance(0.6)) {
      const score = prng.int(0, 50);
      order.insert(score, member);
      model.push([score, member]);
      sortModel();
    } else if (at !== -1) {
      const [score] = model[at] as [number, string];
      assert.ok(order.remove(score, member));
      model.splice(at, 1);
    }
    assert.equal(order.size, model.length);
    if (step % 500 === 0 && model.length > 0) {
      const rank = prng.int(0, model.length - 1);
      const [ci, pos] = order.locateRank(rank);
      const chunk = order.chunks[ci];
      assert.equal(chunk?.members[pos], model[rank]?.[1]);
      const [s, m] = model[rank] as [number, string];
      assert.equal(order.rankOf(s, m), rank);
      assert.equal(order.countWhile((score) => score < 25), model.filter(([score]) => score < 25).length);
    }
  }
  const flat = order.chunks.flatMap((c) => c.members);
  assert.deepEqual(flat, model.map(([, m]) => m));
});

/** A stand-in SET value offering what zset/sources.ts reads (the set type proper lives elsewhere). */
class FakeSet implements Collection {
  readonly type = 'set';
  countedBytes = 0;
  constructor(private readonly items: Set<string>) {}
  get size(): number { return this.items.size; }
  encoding(): string { return 'hashtable'; }
  clone(): FakeSet { return new FakeSet(new Set(this.items)); }
  encode(): void {}
  memoryBytes(): number { return 0; }
  has(member: string): boolean { return this.items.has(member); }
  members(): Iterable<string> { return this.items; }
}

test('a set is a ZUNION / ZINTER / ZDIFF input whose members score 1 (as redis-server answers)', () => {
  const db = new Db();
  const state = new KvState({}, new Databases(db));
  state.execute(argv('ZADD', 'z', '1', 'a', '2', 'b'), 0);
  db.setCollection('s', new FakeSet(new Set(['a', 'c'])), NO_EXPIRY);
  const run = (...parts: string[]) => plain(state.execute(argv(...parts), 0));
  assert.deepEqual(run('ZUNION', '2', 'z', 's', 'WEIGHTS', '1', '3', 'WITHSCORES'), ['b', '2', 'c', '3', 'a', '4']);
  assert.deepEqual(run('ZINTER', '2', 'z', 's', 'AGGREGATE', 'MAX', 'WITHSCORES'), ['a', '1']);
  assert.deepEqual(run('ZDIFF', '2', 's', 'z', 'WITHSCORES'), ['c', '1']);
});
