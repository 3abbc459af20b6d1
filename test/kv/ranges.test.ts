import { test } from 'node:test';
import assert from 'node:assert/strict';
import { err, session } from './helpers.js';

const TOO_BIG = err('ERR string exceeds maximum allowed size (proto-max-bulk-len)');

test('APPEND creates, extends, keeps the TTL, and never changes bytes handed out earlier', () => {
  const { run, state } = session(1000);
  assert.deepEqual(run('APPEND', 'k', 'ab'), 2);
  run('PEXPIRE', 'k', '100');
  const before = state.execute([Buffer.from('GET'), Buffer.from('k')], 1000);
  for (let i = 0; i < 1000; i++) run('APPEND', 'k', 'xyz');
  assert.deepEqual(run('STRLEN', 'k'), 3002);
  assert.deepEqual(run('PTTL', 'k'), 100);
  assert.equal(before.type === 'bulk' && Buffer.from(before.value).toString(), 'ab');
  assert.deepEqual(run('GETRANGE', 'k', '0', '4'), 'abxyz');
});

test('APPEND in a loop is linear: 100k appends finish quickly', () => {
  const { run } = session();
  const started = process.hrtime.bigint();
  for (let i = 0; i < 100_000; i++) run('APPEND', 'k', '0123456789');
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  assert.deepEqual(run('STRLEN', 'k'), 1_000_000);
  assert.ok(elapsedMs < 5000, `100k appends took ${elapsedMs} ms`);
});

test('GETRANGE follows Redis 7 index rules', () => {
  const { run } = session();
  run('SET', 'k', 'Hello World');
  assert.deepEqual(run('GETRANGE', 'k', '0', '4'), 'Hello');
  assert.deepEqual(run('GETRANGE', 'k', '-5', '-1'), 'World');
  assert.deepEqual(run('GETRANGE', 'k', '-1', '-5'), '');
  assert.deepEqual(run('GETRANGE', 'k', '0', '-100'), 'H');
  assert.deepEqual(run('GETRANGE', 'k', '5', '3'), '');
  assert.deepEqual(run('GETRANGE', 'k', '0', '9223372036854775807'), 'Hello World');
  assert.deepEqual(run('GETRANGE', 'k', '-4611686018427387904', '-9223372036854775808'), '');
  assert.deepEqual(run('GETRANGE', 'missing', '0', '-1'), '');
  assert.deepEqual(run('GETRANGE', 'k', 'a', '1'), err('ERR value is not an integer or out of range'));
});

test('SETRANGE pads with zero bytes and checks offset and size', () => {
  const { run } = session();
  assert.deepEqual(run('SETRANGE', 'k', '3', 'ab'), 5);
  assert.deepEqual(run('GET', 'k'), '\u0000\u0000\u0000ab');
  assert.deepEqual(run('SETRANGE', 'k', '0', 'XY'), 5);
  assert.deepEqual(run('GET', 'k'), 'XY\u0000ab');
  assert.deepEqual(run('SETRANGE', 'k', '1', ''), 5);
  assert.deepEqual(run('SETRANGE', 'missing', '5', ''), 0);
  assert.deepEqual(run('EXISTS', 'missing'), 0);
  assert.deepEqual(run('SETRANGE', 'k', '-1', 'x'), err('ERR offset is out of range'));
  assert.deepEqual(run('SETRANGE', 'k', 'x', 'x'), err('ERR value is not an integer or out of range'));
  assert.deepEqual(run('SETRANGE', 'k', '536870912', 'x'), TOO_BIG);
  assert.deepEqual(run('SETRANGE', 'k', '536870911', ''), 5);
});

test('APPEND past 512 MiB is refused without allocating', () => {
  const { run, state } = session();
  assert.deepEqual(run('SETRANGE', 'big', String(512 * 1024 * 1024 - 2), 'ab'), 512 * 1024 * 1024);
  assert.deepEqual(run('APPEND', 'big', 'c'), TOO_BIG);
  assert.deepEqual(run('STRLEN', 'big'), 512 * 1024 * 1024);
  state.execute([Buffer.from('DEL'), Buffer.from('big')], 0);
});
