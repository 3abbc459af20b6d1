// The failing window is the smallest set that cannot be ordered: it fails on its own, and
// removing any one operation (or the initial state it relies on) makes it orderable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../src/lib/prng.js';
import { checkHistory, checkWindow, type Operation } from '../../src/check/index.js';
import { Builder, plantStaleRead, randomHistory } from './generate.js';

function assertMinimal(history: readonly Operation[]): void {
  const result = checkHistory(history);
  assert.equal(result.verdict, 'illegal');
  const failure = result.failure!;
  assert.equal(failure.minimal, true);
  const window = failure.window;
  assert.equal(checkWindow(history, window, failure.fromInitialState), 'illegal', 'the window fails on its own');
  for (const op of window) {
    const without = window.filter((o) => o !== op);
    assert.equal(checkWindow(history, without, failure.fromInitialState), 'ok', `window without #${op.id} passes`);
  }
  if (failure.fromInitialState) assert.equal(checkWindow(history, window, false), 'ok', 'it needs the initial state');
}

test('a stale read among many operations gives a two-operation window', () => {
  const b = new Builder();
  for (let i = 0; i < 20; i++) b.write(i * 10, i * 10 + 5, `v${i}`, { clientId: 1 });
  b.read(300, 301, 'v3', { clientId: 2 });
  for (let i = 0; i < 5; i++) b.write(310 + i * 10, 315 + i * 10, `w${i}`, { clientId: 1 });
  assertMinimal(b.ops);
  assert.deepEqual(checkHistory(b.ops).failure?.window.map((o) => o.id), [19, 20]);
});

test('an anomaly that needs three operations keeps all three', () => {
  // Two reads of concurrent writes seen in opposite orders by two clients.
  const b = new Builder();
  b.write(0, 100, 'a');
  b.write(0, 100, 'b');
  b.read(10, 20, 'a');
  b.read(30, 40, 'b');
  b.read(10, 20, 'b');
  b.read(30, 40, 'a');
  assertMinimal(b.ops);
});

test('a duplicated increment gives a minimal window', () => {
  const b = new Builder();
  b.incr(0, 1, 1, 1);
  b.incr(2, 3, 1, 2);
  b.incr(4, 10, 1, 3, { clientId: 1 });
  b.incr(5, 11, 1, 3, { clientId: 2 });
  b.read(12, 13, '3');
  assertMinimal(b.ops);
});

test('planted stale reads in random histories give minimal windows', () => {
  const prng = new Prng(99);
  for (let round = 0; round < 10; round++) {
    const history = randomHistory({ seed: 1000 + round, clients: 6, operations: 400, keys: 2, mix: [4, 3, 1, 1, 0], unknownRate: 0.03, failRate: 0.02 });
    assert.notEqual(plantStaleRead(history, prng), null);
    assertMinimal(history);
  }
});
