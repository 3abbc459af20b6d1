import { test } from 'node:test';
import assert from 'node:assert/strict';
import { err, OK, session } from './helpers.js';

const SYNTAX = err('ERR syntax error');
const NOT_INT = err('ERR value is not an integer or out of range');

test('SET NX / XX only write when the key is absent / present', () => {
  const { run } = session();
  assert.deepEqual(run('SET', 'k', 'a', 'XX'), null);
  assert.deepEqual(run('SET', 'k', 'a', 'NX'), OK);
  assert.deepEqual(run('SET', 'k', 'b', 'NX'), null);
  assert.deepEqual(run('SET', 'k', 'c', 'xx'), OK);
  assert.deepEqual(run('GET', 'k'), 'c');
});

test('SET GET returns the previous value, also when NX/XX skip the write', () => {
  const { run } = session();
  assert.deepEqual(run('SET', 'k', 'a', 'GET'), null);
  assert.deepEqual(run('SET', 'k', 'b', 'GET'), 'a');
  assert.deepEqual(run('SET', 'k', 'c', 'NX', 'GET'), 'b');
  assert.deepEqual(run('GET', 'k'), 'b');
});

test('SET EX / PX / EXAT / PXAT set absolute expiries from the command time; KEEPTTL keeps one', () => {
  const { run, clock } = session(10_000);
  run('SET', 'a', '1', 'EX', '5');
  run('SET', 'b', '1', 'PX', '5');
  run('SET', 'c', '1', 'EXAT', '20');
  run('SET', 'd', '1', 'PXAT', '20000');
  assert.deepEqual(['a', 'b', 'c', 'd'].map((k) => run('PEXPIRETIME', k)), [15_000, 10_005, 20_000, 20_000]);
  run('SET', 'a', '2', 'KEEPTTL');
  assert.deepEqual(run('PEXPIRETIME', 'a'), 15_000);
  run('SET', 'a', '3');
  assert.deepEqual(run('PEXPIRETIME', 'a'), -1);
  clock.nowMs = 10_005;
  assert.deepEqual(run('GET', 'b'), null);
});

test('SET with an absolute expiry already past leaves the key deleted and replies OK', () => {
  const { run, state } = session(10_000);
  run('SET', 'k', 'v');
  assert.deepEqual(run('SET', 'k', 'w', 'PXAT', '5000'), OK);
  assert.deepEqual(run('GET', 'k'), null);
  assert.equal(state.keyCount, 0);
});

test('SET option errors match Redis', () => {
  const { run } = session();
  assert.deepEqual(run('SET', 'k', 'v', 'NX', 'XX'), SYNTAX);
  assert.deepEqual(run('SET', 'k', 'v', 'EX', '1', 'PX', '1'), SYNTAX);
  assert.deepEqual(run('SET', 'k', 'v', 'EX', '1', 'KEEPTTL'), SYNTAX);
  assert.deepEqual(run('SET', 'k', 'v', 'KEEPTTL', 'EX', '1'), SYNTAX);
  assert.deepEqual(run('SET', 'k', 'v', 'EX'), SYNTAX);
  assert.deepEqual(run('SET', 'k', 'v', 'PERSIST'), SYNTAX);
  assert.deepEqual(run('SET', 'k', 'v', 'BOGUS'), SYNTAX);
  assert.deepEqual(run('SET', 'k', 'v', 'EX', 'ten'), NOT_INT);
  assert.deepEqual(run('SET', 'k', 'v', 'EX', '0'), err("ERR invalid expire time in 'set' command"));
  assert.deepEqual(run('SET', 'k', 'v', 'PX', '-1'), err("ERR invalid expire time in 'set' command"));
  assert.deepEqual(run('SET', 'k', 'v', 'EX', '9223372036854775'), err("ERR invalid expire time in 'set' command"));
  assert.deepEqual(run('SET', 'k', 'v', 'PX', '9223372036854775807'), err("ERR invalid expire time in 'set' command"));
  assert.deepEqual(run('SET', 'k'), err("ERR wrong number of arguments for 'set' command"));
  assert.deepEqual(run('EXISTS', 'k'), 0);
});

test('SET IFEQ / IFNE compare-and-set (Redis 8.4)', () => {
  const { run } = session();
  assert.deepEqual(run('SET', 'k', 'a', 'IFEQ', 'x'), null, 'IFEQ never creates');
  assert.deepEqual(run('EXISTS', 'k'), 0);
  assert.deepEqual(run('SET', 'k', 'a', 'IFNE', 'x'), OK, 'IFNE creates a missing key');
  assert.deepEqual(run('SET', 'k', 'b', 'IFEQ', 'x'), null);
  assert.deepEqual(run('SET', 'k', 'b', 'IFEQ', 'a'), OK);
  assert.deepEqual(run('SET', 'k', 'c', 'IFNE', 'b'), null);
  assert.deepEqual(run('SET', 'k', 'c', 'IFNE', 'z', 'GET'), 'b');
  assert.deepEqual(run('SET', 'k', 'd', 'IFEQ', 'nope', 'GET'), 'c');
  assert.deepEqual(run('GET', 'k'), 'c');
  assert.deepEqual(run('SET', 'k', 'd', 'IFEQ', 'c', 'PX', '100'), OK);
  assert.deepEqual(run('PTTL', 'k'), 100);
  assert.deepEqual(run('SET', 'k', 'v', 'IFEQ', 'a', 'NX'), SYNTAX);
  assert.deepEqual(run('SET', 'k', 'v', 'XX', 'IFNE', 'a'), SYNTAX);
  assert.deepEqual(run('SET', 'k', 'v', 'IFEQ', 'a', 'IFNE', 'b'), SYNTAX);
  assert.deepEqual(run('SET', 'k', 'v', 'IFEQ'), SYNTAX);
});

test('SETNX, SETEX, PSETEX, GETSET, GETDEL', () => {
  const { run } = session(1000);
  assert.deepEqual(run('SETNX', 'k', '1'), 1);
  assert.deepEqual(run('SETNX', 'k', '2'), 0);
  assert.deepEqual(run('SETEX', 'k', '10', 'v'), OK);
  assert.deepEqual(run('PTTL', 'k'), 10_000);
  assert.deepEqual(run('PSETEX', 'k', '10', 'v'), OK);
  assert.deepEqual(run('PTTL', 'k'), 10);
  assert.deepEqual(run('SETEX', 'k', '0', 'v'), err("ERR invalid expire time in 'setex' command"));
  assert.deepEqual(run('PSETEX', 'k', '-5', 'v'), err("ERR invalid expire time in 'psetex' command"));
  assert.deepEqual(run('SETEX', 'k', 'x', 'v'), NOT_INT);
  assert.deepEqual(run('GETSET', 'k', 'w'), 'v');
  assert.deepEqual(run('PTTL', 'k'), -1, 'GETSET drops the TTL');
  assert.deepEqual(run('GETSET', 'new', 'w'), null);
  assert.deepEqual(run('GETDEL', 'k'), 'w');
  assert.deepEqual(run('GETDEL', 'k'), null);
});

test('GETEX sets, changes or removes the expiry and returns the value', () => {
  const { run } = session(1000);
  run('SET', 'k', 'v');
  assert.deepEqual(run('GETEX', 'k', 'PX', '50'), 'v');
  assert.deepEqual(run('PTTL', 'k'), 50);
  assert.deepEqual(run('GETEX', 'k'), 'v');
  assert.deepEqual(run('PTTL', 'k'), 50);
  assert.deepEqual(run('GETEX', 'k', 'PERSIST'), 'v');
  assert.deepEqual(run('PTTL', 'k'), -1);
  assert.deepEqual(run('GETEX', 'k', 'EXAT', '1'), 'v', 'a past time deletes after replying');
  assert.deepEqual(run('EXISTS', 'k'), 0);
  assert.deepEqual(run('GETEX', 'missing', 'EX', '0'), null, 'a missing key is looked up before the expiry is checked');
  run('SET', 'k', 'v');
  assert.deepEqual(run('GETEX', 'k', 'EX', '0'), err("ERR invalid expire time in 'getex' command"));
  assert.deepEqual(run('GETEX', 'k', 'PERSIST', 'EX', '1'), SYNTAX);
  assert.deepEqual(run('GETEX', 'k', 'KEEPTTL'), SYNTAX);
  assert.deepEqual(run('GETEX', 'k', 'NX'), SYNTAX);
});

test('MGET, MSET, MSETNX and STRLEN', () => {
  const { run } = session();
  assert.deepEqual(run('MSET', 'a', '1', 'b', '22'), OK);
  assert.deepEqual(run('MGET', 'a', 'nope', 'b'), ['1', null, '22']);
  assert.deepEqual(run('MSET', 'a', '1', 'b'), err("ERR wrong number of arguments for 'mset' command"));
  assert.deepEqual(run('MSETNX', 'c', '3', 'a', 'x'), 0);
  assert.deepEqual(run('EXISTS', 'c'), 0, 'MSETNX is all or nothing');
  assert.deepEqual(run('MSETNX', 'c', '3', 'd', '4'), 1);
  assert.deepEqual(run('MSETNX', 'c'), err("ERR wrong number of arguments for 'msetnx' command"));
  assert.deepEqual(run('MSETNX', 'c', '1', 'd'), err("ERR wrong number of arguments for 'msetnx' command"));
  assert.deepEqual(run('STRLEN', 'b'), 2);
  assert.deepEqual(run('STRLEN', 'nope'), 0);
});
