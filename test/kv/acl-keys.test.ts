// Key extraction for ACL checks, as Redis 7.0's getKeysFromCommandWithSpecs: index and keyword
// begin searches, range and key-count finds, and the getkeys rules of SORT, MIGRATE, SET and BITFIELD.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CATALOG } from '../../src/kv/acl/catalog.js';
import { commandKeys } from '../../src/kv/acl/command-keys.js';
import { READ, WRITE } from '../../src/kv/acl/selector.js';

function keys(...argv: string[]): [number, number][] {
  const command = CATALOG.lookup(argv[0]!)!;
  return commandKeys(command, argv.map((a) => Buffer.from(a))).map((k) => [k.index, k.needs]);
}

test('specs by index and range', () => {
  assert.deepEqual(keys('get', 'k'), [[1, READ]]);
  assert.deepEqual(keys('mset', 'a', '1', 'b', '2'), [[1, WRITE], [3, WRITE]]);
  assert.deepEqual(keys('rename', 'a', 'b'), [[1, READ | WRITE], [2, WRITE]]);
  assert.deepEqual(keys('exists', 'a', 'b'), [[1, 0], [2, 0]]);
});

test('key counts and keywords', () => {
  assert.deepEqual(keys('eval', 'return 1', '2', 'a', 'b', 'argv'), [[3, READ | WRITE], [4, READ | WRITE]]);
  assert.deepEqual(keys('eval', 'return 1', 'x', 'a'), []);
  assert.deepEqual(keys('zunionstore', 'd', '2', 'a', 'b'), [[1, WRITE], [3, READ], [4, READ]]);
  assert.deepEqual(keys('xread', 'COUNT', '1', 'STREAMS', 'a', 'b', '0', '0'), [[4, READ], [5, READ]]);
  assert.deepEqual(keys('lmpop', '2', 'a', 'b', 'LEFT'), [[2, READ | WRITE], [3, READ | WRITE]]);
});

test('the getkeys rules: SORT STORE, MIGRATE KEYS, SET GET, BITFIELD', () => {
  assert.deepEqual(keys('sort', 'l', 'BY', 'x', 'LIMIT', '0', '1', 'STORE', 'd'), [[1, READ], [8, WRITE]]);
  assert.deepEqual(keys('migrate', 'h', '1', '', '0', '10', 'KEYS', 'a', 'b'), [[7, READ | WRITE], [8, READ | WRITE]]);
  assert.deepEqual(keys('migrate', 'h', '1', 'k', '0', '10'), [[3, READ | WRITE]]);
  assert.deepEqual(keys('set', 'k', 'v'), [[1, WRITE]]);
  assert.deepEqual(keys('set', 'k', 'v', 'GET'), [[1, READ | WRITE]]);
  assert.deepEqual(keys('bitfield', 'k', 'GET', 'u8', '0'), [[1, READ]]);
  assert.deepEqual(keys('bitfield', 'k', 'INCRBY', 'u8', '0', '1'), [[1, READ | WRITE]]);
});
