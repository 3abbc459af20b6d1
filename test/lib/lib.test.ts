import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../src/lib/prng.js';
import { BoundedQueue } from '../../src/lib/queue.js';
import { assert as invariant, AssertionError } from '../../src/lib/assert.js';

test('Prng: one seed gives one sequence, another seed another', () => {
  const a = new Prng(42);
  const b = new Prng(42);
  const c = new Prng(43);
  const seqA = Array.from({ length: 100 }, () => a.nextUint32());
  const seqB = Array.from({ length: 100 }, () => b.nextUint32());
  const seqC = Array.from({ length: 100 }, () => c.nextUint32());
  assert.deepEqual(seqA, seqB);
  assert.notDeepEqual(seqA, seqC);
});

test('Prng.int stays within bounds and reaches both ends', () => {
  const prng = new Prng(7);
  const seen = new Set<number>();
  for (let i = 0; i < 10_000; i++) {
    const x = prng.int(3, 9);
    assert.ok(x >= 3 && x <= 9);
    seen.add(x);
  }
  assert.equal(seen.size, 7);
});

test('BoundedQueue refuses past its capacity and keeps FIFO order', () => {
  const q = new BoundedQueue<number>(3);
  assert.equal(q.push(1), true);
  assert.equal(q.push(2), true);
  assert.equal(q.push(3), true);
  assert.equal(q.push(4), false);
  assert.equal(q.shift(), 1);
  assert.equal(q.push(5), true);
  assert.deepEqual([q.shift(), q.shift(), q.shift(), q.shift()], [2, 3, 5, undefined]);
});

test('assert throws AssertionError with the message', () => {
  assert.throws(() => invariant(false, 'commitIndex <= lastIndex'), (e: unknown) => e instanceof AssertionError && e.message === 'commitIndex <= lastIndex');
});
