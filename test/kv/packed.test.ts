// Plain string keys are held as packed entries (src/kv/packed.ts), with their version and sequence
// number in the string: these check that the packing round-trips, that an entry becomes a record
// and back as its key gains and loses what a packed entry cannot hold, and that WATCH versions,
// OBJECT ENCODING, MEMORY USAGE and snapshots see no difference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { KvState } from '../../src/kv/state.js';
import { pack, packedSeq, packedValue, packedValueBytes, packedVersion, repack } from '../../src/kv/packed.js';
import { session } from './helpers.js';

test('pack round-trips versions and sequence numbers of every width, and any bytes', () => {
  const scratch = Buffer.alloc(64);
  const numbers = [0, 1, 255, 256, 65_535, 2 ** 24, 2 ** 32 + 7, 2 ** 48 - 1, Number.MAX_SAFE_INTEGER];
  const value = Uint8Array.from([0, 255, 13, 10, 128, 65]);
  for (const version of numbers) {
    for (const seq of numbers) {
      const packed = pack(scratch, version, seq, value);
      assert.equal(packedVersion(packed), version);
      assert.equal(packedSeq(packed), seq);
      assert.deepEqual(Buffer.from(packedValue(packed), 'latin1'), Buffer.from(value));
      assert.equal(packedValueBytes(packed), value.length);
      const again = repack(scratch, packed, version + 1 <= Number.MAX_SAFE_INTEGER ? version + 1 : 0);
      assert.equal(packedSeq(again), seq);
      assert.equal(packedValue(again), packedValue(packed));
    }
  }
  assert.equal(packedValue(pack(scratch, 5, 6, '')), '');
  assert.equal(packedValue(pack(scratch, 5, 6, 'text')), 'text');
});

test('a plain SET is packed; INCR, APPEND, EXPIRE and SETRANGE make it a record; SET packs it again', () => {
  const { state, run } = session();
  const db = state.database(0);
  const packed = (key: string): boolean => typeof db.map.get(key) === 'string';
  run('SET', 'k', '10');
  assert.ok(packed('k'));
  const versions = [state.keyVersion('k')];
  for (const command of [['INCR', 'k'], ['APPEND', 'k', 'x'], ['SETRANGE', 'k', '0', 'y'], ['EXPIRE', 'k', '100']]) {
    run('SET', 'k', '10');
    versions.push(state.keyVersion('k'));
    assert.ok(packed('k'), `SET packs k before ${command[0]}`);
    run(...command);
    assert.ok(!packed('k'), `${command[0]} makes k a record`);
    versions.push(state.keyVersion('k'));
  }
  assert.equal(new Set(versions).size, versions.length, 'every modification changes the version');
  run('SET', 'k', 'v', 'EX', '100');
  assert.ok(!packed('k'), 'an expiry needs a record');
  run('SET', 'k', 'v');
  assert.ok(packed('k'));
  assert.equal(run('TTL', 'k'), -1);
});

test('packed keys answer OBJECT ENCODING, MEMORY USAGE, SCAN and TYPE as records did', () => {
  const { run } = session();
  run('MSET', 'int', '12345', 'short', 'hello', 'long', 'x'.repeat(100));
  assert.deepEqual(run('OBJECT', 'ENCODING', 'int'), 'int');
  assert.deepEqual(run('OBJECT', 'ENCODING', 'short'), 'embstr');
  assert.deepEqual(run('OBJECT', 'ENCODING', 'long'), 'raw');
  assert.deepEqual(run('OBJECT', 'REFCOUNT', 'int'), 1);
  run('SET', 'shared', '99');
  assert.deepEqual(run('OBJECT', 'REFCOUNT', 'shared'), 2147483647, 'a shared integer, as in Redis');
  run('DEL', 'shared');
  assert.deepEqual(run('MEMORY', 'USAGE', 'long'), 160, 'as redis-server 7.0 answers');
  assert.deepEqual(run('TYPE', 'short'), { simple: 'string' });
  assert.deepEqual(run('SCAN', '0', 'COUNT', '10'), ['0', ['int', 'short', 'long']]);
  run('DEL', 'int');
  run('SET', 'int', '1');
  assert.deepEqual(run('SCAN', '0', 'COUNT', '10'), ['0', ['short', 'long', 'int']], 'a re-added key goes last');
});

test('WATCH versions of packed keys change on SWAPDB, and snapshots of packed and record keys round-trip byte for byte', () => {
  const { state, run } = session();
  run('MSET', 'a', '1', 'b', 'two');
  run('SET', 'c', 'x', 'PX', '100000');
  run('INCR', 'a');
  const before = state.keyVersion('b');
  run('SWAPDB', '0', '1');
  run('SWAPDB', '0', '1');
  assert.notEqual(state.keyVersion('b'), before);
  const bytes = state.encodeSnapshot();
  const restored = KvState.decodeSnapshot(bytes);
  assert.deepEqual(Buffer.from(restored.encodeSnapshot()), Buffer.from(bytes));
  for (const key of ['a', 'b', 'c']) assert.equal(restored.keyVersion(key), state.keyVersion(key));
  assert.equal(typeof restored.database(0).map.get('b'), 'string', 'a restored plain string is packed');
  assert.equal(typeof restored.database(0).map.get('c'), 'object', 'a restored expiring string is a record');
});
