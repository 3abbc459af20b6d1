import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addLongDouble, formatLongDouble, parseLongDouble } from '../../src/kv/long-double.js';
import { err, session } from './helpers.js';

const NOT_INT = err('ERR value is not an integer or out of range');
const NOT_FLOAT = err('ERR value is not a valid float');

test('INCR / DECR / INCRBY / DECRBY count in 64-bit signed integers and keep the TTL', () => {
  const { run } = session(1000);
  assert.deepEqual(run('INCR', 'n'), 1);
  assert.deepEqual(run('INCRBY', 'n', '41'), 42);
  assert.deepEqual(run('DECR', 'n'), 41);
  assert.deepEqual(run('DECRBY', 'n', '-9'), 50);
  run('PEXPIRE', 'n', '500');
  assert.deepEqual(run('INCR', 'n'), 51);
  assert.deepEqual(run('PTTL', 'n'), 500);
  assert.deepEqual(run('GET', 'n'), '51');
});

test('counters use bigint past 2^53 and refuse to overflow', () => {
  const { run } = session();
  run('SET', 'n', '9223372036854775806');
  assert.deepEqual(run('INCR', 'n'), '9223372036854775807');
  assert.deepEqual(run('INCR', 'n'), err('ERR increment or decrement would overflow'));
  run('SET', 'm', '-9223372036854775807');
  assert.deepEqual(run('DECR', 'm'), '-9223372036854775808');
  assert.deepEqual(run('DECRBY', 'm', '1'), err('ERR increment or decrement would overflow'));
  assert.deepEqual(run('DECRBY', 'x', '-9223372036854775808'), err('ERR decrement would overflow'));
  assert.deepEqual(run('INCRBY', 'x', '9223372036854775808'), NOT_INT);
});

test('counters parse values strictly like string2ll', () => {
  const { run } = session();
  for (const bad of ['010', '+1', ' 1', '1 ', '1.0', '', '-0', 'abc', '1\u00002', '99999999999999999999']) {
    run('SET', 'n', bad);
    assert.deepEqual(run('INCR', 'n'), NOT_INT, `value ${JSON.stringify(bad)}`);
    assert.deepEqual(run('INCRBY', 'other', bad), NOT_INT, `increment ${JSON.stringify(bad)}`);
  }
  run('SET', 'n', '0');
  assert.deepEqual(run('INCRBY', 'n', '-5'), -5);
});

test('INCRBYFLOAT emulates Redis\'s long double arithmetic and %.17Lf formatting', () => {
  const { run } = session();
  run('SET', 'f', '10.5');
  assert.deepEqual(run('INCRBYFLOAT', 'f', '0.1'), '10.6');
  assert.deepEqual(run('INCRBYFLOAT', 'f', '-5.0e3'), '-4989.39999999999999991', 'checked against redis-server 7.0');
  assert.deepEqual(run('INCRBYFLOAT', 'g', '5.0e3'), '5000');
  assert.deepEqual(run('INCRBYFLOAT', 'h', '0x10'), '16');
  assert.deepEqual(run('INCRBYFLOAT', 'h', '.5'), '16.5');
  assert.deepEqual(run('INCRBYFLOAT', 'i', '1e20'), '100000000000000000000');
  assert.deepEqual(run('INCRBYFLOAT', 'i', '8'), '100000000000000000008');
  assert.deepEqual(run('INCRBYFLOAT', 'j', '-0.0000000000000000001'), '0');
  assert.deepEqual(run('INCRBYFLOAT', 'k', '3.0000000000000000001'), '3');
  assert.deepEqual(run('GET', 'f'), '-4989.39999999999999991');
});

test('INCRBYFLOAT refuses invalid floats, NaN and infinity with Redis\'s texts', () => {
  const { run } = session();
  for (const bad of ['', 'abc', ' 1', '1 ', '1e', 'nan', '1e5000', '1e-5000', '1\u0000']) {
    assert.deepEqual(run('INCRBYFLOAT', 'f', bad), NOT_FLOAT, JSON.stringify(bad));
  }
  assert.deepEqual(run('INCRBYFLOAT', 'f', 'inf'), err('ERR increment would produce NaN or Infinity'));
  run('SET', 'f', '1e4932');
  assert.deepEqual(run('INCRBYFLOAT', 'f', '1e4932'), err('ERR increment would produce NaN or Infinity'));
  run('SET', 's', 'text');
  assert.deepEqual(run('INCRBYFLOAT', 's', '1'), NOT_FLOAT);
  assert.deepEqual(run('GET', 's'), 'text');
});

test('long double helpers round half to even at 64 bits of mantissa', () => {
  const one = parseLongDouble(Buffer.from('1'));
  const tiny = parseLongDouble(Buffer.from('5.421010862427522e-20')); // 2^-64: exactly half an ulp of 1
  assert.ok(typeof one === 'object' && typeof tiny === 'object');
  const sum = addLongDouble(one, tiny);
  assert.ok(typeof sum === 'object');
  assert.equal(formatLongDouble(sum), '1', 'a tie rounds to the even mantissa');
  const subnormal = parseLongDouble(Buffer.from('1e-4940'));
  assert.ok(typeof subnormal === 'object' && subnormal.mantissa > 0n, 'subnormals parse');
});
