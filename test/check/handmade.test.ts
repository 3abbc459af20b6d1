// Hand-made histories whose verdict a person can check on paper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkHistory } from '../../src/check/index.js';
import { Builder } from './generate.js';

function verdictOf(b: Builder): string {
  return checkHistory(b.ops).verdict;
}

test('sequential write then read of the same value is legal', () => {
  const b = new Builder();
  b.write(0, 1, 'a');
  b.read(2, 3, 'a');
  assert.equal(verdictOf(b), 'ok');
});

test('an empty history and a read of an absent key are legal', () => {
  assert.equal(checkHistory([]).verdict, 'ok');
  const b = new Builder();
  b.read(0, 1, null);
  assert.equal(verdictOf(b), 'ok');
});

test('stale read: a read after a newer write returns the older value', () => {
  const b = new Builder();
  b.write(0, 1, 'a');
  b.write(2, 3, 'b');
  b.read(4, 5, 'a');
  const result = checkHistory(b.ops);
  assert.equal(result.verdict, 'illegal');
  assert.deepEqual(result.failure?.window.map((o) => o.id), [1, 2]);
  assert.equal(result.failure?.fromInitialState, false);
});

test('lost write: an acknowledged write is not seen by a later read', () => {
  const b = new Builder();
  b.write(0, 1, 'a');
  b.read(2, 3, null);
  assert.equal(verdictOf(b), 'illegal');
});

test('a read of a value never written is illegal, and the window needs the initial state', () => {
  const b = new Builder();
  b.read(0, 1, 'ghost');
  const result = checkHistory(b.ops);
  assert.equal(result.verdict, 'illegal');
  assert.equal(result.failure?.fromInitialState, true);
  assert.deepEqual(result.failure?.window.map((o) => o.id), [0]);
});

test('a write visible before it was invoked is illegal', () => {
  const b = new Builder();
  b.read(0, 1, 'a');
  b.write(2, 3, 'a');
  assert.equal(verdictOf(b), 'illegal');
});

test('a read concurrent with a write may see either value', () => {
  for (const seen of ['a', 'b']) {
    const b = new Builder();
    b.write(0, 1, 'a');
    b.write(2, 10, 'b');
    b.read(3, 4, seen);
    assert.equal(verdictOf(b), 'ok', `read ${seen}`);
  }
});

test('concurrent writes may take effect in either order', () => {
  for (const last of ['a', 'b']) {
    const b = new Builder();
    b.write(0, 10, 'a');
    b.write(1, 11, 'b');
    b.read(12, 13, last);
    b.read(14, 15, last);
    assert.equal(verdictOf(b), 'ok', `final ${last}`);
  }
});

test('two readers may not see concurrent writes in opposite orders', () => {
  const b = new Builder();
  b.write(0, 100, 'a');
  b.write(0, 100, 'b');
  b.read(10, 20, 'a');
  b.read(30, 40, 'b');
  b.read(10, 20, 'b', { clientId: 9 });
  b.read(30, 40, 'a', { clientId: 10 });
  assert.equal(verdictOf(b), 'illegal');
});

test('equal times count as concurrent: a read invoked when a write completes may miss it', () => {
  const b = new Builder();
  b.write(0, 5, 'a');
  b.read(5, 6, null);
  assert.equal(verdictOf(b), 'ok');
});

test('an unknown write may have taken effect, late, or never', () => {
  const seen = [null, 'a'];
  for (const value of seen) {
    const b = new Builder();
    b.write(0, 1, 'a', { status: 'unknown' });
    b.read(50, 51, value);
    assert.equal(verdictOf(b), 'ok', `read ${String(value)}`);
  }
  const b = new Builder();
  b.write(0, 1, 'a', { status: 'unknown' });
  b.read(50, 51, 'a');
  b.read(60, 61, null);
  b.read(70, 71, 'a');
  assert.equal(verdictOf(b), 'illegal', 'it took effect at most once');
});

test('an unknown write may take effect after a later write', () => {
  const b = new Builder();
  b.write(0, 1, 'a', { status: 'unknown' });
  b.write(10, 11, 'b');
  b.read(20, 21, 'a');
  assert.equal(verdictOf(b), 'ok');
});

test('a failed operation must not take effect', () => {
  const b = new Builder();
  b.write(0, 1, 'a', { status: 'fail' });
  b.read(2, 3, 'a');
  assert.equal(verdictOf(b), 'illegal');
  const c = new Builder();
  c.write(0, 1, 'a', { status: 'fail' });
  c.read(2, 3, null);
  assert.equal(verdictOf(c), 'ok');
});

test('cas: a match writes, a miss observes a different value', () => {
  const b = new Builder();
  b.write(0, 1, 'a');
  b.cas(2, 3, 'a', 'b', true);
  b.cas(4, 5, 'a', 'c', false);
  b.read(6, 7, 'b');
  assert.equal(verdictOf(b), 'ok');
});

test('cas: matching a value that is not there is illegal', () => {
  const b = new Builder();
  b.write(0, 1, 'a');
  b.cas(2, 3, 'x', 'b', true);
  assert.equal(verdictOf(b), 'illegal');
});

test('cas: a miss when the value did match is illegal', () => {
  const b = new Builder();
  b.write(0, 1, 'a');
  b.cas(2, 3, 'a', 'b', false);
  assert.equal(verdictOf(b), 'illegal');
});

test('cas with expected null is set-if-absent', () => {
  const b = new Builder();
  b.cas(0, 1, null, 'a', true);
  b.cas(2, 3, null, 'b', false);
  b.read(4, 5, 'a');
  assert.equal(verdictOf(b), 'ok');
});

test('cas: two cas matching the same old value cannot both succeed', () => {
  const b = new Builder();
  b.write(0, 1, 'a');
  b.cas(2, 10, 'a', 'b', true);
  b.cas(2, 10, 'a', 'c', true);
  assert.equal(verdictOf(b), 'illegal');
});

test('an unknown cas takes effect only if it matches', () => {
  const b = new Builder();
  b.write(0, 1, 'a');
  b.cas(2, 3, 'x', 'b', undefined, { status: 'unknown' });
  b.read(10, 11, 'b');
  assert.equal(verdictOf(b), 'illegal');
  const c = new Builder();
  c.write(0, 1, 'a');
  c.cas(2, 3, 'a', 'b', undefined, { status: 'unknown' });
  c.read(10, 11, 'b');
  assert.equal(verdictOf(c), 'ok');
});

test('incr: absent counts as zero and each increment is seen once', () => {
  const b = new Builder();
  b.incr(0, 1, 1, 1);
  b.incr(2, 3, 5, 6);
  b.read(4, 5, '6');
  assert.equal(verdictOf(b), 'ok');
});

test('incr: two increments returning the same value is illegal', () => {
  const b = new Builder();
  b.incr(0, 10, 1, 1);
  b.incr(0, 10, 1, 1);
  assert.equal(verdictOf(b), 'illegal');
});

test('incr: concurrent increments may return in either order', () => {
  const b = new Builder();
  b.incr(0, 10, 1, 2);
  b.incr(0, 10, 1, 1);
  b.read(11, 12, '2');
  assert.equal(verdictOf(b), 'ok');
});

test('incr: an ok increment of a non-integer value is illegal', () => {
  const b = new Builder();
  b.write(0, 1, 'abc');
  b.incr(2, 3, 1, 1);
  assert.equal(verdictOf(b), 'illegal');
});

test('incr: an unknown increment may have counted or not', () => {
  for (const total of [1, 2]) {
    const b = new Builder();
    b.incr(0, 1, 1, undefined, { status: 'unknown' });
    b.incr(5, 6, 1, total);
    assert.equal(verdictOf(b), 'ok', `total ${total}`);
  }
  const b = new Builder();
  b.incr(0, 1, 1, undefined, { status: 'unknown' });
  b.incr(5, 6, 1, 3);
  assert.equal(verdictOf(b), 'illegal');
});

test('delete: the count says whether the key existed', () => {
  const b = new Builder();
  b.write(0, 1, 'a');
  b.del(2, 3, 1);
  b.del(4, 5, 0);
  b.read(6, 7, null);
  assert.equal(verdictOf(b), 'ok');
  const c = new Builder();
  c.del(0, 1, 1);
  assert.equal(verdictOf(c), 'illegal');
  const d = new Builder();
  d.write(0, 1, 'a');
  d.del(2, 3, undefined);
  d.read(4, 5, 'a');
  assert.equal(verdictOf(d), 'illegal');
});

test('keys are checked independently and the failing key is named', () => {
  const b = new Builder();
  b.write(0, 1, 'a', { key: 'x' });
  b.read(2, 3, 'a', { key: 'x' });
  b.write(0, 1, 'a', { key: 'y' });
  b.read(2, 3, 'b', { key: 'y' });
  const result = checkHistory(b.ops);
  assert.equal(result.verdict, 'illegal');
  assert.equal(result.failure?.key, 'y');
  assert.deepEqual(result.perKey.map((k) => [k.key, k.verdict]), [['x', 'ok'], ['y', 'illegal']]);
});

test('the explanation names the stuck operation and the value it contradicts', () => {
  const b = new Builder();
  b.write(0, 1, 'a');
  b.write(2, 3, 'b');
  b.read(4, 5, 'a');
  const text = checkHistory(b.ops).failure?.explanation ?? '';
  assert.match(text, /#2 \(client 2, read → "a"/);
  assert.match(text, /the value was "b"/);
});
