// The log budget (lib/log-budget.ts): lines past a window's budget are suppressed and counted, and
// the next line let through says how many were.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogBudget } from '../../src/lib/log-budget.js';

test('at most N lines a window; the first line of a later window tells how many were suppressed', () => {
  let nowMs = 1_000;
  const budget = new LogBudget(3, 10_000, () => nowMs);
  assert.deepEqual([budget.admit(), budget.admit(), budget.admit()], [0, 0, 0]);
  for (let i = 0; i < 500; i++) assert.equal(budget.admit(), null, 'past the budget nothing is let through');
  nowMs += 9_999;
  assert.equal(budget.admit(), null, 'still the same window');
  nowMs += 1;
  assert.equal(budget.admit(), 501, 'a new window: the suppressed count comes with the first line');
  assert.equal(budget.admit(), 0, 'and is told once');
});
