import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEntry, encodeEntry } from '../../src/kv/entry.js';
import { argv, err, plain, session } from './helpers.js';

test('EXPIRE family: relative and absolute, seconds and ms, past times delete', () => {
  const { run } = session(10_000);
  run('MSET', 'a', '1', 'b', '1', 'c', '1', 'd', '1', 'e', '1');
  assert.deepEqual(run('EXPIRE', 'a', '5'), 1);
  assert.deepEqual(run('PEXPIRE', 'b', '5'), 1);
  assert.deepEqual(run('EXPIREAT', 'c', '20'), 1);
  assert.deepEqual(run('PEXPIREAT', 'd', '20001'), 1);
  assert.deepEqual(['a', 'b', 'c', 'd'].map((k) => run('PEXPIRETIME', k)), [15_000, 10_005, 20_000, 20_001]);
  assert.deepEqual(run('EXPIRETIME', 'd'), 20, 'EXPIRETIME rounds like TTL');
  assert.deepEqual(run('EXPIRE', 'e', '-1'), 1);
  assert.deepEqual(run('EXISTS', 'e'), 0);
  assert.deepEqual(run('PEXPIREAT', 'a', '10000'), 1, 'a time equal to now deletes');
  assert.deepEqual(run('EXISTS', 'a'), 0);
  assert.deepEqual(run('EXPIRE', 'missing', '5'), 0);
});

test('EXPIRE NX / XX / GT / LT', () => {
  const { run } = session(0);
  run('SET', 'k', 'v');
  assert.deepEqual(run('EXPIRE', 'k', '100', 'XX'), 0);
  assert.deepEqual(run('EXPIRE', 'k', '100', 'GT'), 0, 'no TTL counts as infinite for GT');
  assert.deepEqual(run('EXPIRE', 'k', '100', 'LT'), 1, 'no TTL counts as infinite for LT');
  assert.deepEqual(run('EXPIRE', 'k', '50', 'NX'), 0);
  assert.deepEqual(run('EXPIRE', 'k', '50', 'GT'), 0);
  assert.deepEqual(run('EXPIRE', 'k', '200', 'gt'), 1);
  assert.deepEqual(run('EXPIRE', 'k', '300', 'LT'), 0);
  assert.deepEqual(run('EXPIRE', 'k', '10', 'XX', 'LT'), 1);
  assert.deepEqual(run('TTL', 'k'), 10);
});

test('EXPIRE errors match Redis', () => {
  const { run } = session(0);
  run('SET', 'k', 'v');
  assert.deepEqual(run('EXPIRE', 'k', '1', 'NX', 'XX'), err('ERR NX and XX, GT or LT options at the same time are not compatible'));
  assert.deepEqual(run('EXPIRE', 'k', '1', 'NX', 'GT'), err('ERR NX and XX, GT or LT options at the same time are not compatible'));
  assert.deepEqual(run('EXPIRE', 'k', '1', 'GT', 'LT'), err('ERR GT and LT options at the same time are not compatible'));
  assert.deepEqual(run('EXPIRE', 'k', '1', 'SOON'), err('ERR Unsupported option SOON'));
  assert.deepEqual(run('EXPIRE', 'k', 'x'), err('ERR value is not an integer or out of range'));
  assert.deepEqual(run('EXPIRE', 'k', '9223372036854775807'), err("ERR invalid expire time in 'expire' command"));
  assert.deepEqual(run('PEXPIRE', 'k', '9223372036854775807'), 1, 'now is 0, so the sum fits');
  assert.deepEqual(run('EXPIREAT', 'k', '-9223372036854775808'), err("ERR invalid expire time in 'expireat' command"));
  assert.deepEqual(run('EXPIRE', 'k'), err("ERR wrong number of arguments for 'expire' command"));
});

test('TTL / PTTL / PERSIST', () => {
  const { run, clock } = session(1000);
  assert.deepEqual(run('TTL', 'missing'), -2);
  run('SET', 'k', 'v');
  assert.deepEqual(run('TTL', 'k'), -1);
  run('PEXPIRE', 'k', '1499');
  assert.deepEqual(run('TTL', 'k'), 1, 'TTL rounds to the nearest second');
  assert.deepEqual(run('PTTL', 'k'), 1499);
  assert.deepEqual(run('PERSIST', 'k'), 1);
  assert.deepEqual(run('PERSIST', 'k'), 0);
  assert.deepEqual(run('PTTL', 'k'), -1);
  run('PEXPIRE', 'k', '10');
  clock.nowMs += 10;
  assert.deepEqual(run('PTTL', 'k'), -2);
  assert.deepEqual(run('PERSIST', 'k'), 0);
});

test('expired keys vanish on access without reads mutating the state', () => {
  const { run, state, clock } = session(1000);
  run('SET', 'k', 'v', 'PX', '10');
  const snapshot = Buffer.from(state.encodeSnapshot());
  clock.nowMs = 1010;
  for (const cmd of [['GET', 'k'], ['EXISTS', 'k'], ['TTL', 'k'], ['STRLEN', 'k'], ['MGET', 'k'], ['KEYS', '*'], ['SCAN', '0'], ['TYPE', 'k']]) {
    run(...cmd);
  }
  assert.equal(state.getValue('k', clock.nowMs), undefined);
  assert.equal(state.getValue('k', 1009)?.length, 1);
  assert.deepEqual(Buffer.from(state.encodeSnapshot()), snapshot, 'reads never change the state');
  assert.deepEqual(run('INCR', 'k'), 1, 'a write on an expired key starts from nothing');
  assert.deepEqual(run('PTTL', 'k'), -1);
});

test('collectExpired returns due keys earliest first, bounded, and keeps them until reclaimed', () => {
  const { run, state } = session(0);
  for (let i = 0; i < 100; i++) run('SET', `k${i}`, 'v', 'PXAT', String(1000 + i));
  run('SET', 'forever', 'v');
  run('SET', 'k5', 'v');
  run('PEXPIRE', 'k6', '100000');
  assert.deepEqual(state.collectExpired(999, 10), []);
  const due = state.collectExpired(1010, 5).map((k) => Buffer.from(k).toString());
  assert.deepEqual(due, ['k0', 'k1', 'k2', 'k3', 'k4']);
  assert.deepEqual(state.collectExpired(1010, 5).map((k) => Buffer.from(k).toString()), due, 'not consumed');
  const all = state.collectExpired(5000, 1000).map((k) => Buffer.from(k).toString());
  assert.equal(all.length, 98, 'k5 lost its TTL and k6 moved out');
  assert.ok(!all.includes('k5') && !all.includes('k6'));
});

test('CAIRN.EXPIRED deletes only if still expired at the entry time', () => {
  const { run, state } = session(0);
  run('SET', 'k', 'v', 'PXAT', '100');
  assert.deepEqual(plain(state.execute(argv('CAIRN.EXPIRED', 'k'), 99)), 0);
  assert.deepEqual(plain(state.execute(argv('CAIRN.EXPIRED', 'k'), 100)), 1);
  assert.equal(state.keyCount, 0);
  run('SET', 'k', 'v');
  assert.deepEqual(plain(state.execute(argv('CAIRN.EXPIRED', 'k'), 10_000)), 0, 'a key without TTL is never reclaimed');
  assert.deepEqual(plain(state.execute(argv('cairn.expired', 'missing'), 10_000)), 0);
});

test('WATCH versions: reclaiming an expired key does not abort, expiry of a live key does', () => {
  const { run, state } = session(0);
  run('SET', 'k', 'v', 'PXAT', '100');
  const liveVersion = state.keyVersion('k', 50);
  const expiredVersion = state.keyVersion('k', 150);
  assert.notEqual(liveVersion, expiredVersion);
  state.execute(argv('CAIRN.EXPIRED', 'k'), 150);
  assert.equal(state.keyVersion('k', 150), expiredVersion, 'reclaiming keeps the version WATCH saw');
  const key = argv('k')[0]!;
  const tx = (version: number) => encodeEntry({ nowMs: 160, commands: [argv('SET', 'k', 'new')], watches: [{ key, version }] });
  assert.deepEqual(applyEntry(state, tx(liveVersion)), [{ type: 'nullArray' }], 'watched live, expired since');
  assert.deepEqual(applyEntry(state, tx(expiredVersion)).map(plain), [{ simple: 'OK' }]);
});

test('relative TTLs in an entry resolve against the entry time, so replay is exact', () => {
  const { state } = session(0);
  const entry = encodeEntry({ nowMs: 5000, commands: [argv('SET', 'a', '1', 'EX', '10'), argv('EXPIRE', 'b', '3'), argv('SETEX', 'c', '2', 'x')] });
  applyEntry(state, entry);
  assert.deepEqual(plain(state.execute(argv('PEXPIRETIME', 'a'), 0)), 15_000);
  assert.deepEqual(plain(state.execute(argv('PEXPIRETIME', 'c'), 0)), 7000);
});
