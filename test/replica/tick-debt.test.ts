// TickDebt: one tick per tickMs of clock time, late timers and pauses included, capped after a pause.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TickDebt } from '../../src/replica/tick-debt.js';

test('ticks owed follow the clock, carry the remainder, and are capped after a long pause', () => {
  const debt = new TickDebt(10, 5, 1_000);
  assert.equal(debt.collect(1_009), 0, 'less than a tick has passed');
  assert.equal(debt.collect(1_010), 1);
  assert.equal(debt.collect(1_035), 2, 'a late timer pays every tick that came due');
  assert.equal(debt.collect(1_040), 1, 'the 5 ms left over from the late timer count towards the next tick');
  assert.equal(debt.collect(9_000), 5, 'a pause pays at most the cap');
  assert.equal(debt.collect(9_009), 0, 'after the cap counting starts afresh from the resume');
  assert.equal(debt.collect(9_010), 1);
});

test('a clock that stands still or steps back owes nothing', () => {
  const debt = new TickDebt(10, 5, 1_000);
  assert.equal(debt.collect(1_000), 0);
  assert.equal(debt.collect(990), 0);
  assert.equal(debt.collect(1_010), 1);
});
