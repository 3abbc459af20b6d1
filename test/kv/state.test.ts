import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KvState } from '../../src/kv/state.js';
import { applyEntry, decodeEntry, encodeEntry } from '../../src/kv/entry.js';
import { isCairnError } from '../../src/lib/errors.js';
import { argv, err, OK, plain, session } from './helpers.js';

test('SET, GET and DEL round-trip binary keys and values', () => {
  const { state, run } = session();
  const key = new Uint8Array([0, 255, 13, 10]);
  const value = new Uint8Array([1, 2, 0, 200]);
  assert.deepEqual(run('SET', key, value), OK);
  assert.deepEqual(state.getValue(Buffer.from(key).toString('latin1'), 0), Buffer.from(value));
  assert.deepEqual(run('get', key), Buffer.from(value).toString('latin1'));
  assert.deepEqual(run('DEL', key, 'missing'), 1);
  assert.deepEqual(run('GET', key), null);
  assert.equal(state.keyCount, 0);
});

test('the stored value is a private copy, not a view of the caller\'s buffer', () => {
  const state = new KvState();
  const value = Buffer.from('abc');
  state.execute(argv('SET', 'k', value), 0);
  value[0] = 0x7a;
  assert.equal(Buffer.from(state.getValue('k', 0) ?? []).toString(), 'abc');
});

test('unknown commands and wrong arity get Redis\'s exact texts', () => {
  const { run } = session();
  assert.deepEqual(run('GET'), err("ERR wrong number of arguments for 'get' command"));
  assert.deepEqual(run('gEt', 'a', 'b'), err("ERR wrong number of arguments for 'get' command"));
  assert.deepEqual(run('NOPE', 'a', 'b'), err("ERR unknown command 'NOPE', with args beginning with: 'a' 'b' "));
});

test('keyVersion changes on every modification, including deletes of absent-then-created keys', () => {
  const { state, run } = session();
  const v0 = state.keyVersion('k');
  run('SET', 'k', '1');
  const v1 = state.keyVersion('k');
  assert.notEqual(v1, v0);
  run('GET', 'k');
  assert.equal(state.keyVersion('k'), v1);
  run('SET', 'k', '2');
  const v2 = state.keyVersion('k');
  assert.notEqual(v2, v1);
  run('DEL', 'k');
  assert.notEqual(state.keyVersion('k'), v2);
  assert.notEqual(state.keyVersion('k'), v0);
  run('SET', 'other', 'x');
  const vk = state.keyVersion('k');
  run('DEL', 'other');
  assert.equal(state.keyVersion('k'), vk, 'an unrelated delete leaves k\'s version alone');
});

test('snapshot round-trips values, expiries and versions byte for byte', () => {
  const { state, run, clock } = session(5000);
  run('SET', 'a', '1');
  run('SET', 'b', '2', 'PX', '100');
  run('SET', 'c', '3');
  run('DEL', 'c');
  const bytes = state.encodeSnapshot();
  const restored = KvState.decodeSnapshot(bytes);
  assert.deepEqual(Buffer.from(restored.encodeSnapshot()), Buffer.from(bytes));
  assert.equal(restored.keyVersion('c'), state.keyVersion('c'));
  assert.equal(restored.keyVersion('a'), state.keyVersion('a'));
  assert.deepEqual(plain(restored.execute(argv('PTTL', 'b'), clock.nowMs)), 100);
  assert.deepEqual(plain(restored.execute(argv('GET', 'b'), clock.nowMs + 100)), null);
});

test('snapshot decode rejects malformed bytes with CAIRN_CORRUPT and unknown versions with CAIRN_FORMAT', () => {
  const { state, run } = session();
  run('SET', 'a', '1');
  run('SET', 'b', '2');
  const good = state.encodeSnapshot();
  for (let cut = 0; cut < good.length; cut++) {
    assert.throws(() => KvState.decodeSnapshot(good.subarray(0, cut)), (e) => isCairnError(e, 'CAIRN_CORRUPT'));
  }
  const longer = new Uint8Array(good.length + 1);
  longer.set(good);
  assert.throws(() => KvState.decodeSnapshot(longer), (e) => isCairnError(e, 'CAIRN_CORRUPT'));
  const future = Uint8Array.from(good);
  future[8] = 99;
  assert.throws(() => KvState.decodeSnapshot(future), (e) => isCairnError(e, 'CAIRN_FORMAT'));
});

test('entries round-trip and apply atomically with one reply per command', () => {
  const state = new KvState();
  const bytes = encodeEntry({ nowMs: 10, commands: [argv('SET', 'a', '1', 'EX', '5'), argv('GET', 'a'), argv('PTTL', 'a')] });
  const decoded = decodeEntry(bytes);
  assert.equal(decoded.nowMs, 10);
  assert.equal(decoded.commands.length, 3);
  assert.deepEqual(applyEntry(state, bytes).map(plain), [OK, '1', 5000]);
  assert.deepEqual(plain(state.execute(argv('PEXPIRETIME', 'a'), 11)), 5010);
});

test('a watched key changed since WATCH aborts the whole entry with a null array', () => {
  const state = new KvState();
  state.execute(argv('SET', 'w', '1'), 0);
  const version = state.keyVersion('w', 0);
  const entry = encodeEntry({ nowMs: 1, commands: [argv('SET', 'w', '3'), argv('SET', 'x', '1')], watches: [{ key: argv('w')[0]!, version }] });
  state.execute(argv('SET', 'w', '2'), 0);
  assert.deepEqual(applyEntry(state, entry), [{ type: 'nullArray' }]);
  assert.equal(state.keyCount, 1);
  const fresh = encodeEntry({ nowMs: 1, commands: [argv('SET', 'w', '3')], watches: [{ key: argv('w')[0]!, version: state.keyVersion('w', 1) }] });
  assert.deepEqual(applyEntry(state, fresh).map(plain), [OK]);
});

test('decodeEntry throws CAIRN_CORRUPT on every truncation and on garbage, never crashes', () => {
  const bytes = encodeEntry({ nowMs: 10, commands: [argv('SET', 'a', '1')], watches: [{ key: argv('a')[0]!, version: 3 }] });
  for (let cut = 0; cut < bytes.length; cut++) {
    assert.throws(() => decodeEntry(bytes.subarray(0, cut)), (e) => isCairnError(e, 'CAIRN_CORRUPT'));
  }
  const garbage = new Uint8Array(64).fill(0xff);
  garbage[0] = 1;
  assert.throws(() => decodeEntry(garbage), (e) => isCairnError(e, 'CAIRN_CORRUPT'));
});

test('versions of long-deleted keys fall back to a floor that still differs from what WATCH saw', () => {
  const { state, run } = session();
  run('SET', 'first', 'v');
  const live = state.keyVersion('first');
  run('DEL', 'first');
  const deleted = state.keyVersion('first');
  assert.notEqual(deleted, live);
  for (let i = 0; i < 70_000; i++) {
    run('SET', `k${i}`, 'v');
    run('DEL', `k${i}`);
  }
  const forgotten = state.keyVersion('first');
  assert.notEqual(forgotten, deleted, 'forgetting a tombstone moves the floor');
  assert.notEqual(forgotten, live);
  assert.equal(state.keyVersion('k69999'), state.keyVersion('k69999'));
  const restored = KvState.decodeSnapshot(state.encodeSnapshot());
  assert.equal(restored.keyVersion('first'), forgotten);
  assert.equal(restored.keyVersion('k69999'), state.keyVersion('k69999'));
});

test('a snapshot naming one key twice is CAIRN_CORRUPT', () => {
  const { state, run } = session();
  run('SET', 'a', '1');
  run('SET', 'b', '2');
  const bytes = Buffer.from(state.encodeSnapshot());
  const second = bytes.lastIndexOf(Buffer.from('b'));
  bytes[second] = 'a'.charCodeAt(0);
  assert.throws(() => KvState.decodeSnapshot(bytes), (e) => isCairnError(e, 'CAIRN_CORRUPT') && /repeated key/.test((e as Error).message));
});

test('reads of a long value share its bytes; short values are copied into fresh buffers', () => {
  const { state, run } = session();
  const long = 'v'.repeat(1024 * 1024);
  run('SET', 'long', long);
  const first = state.getValue('long', 0)!;
  assert.equal(state.getValue('long', 0), first, 'a 1 MiB value is handed out as the same bytes, not a copy per read');
  run('SET', 'grown', 'x'.repeat(4000));
  for (let i = 0; i < 10; i++) run('APPEND', 'grown', 'y'.repeat(100)); // joined as strings
  const grown = state.getValue('grown', 0)!;
  assert.equal(grown.length, 5000);
  assert.equal(state.getValue('grown', 0), grown, 'an appended long value becomes shared bytes on its first read');
  run('APPEND', 'grown', 'z');
  assert.equal(Buffer.from(grown).toString('latin1'), 'x'.repeat(4000) + 'y'.repeat(1000), 'bytes handed out stay as they were');
  assert.equal(run('STRLEN', 'grown'), 5001);
  run('SET', 'short', 'abc');
  assert.notEqual(state.getValue('short', 0), state.getValue('short', 0));
  assert.equal(Buffer.from(state.getValue('short', 0)!).toString(), 'abc');
});
