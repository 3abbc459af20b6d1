// Keyspace events at the state machine (kv/key-events.ts): commands raise them as they apply, each
// naming its database, class and Redis event name, in command order; a lazily expired key raises
// `expired` before the write that found it; a state never hands the same event out twice. A
// string-class event carries the value it left (the change feed's `value`). Also Cairn's own '*'
// events (FLUSHDB, FLUSHALL, SWAPDB), active expiry and eviction, scripts, and the determinism of
// events (same entries, same events; a restored state goes on alike). The events of every write
// command against redis-server's: key-events-differential.test.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { KvState } from '../../src/kv/state.js';
import { Workload } from '../support/type-workload.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const run = (state: KvState, nowMs: number, dbIndex: number, ...argv: string[]): void => void state.execute(argv.map(b), nowMs, dbIndex);

test('SET and DEL raise new/set/expire and del, in order, with their database', () => {
  const state = new KvState();
  run(state, 1, 0, 'SET', 'a', '1');
  run(state, 1, 3, 'SET', 'b', '2', 'PX', '100');
  run(state, 1, 0, 'DEL', 'a', 'missing');
  assert.deepEqual(state.takeKeyEvents(), [
    { db: 0, cls: 'n', event: 'new', key: 'a' },
    { db: 0, cls: '$', event: 'set', key: 'a', value: '1' },
    { db: 3, cls: 'n', event: 'new', key: 'b' },
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
  assert.deepEqual(state.takeKeyEvents().map((e) => e.event), ['expired', 'new', 'set']);
});

test('SWAPDB moves a database and its events name its new index', () => {
  const state = new KvState();
  run(state, 1, 2, 'SET', 'x', '1');
  run(state, 1, 0, 'SWAPDB', '2', '5');
  state.takeKeyEvents();
  run(state, 1, 5, 'DEL', 'x');
  assert.deepEqual(state.takeKeyEvents(), [{ db: 5, cls: 'g', event: 'del', key: 'x' }]);
});

const events = (state: KvState): string[] => state.takeKeyEvents().map((e) => `${e.db} ${e.cls} ${e.event} ${e.key}`);

test("FLUSHDB, FLUSHALL and SWAPDB raise Cairn's '*' events, one per database that held keys", () => {
  const state = new KvState();
  run(state, 1, 0, 'SET', 'a', '1');
  run(state, 1, 2, 'SET', 'b', '1');
  run(state, 1, 4, 'SET', 'c', '1');
  run(state, 1, 4, 'DEL', 'c'); // database 4 is used but empty
  state.takeKeyEvents();
  run(state, 1, 7, 'FLUSHDB');
  assert.deepEqual(events(state), [], 'an empty database flushed raises nothing');
  run(state, 1, 2, 'FLUSHDB');
  assert.deepEqual(events(state), ['2 * flushdb '], 'FLUSHDB names its own database');
  run(state, 1, 0, 'SET', 'b', '1', 'PX', '5');
  run(state, 1, 3, 'SET', 'd', '1');
  state.takeKeyEvents();
  run(state, 10, 5, 'FLUSHALL');
  assert.deepEqual(events(state), ['0 * flushdb ', '3 * flushdb '], 'FLUSHALL: each database that held keys (expired ones too), ascending');
  run(state, 1, 0, 'SWAPDB', '1', '6');
  assert.deepEqual(events(state), ['1 * swapdb ', '6 * swapdb '], 'SWAPDB names both databases, even empty ones');
  run(state, 1, 0, 'SWAPDB', '2', '2');
  assert.deepEqual(events(state), [], 'a database swapped with itself does not change');
});

test('active expiry and eviction raise expired and evicted; an expire in the past raises del', () => {
  const state = new KvState();
  run(state, 1, 0, 'SET', 'a', '1', 'PX', '10');
  run(state, 1, 0, 'SET', 'b', '1');
  run(state, 1, 0, 'SET', 'c', '1');
  state.takeKeyEvents();
  run(state, 5, 0, 'CAIRN.EXPIRED', 'a');
  assert.deepEqual(events(state), [], 'not expired yet at the entry\'s time: nothing');
  run(state, 11, 0, 'CAIRN.EXPIRED', 'a');
  run(state, 11, 0, 'CAIRN.EXPIRED', 'a');
  assert.deepEqual(events(state), ['0 x expired a'], 'expired once, when reclaimed');
  run(state, 11, 0, 'CAIRN.EVICT', 'b');
  run(state, 11, 0, 'CAIRN.EVICT', 'missing');
  assert.deepEqual(events(state), ['0 e evicted b']);
  run(state, 20, 0, 'PEXPIREAT', 'c', '19');
  assert.deepEqual(events(state), ['0 g del c']);
});

test('a script raises its commands\' events in order, those before an error included', () => {
  const state = new KvState();
  run(state, 1, 0, 'EVAL', "redis.call('rpush', KEYS[1], 'x'); redis.call('lpop', KEYS[1]); redis.call('hset', KEYS[2], 'f', 'v'); return redis.call('incr', KEYS[2])", '2', 'l', 'h');
  assert.deepEqual(events(state), ['0 n new l', '0 l rpush l', '0 l lpop l', '0 g del l', '0 n new h', '0 h hset h']);
  run(state, 1, 1, 'EVAL', "redis.call('set', KEYS[1], '1'); redis.call('set', KEYS[1], '2'); return redis.call('get', KEYS[1])", '1', 'k');
  assert.deepEqual(events(state), ['1 n new k', '1 $ set k', '1 $ set k'], 'in the script\'s database, new only once');
});

/** The events of a random every-type workload (test/support/type-workload.ts) run on `state`, entry by entry. */
function workloadEvents(state: KvState, seed: number, commands: number): string[][] {
  const workload = new Workload(seed);
  const out: string[][] = [];
  let nowMs = 1_000_000;
  for (let i = 0; i < commands; i++) {
    nowMs += i % 5;
    state.execute(workload.next().map(b), nowMs, i % 7 === 0 ? 2 : 0);
    out.push(events(state));
  }
  return out;
}

test('the same entries on two states raise the same events; a state restored from a snapshot goes on alike', () => {
  const first = new KvState();
  const second = new KvState();
  const a = workloadEvents(first, 5, 3000);
  const raised = a.reduce((n, entry) => n + entry.length, 0);
  assert.ok(raised > 1000, `the workload raised events (${raised})`);
  assert.deepEqual(workloadEvents(second, 5, 3000), a);
  const restored = KvState.decodeSnapshot(first.encodeSnapshot());
  assert.deepEqual(restored.takeKeyEvents(), [], 'a restored snapshot raises none');
  assert.deepEqual(workloadEvents(restored, 6, 1000), workloadEvents(first, 6, 1000));
});
