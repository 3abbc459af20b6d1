// Lists in kv/: the chunked deque against a plain array model, the blocking commands' kv form and
// the server's helpers (blockingKeys, blockingTimeoutMs), snapshot round trips (small and 100k
// elements) and corrupt list bytes refused. Byte-for-byte agreement with Redis is
// list-differential.test.ts's job.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../src/lib/prng.js';
import { isCairnError } from '../../src/lib/errors.js';
import { KvState } from '../../src/kv/state.js';
import { decodeCollection, encodeCollection } from '../../src/kv/collection-codec.js';
import { TYPE_TAGS } from '../../src/kv/collection.js';
import { ListValue } from '../../src/kv/list/list-value.js';
import { blockingKeys, blockingTimeoutMs } from '../../src/kv/lists.js';
import { ByteWriter } from '../../src/kv/writer.js';
import { argv, err, OK, plain, session } from './helpers.js';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

function contents(list: ListValue): string[] {
  return list.size === 0 ? [] : list.range(0, list.size - 1).map(text);
}

/** One random operation on both the list and the model array. */
function step(prng: Prng, list: ListValue, model: string[]): void {
  const element = () => (prng.chance(0.1) ? 'y'.repeat(prng.int(100, 3000)) : `e${prng.int(0, 30)}`);
  const op = prng.int(0, 9);
  const index = () => prng.int(0, model.length - 1);
  if (op <= 2) {
    const atHead = prng.chance(0.5);
    for (let n = prng.int(1, prng.chance(0.1) ? 900 : 5); n > 0; n--) {
      const e = element();
      list.push(atHead, e);
      if (atHead) model.unshift(e);
      else model.push(e);
    }
  } else if (model.length === 0) {
    return;
  } else if (op === 3) {
    const atHead = prng.chance(0.5);
    assert.equal(text(list.pop(atHead)), atHead ? model.shift() : model.pop());
  } else if (op === 4) {
    const i = index();
    const e = element();
    list.set(i, e);
    model[i] = e;
  } else if (op === 5) {
    const i = prng.int(0, model.length);
    const e = element();
    list.insert(i, e);
    model.splice(i, 0, e);
  } else if (op === 6) {
    const target = prng.pick(model);
    const limit = prng.int(0, 3);
    const fromTail = prng.chance(0.5);
    const order = fromTail ? [...model.keys()].reverse() : [...model.keys()];
    const hits = order.filter((i) => model[i] === target).slice(0, limit === 0 ? undefined : limit);
    assert.equal(list.remove(Buffer.from(target, 'latin1'), limit, fromTail), hits.length);
    for (const i of hits.sort((a, b) => b - a)) model.splice(i, 1);
  } else if (op === 7) {
    const head = prng.int(0, Math.min(model.length, 600));
    const tail = prng.int(0, model.length - head);
    list.trim(head, tail);
    model.splice(0, head);
    model.splice(model.length - tail, tail);
  } else {
    const i = index();
    assert.equal(text(list.at(i)), model[i]);
  }
}

test('the chunked list behaves as an array under random pushes, pops, edits, removals and trims', () => {
  const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
  const prng = new Prng(seed);
  const list = new ListValue();
  const model: string[] = [];
  let copy: { list: ListValue; model: string[] } | undefined;
  for (let n = 0; n < 3000; n++) {
    step(prng, list, model);
    assert.equal(list.size, model.length, `SEED=${seed} step ${n}`);
    if (n % 50 === 0) assert.deepEqual(contents(list), model, `SEED=${seed} step ${n}`);
    if (n === 1500) copy = { list: list.clone(), model: model.slice() };
  }
  assert.ok(copy !== undefined);
  assert.deepEqual(contents(copy.list), copy.model, 'a clone keeps its elements while the original changes');
  list.push(false, 'last'); // an empty list has no snapshot form
  model.push('last');
  const decoded = decodeCollection(TYPE_TAGS.list, encodeCollection(list)) as ListValue;
  assert.deepEqual(contents(decoded), model);
});

test('inserts into the open end chunk pack it once it grows well past a chunk (memory stays packed)', () => {
  const list = new ListValue();
  list.push(false, 'first');
  const model = ['first'];
  for (let i = 0; i < 3000; i++) {
    list.insert(1, `e${i}`);
    model.splice(1, 0, `e${i}`);
  }
  assert.deepEqual(contents(list), model);
  // Packed: ~2 bytes of overhead per element; held as strings it would be ~20 more.
  assert.ok(list.memoryBytes() < 40_000, `memoryBytes ${list.memoryBytes()}`);
});

test('blocking commands never block in kv/: an element is popped at once, else the timed-out null reply', () => {
  const { run } = session();
  assert.deepEqual(run('BLPOP', 'a', 'b', '0'), null);
  assert.deepEqual(run('BLMPOP', '0', '2', 'a', 'b', 'LEFT'), null);
  assert.deepEqual(run('BRPOPLPUSH', 'a', 'b', '0'), null);
  assert.deepEqual(run('BLMOVE', 'a', 'b', 'LEFT', 'RIGHT', '0'), null);
  const state = new KvState();
  assert.deepEqual(state.execute(argv('BLPOP', 'a', '1'), 0), { type: 'nullArray' });
  assert.deepEqual(state.execute(argv('BRPOPLPUSH', 'a', 'b', '1'), 0), { type: 'null' });
  run('RPUSH', 'b', 'x', 'y', 'z');
  assert.deepEqual(run('BRPOP', 'a', 'b', '0'), ['b', 'z']);
  assert.deepEqual(run('BLMOVE', 'b', 'c', 'LEFT', 'LEFT', '0'), 'x');
  assert.deepEqual(run('BLMPOP', '0', '2', 'a', 'b', 'RIGHT', 'COUNT', '5'), ['b', ['y']]);
  assert.deepEqual(run('EXISTS', 'b'), 0);
  run('SET', 's', 'v');
  assert.deepEqual(run('BLPOP', 's', '0'), err('WRONGTYPE Operation against a key holding the wrong kind of value'));
  assert.deepEqual(run('BLPOP', 'c', '-1'), err('ERR timeout is negative'));
  assert.deepEqual(run('BLPOP', 'c', 'soon'), err('ERR timeout is not a float or out of range'));
  assert.deepEqual(run('BLPOP', 'c', '1e16'), err('ERR timeout is negative'), '(long long)(1e19) is LLONG_MIN on x86-64');
});

test('blockingKeys names the keys a blocking list command waits on, and nothing for other commands', () => {
  const keys = (...parts: string[]) => blockingKeys(argv(...parts))?.map(text);
  assert.deepEqual(keys('BLPOP', 'a', 'b', '0'), ['a', 'b']);
  assert.deepEqual(keys('brpop', 'a', '1.5'), ['a']);
  assert.deepEqual(keys('BRPOPLPUSH', 'src', 'dst', '0'), ['src']);
  assert.deepEqual(keys('BLMOVE', 'src', 'dst', 'LEFT', 'RIGHT', '0'), ['src']);
  assert.deepEqual(keys('BLMPOP', '0', '2', 'a', 'b', 'LEFT', 'COUNT', '3'), ['a', 'b']);
  assert.deepEqual(keys('BLMPOP', '0', '3', 'a', 'b', 'LEFT'), [], 'malformed: kv/ answers an error, nothing waits');
  assert.equal(keys('LPOP', 'a'), undefined);
  assert.equal(keys('BZPOPMIN', 'a', '0'), undefined);
  assert.equal(blockingKeys([]), undefined);
  assert.equal(blockingTimeoutMs(argv('BLPOP', 'a', '1.5')), 1500);
  assert.equal(blockingTimeoutMs(argv('BLMPOP', '0.25', '1', 'a', 'LEFT')), 250);
  assert.equal(blockingTimeoutMs(argv('BLMOVE', 'a', 'b', 'LEFT', 'LEFT', '0')), 0);
  assert.equal(blockingTimeoutMs(argv('BLPOP', 'a', '-1')), undefined);
  assert.equal(blockingTimeoutMs(argv('GET', 'a')), undefined);
});

function roundTrip(state: KvState): KvState {
  const bytes = state.encodeSnapshot();
  const restored = KvState.decodeSnapshot(bytes);
  assert.deepEqual(Buffer.from(restored.encodeSnapshot()), Buffer.from(bytes), 'the restored state re-encodes byte for byte');
  return restored;
}

test('snapshots round-trip small lists: same replies, same bytes', () => {
  const { state, run } = session();
  run('RPUSH', 'l', 'a', '', 'b\u0000\u00ff', '10');
  run('LPUSH', 'one', 'x');
  run('SET', 's', 'v');
  const restored = roundTrip(state);
  const again = (...parts: string[]) => plain(restored.execute(argv(...parts), 1_000_000));
  assert.deepEqual(again('LRANGE', 'l', '0', '-1'), ['a', '', 'b\u0000\u00ff', '10']);
  assert.deepEqual(again('TYPE', 'one'), { simple: 'list' });
  assert.deepEqual(again('RPOP', 'one'), 'x');
  assert.deepEqual(again('EXISTS', 'one'), 0);
  assert.deepEqual(again('LPUSH', 'l', 'z'), 5);
  assert.deepEqual(again('GET', 's'), 'v');
});

test('snapshots round-trip a 100k-element list', () => {
  const { state, run } = session();
  const elements = Array.from({ length: 100_000 }, (_, i) => `element-${i}`);
  for (let i = 0; i < elements.length; i += 1000) run('RPUSH', 'big', ...elements.slice(i, i + 1000));
  run('LSET', 'big', '50000', 'middle');
  elements[50_000] = 'middle';
  const restored = roundTrip(state);
  const again = (...parts: string[]) => plain(restored.execute(argv(...parts), 1_000_000));
  assert.deepEqual(again('LLEN', 'big'), 100_000);
  assert.deepEqual(again('LRANGE', 'big', '0', '-1'), elements);
  assert.deepEqual(again('LINDEX', 'big', '-1'), 'element-99999');
  assert.deepEqual(again('LPOS', 'big', 'middle'), 50_000);
});

test('corrupt list bytes are refused with CAIRN_CORRUPT', () => {
  const good = encodeCollection(ListValue.of(['ab', 'c']));
  const corrupt = (bytes: Uint8Array) => () => decodeCollection(TYPE_TAGS.list, bytes);
  const isCorrupt = (e: unknown) => isCairnError(e, 'CAIRN_CORRUPT');
  assert.equal((decodeCollection(TYPE_TAGS.list, good) as ListValue).size, 2);
  for (let cut = 0; cut < good.length; cut++) assert.throws(corrupt(good.subarray(0, cut)), isCorrupt, `cut at ${cut}`);
  assert.throws(corrupt(Buffer.concat([good, Buffer.from([0])])), isCorrupt, 'trailing byte');
  const empty = new ByteWriter();
  empty.u32(0);
  assert.throws(corrupt(empty.finish()), isCorrupt, 'an empty list');
  const huge = new ByteWriter();
  huge.u32(0xffffffff);
  huge.u32(1);
  assert.throws(corrupt(huge.finish()), isCorrupt, 'a count beyond the bytes');
  const longElement = Buffer.from(good);
  longElement.writeUInt32LE(1000, 4);
  assert.throws(corrupt(longElement), isCorrupt, 'an element length beyond the bytes');
});

test('LTRIM and LSET are modifications for WATCH; a list emptied by a pop is deleted', () => {
  const { state, run } = session();
  run('RPUSH', 'l', 'a', 'b');
  const v1 = state.keyVersion('l');
  assert.deepEqual(run('LTRIM', 'l', '0', '-1'), OK);
  const v2 = state.keyVersion('l');
  assert.notEqual(v2, v1, 'Redis signals LTRIM as a modification even when nothing goes');
  run('LSET', 'l', '0', 'z');
  assert.notEqual(state.keyVersion('l'), v2);
  assert.deepEqual(run('LPOP', 'l', '5'), ['z', 'b']);
  assert.deepEqual(run('TYPE', 'l'), { simple: 'none' });
});
