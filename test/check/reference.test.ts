// Cross-checks the search against brute force on thousands of small random histories, legal and
// not, with every kind and status, ties in time, and values from a small domain so reads collide.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../src/lib/prng.js';
import { checkHistory, checkWindow, describeOperation, type Operation } from '../../src/check/index.js';
import { Builder } from './generate.js';
import { bruteForceLinearizable } from './reference.js';

const VALUES = ['a', 'b', '0', '1', '2'];

function smallHistory(prng: Prng, size: number, unknownRate: number): Operation[] {
  const b = new Builder();
  for (let i = 0; i < size; i++) {
    const t0 = prng.int(0, 12);
    const t1 = t0 + prng.int(0, 6);
    const roll = prng.next();
    const status = roll < unknownRate ? 'unknown' : roll < unknownRate + 0.07 ? 'fail' : 'ok';
    const value = (): string | null => (prng.chance(0.2) ? null : prng.pick(VALUES));
    const extra = { status, clientId: i } as const;
    const told = status === 'ok';
    switch (prng.int(0, 4)) {
      case 0:
        b.read(t0, t1, value(), extra);
        break;
      case 1:
        b.write(t0, t1, prng.pick(VALUES), extra);
        break;
      case 2:
        b.cas(t0, t1, value(), prng.pick(VALUES), told ? prng.chance(0.5) : undefined, extra);
        break;
      case 3:
        b.del(t0, t1, told && prng.chance(0.7) ? prng.int(0, 1) : undefined, extra);
        break;
      default:
        b.incr(t0, t1, prng.pick([1, 1, 1, 2, -1]), told ? prng.int(-1, 4) : undefined, extra);
    }
  }
  return b.ops;
}

test('the search agrees with brute force on 4000 small random histories', () => {
  const prng = new Prng(20261125);
  let illegal = 0;
  for (let round = 0; round < 4000; round++) {
    const history = smallHistory(prng, prng.int(1, 7), 0.15);
    const expected = bruteForceLinearizable(history);
    const result = checkHistory(history);
    assert.equal(result.verdict, expected ? 'ok' : 'illegal', `round ${round}:\n${history.map(describeOperation).join('\n')}`);
    if (!expected) illegal++;
  }
  // Both outcomes must be well represented, or the comparison proves little.
  assert.ok(illegal > 800 && illegal < 3200, `illegal histories: ${illegal}`);
});

test('the search agrees with brute force when many operations have unknown outcomes', () => {
  const prng = new Prng(7);
  let illegal = 0;
  for (let round = 0; round < 1500; round++) {
    const history = smallHistory(prng, prng.int(4, 8), 0.45);
    const expected = bruteForceLinearizable(history);
    const result = checkHistory(history);
    assert.equal(result.verdict, expected ? 'ok' : 'illegal', `round ${round}:\n${history.map(describeOperation).join('\n')}`);
    if (!expected) illegal++;
  }
  assert.ok(illegal > 150 && illegal < 1350, `illegal histories: ${illegal}`);
});

test('windows are sound and minimal on small histories: a legal history has no failing window', () => {
  const prng = new Prng(31);
  for (let round = 0; round < 2500; round++) {
    const history = smallHistory(prng, prng.int(3, 8), 0.3);
    const legal = bruteForceLinearizable(history);
    const result = checkHistory(history);
    const where = `round ${round}:\n${history.map(describeOperation).join('\n')}`;
    if (legal) {
      const subset = history.filter(() => prng.chance(0.5));
      for (const fromInitialState of [true, false]) {
        assert.equal(checkWindow(history, subset, fromInitialState), 'ok', where);
      }
      continue;
    }
    const { window, fromInitialState } = result.failure!;
    assert.equal(checkWindow(history, window, fromInitialState), 'illegal', where);
    for (const op of window) {
      assert.equal(checkWindow(history, window.filter((o) => o !== op), fromInitialState), 'ok', `${where}\nwithout #${op.id}`);
    }
    if (fromInitialState) assert.equal(checkWindow(history, window, false), 'ok', `${where}\nneeds the initial state`);
  }
});
