import { test } from 'node:test';
import assert from 'node:assert/strict';
import { err, OK, session } from './helpers.js';

test('DEL and UNLINK count only keys that existed (and were not expired)', () => {
  const { run, clock } = session(1000);
  run('MSET', 'a', '1', 'b', '2');
  run('SET', 'c', '3', 'PX', '10');
  clock.nowMs = 2000;
  assert.deepEqual(run('DEL', 'a', 'a', 'c', 'zz'), 1);
  assert.deepEqual(run('UNLINK', 'b'), 1);
  assert.deepEqual(run('DBSIZE'), 0);
});

test('DELEX deletes unconditionally or on IFEQ / IFNE (Redis 8.4)', () => {
  const { run } = session();
  run('SET', 'k', 'v');
  assert.deepEqual(run('DELEX', 'k', 'IFEQ', 'x'), 0);
  assert.deepEqual(run('DELEX', 'k', 'IFNE', 'v'), 0);
  assert.deepEqual(run('DELEX', 'k', 'ifeq', 'v'), 1);
  run('SET', 'k', 'v');
  assert.deepEqual(run('DELEX', 'k', 'IFNE', 'x'), 1);
  run('SET', 'k', 'v');
  assert.deepEqual(run('DELEX', 'k'), 1);
  assert.deepEqual(run('DELEX', 'k'), 0);
  assert.deepEqual(run('DELEX', 'k', 'IFNE', 'x'), 0, 'a missing key is never deleted');
  assert.deepEqual(run('DELEX', 'k', 'IFEQ'), err('ERR syntax error'));
  assert.deepEqual(run('DELEX', 'k', 'NOPE', 'x'), err('ERR syntax error'));
  assert.deepEqual(run('DELEX', 'k', 'IFEQ', 'a', 'b'), err('ERR syntax error'));
  assert.deepEqual(run('DELEX'), err("ERR wrong number of arguments for 'delex' command"));
});

test('EXISTS counts repeats, TYPE says string or none', () => {
  const { run } = session();
  run('SET', 'a', '1');
  assert.deepEqual(run('EXISTS', 'a', 'a', 'b'), 2);
  assert.deepEqual(run('TYPE', 'a'), { simple: 'string' });
  assert.deepEqual(run('TYPE', 'b'), { simple: 'none' });
});

test('RENAME moves value and TTL; RENAMENX refuses an existing target', () => {
  const { run } = session(1000);
  run('SET', 'a', '1', 'PX', '500');
  run('SET', 'b', '2');
  assert.deepEqual(run('RENAMENX', 'a', 'b'), 0);
  assert.deepEqual(run('RENAME', 'a', 'b'), OK);
  assert.deepEqual(run('GET', 'b'), '1');
  assert.deepEqual(run('PTTL', 'b'), 500);
  assert.deepEqual(run('EXISTS', 'a'), 0);
  assert.deepEqual(run('RENAMENX', 'b', 'c'), 1);
  assert.deepEqual(run('RENAME', 'c', 'c'), OK);
  assert.deepEqual(run('RENAMENX', 'c', 'c'), 0);
  assert.deepEqual(run('RENAME', 'nope', 'x'), err('ERR no such key'));
  assert.deepEqual(run('RENAMENX', 'nope', 'x'), err('ERR no such key'));
});

test('FLUSHDB / FLUSHALL clear everything and change every version', () => {
  const { run, state } = session();
  run('MSET', 'a', '1', 'b', '2');
  const before = [state.keyVersion('a'), state.keyVersion('b'), state.keyVersion('never')];
  assert.deepEqual(run('FLUSHDB'), OK);
  assert.deepEqual(run('DBSIZE'), 0);
  const after = [state.keyVersion('a'), state.keyVersion('b'), state.keyVersion('never')];
  after.forEach((v, i) => assert.notEqual(v, before[i]));
  run('SET', 'a', '1');
  assert.deepEqual(run('FLUSHALL', 'ASYNC'), OK);
  assert.deepEqual(run('FLUSHALL', 'sync'), OK);
  assert.deepEqual(run('FLUSHALL', 'later'), err('ERR syntax error'));
  assert.deepEqual(run('FLUSHDB', 'sync', 'x'), err('ERR syntax error'));
});
