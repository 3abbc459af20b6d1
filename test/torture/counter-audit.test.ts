// The final-read audit of a counter: acknowledged increments are each explained by a distinct
// reply value at or below the final value, so a lost increment is found even when an increment of
// unknown outcome that did take effect makes the totals add up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { counterAudit } from '../../torture/workload.js';

test('a counter whose every acknowledged increment survived has nothing lost or duplicated', () => {
  assert.deepEqual(counterAudit([1, 2, 3], 0, 3), { lost: 0, duplicated: 0 });
  assert.deepEqual(counterAudit([2, 3], 1, 3), { lost: 0, duplicated: 0 });
  assert.deepEqual(counterAudit([], 0, 0), { lost: 0, duplicated: 0 });
});

test('an undone increment masked by an unknown one that took effect is still counted lost', () => {
  // Three acknowledged increments and a final value of 3: the totals agree, but two replied 2, so
  // one of them was undone and an increment of unknown outcome took its place.
  assert.deepEqual(counterAudit([1, 2, 2], 1, 3), { lost: 1, duplicated: 0 });
  // An acknowledged reply above the final value was undone.
  assert.deepEqual(counterAudit([1, 2, 3], 1, 2), { lost: 1, duplicated: 0 });
});

test('fewer applied increments than acknowledged ones are lost; more than acked plus unknown are duplicated', () => {
  assert.deepEqual(counterAudit([1, 2, 3], 0, 1), { lost: 2, duplicated: 0 });
  assert.deepEqual(counterAudit([1], 1, 4), { lost: 0, duplicated: 2 });
});
