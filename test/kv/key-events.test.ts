// Keyspace events at the state machine (kv/key-events.ts): commands raise them as they apply, each
// naming its database, class and Redis event name, in command order; a lazily expired key raises
// `expired` before the write that found it; a state never hands the same event out twice. A
// string-class event carries the value it left (the change feed's `value`).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { KvState } from '../../src/kv/state.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const run = (state: KvState, nowMs: number, dbIndex: number, ...argv: string[]): void => void state.execute(argv.map(b), nowMs, dbIndex);

test('SET and DEL raise set/expire and del, in order, with their database', () => {
  const state = new KvState();
  run(state, 1, 0, 'SET', 'a', '1');
  run(state, 1, 3, 'SET', 'b', '2', 'PX', '100');
  run(state, 1, 0, 'DEL', 'a', 'missing');
  assert.deepEqual(state.takeKeyEvents(), [
    { db: 0, cls: '$', event: 'set', key: 'a', value: '1' },
    { db: 3, cls: '$', event: 'set', key: 'b', value: '2' },
    { db: 3, cls: 'g', event: 'expire', key: 'b' },
    { db: 0, cls: 'g', event: 'del', key: 'a' },
  ]);
  assert.deepEqual(state.takeKeyEvents(), [], 'taken events are gone');
});

test('a write that finds an expired key raises expired first; reads raise nothing', () => {
  const state = new KvState();
  run(state, 1, 0, 'SET', 'k', 'v', 'PX', '10');
  state.takeKeyEvents();
  run(state, 50, 0, 'GET', 'k');
  assert.deepEqual(state.takeKeyEvents(), []);
  run(state, 50, 0, 'SET', 'k', 'w');
  assert.deepEqual(state.takeKeyEvents().map((e) => e.event), ['expired', 'set']);
});

test('SWAPDB moves a database and its events name its new index', () => {
  const state = new KvState();
  run(state, 1, 2, 'SET', 'x', '1');
  run(state, 1, 0, 'SWAPDB', '2', '5');
  state.takeKeyEvents();
  run(state, 1, 5, 'DEL', 'x');
  assert.deepEqual(state.takeKeyEvents(), [{ db: 5, cls: 'g', event: 'del', key: 'x' }]);
});
