// Function libraries are replicated state: they travel in snapshots (FCALL works on a state restored
// from one, which re-encodes to the same bytes), they are rebuilt by replaying the log's entries,
// FUNCTION DUMP's payload restores with each policy, and a state without libraries snapshots
// exactly as before functions (snapshot-steps.test.ts pins those bytes).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCairnError } from '../../src/lib/errors.js';
import { KvState } from '../../src/kv/state.js';
import { applyEntry, encodeEntry } from '../../src/kv/entry.js';
import { argv, plain } from './helpers.js';

const NOW_MS = 1_000_000;
const COUNTER = "#!lua name=counter\nredis.register_function('bump', function(keys) return redis.call('INCR', keys[1]) end)";
const GREETER = "#!lua name=greeter\nredis.register_function{function_name='greet', callback=function(_, args) return 'hello ' .. args[1] end, flags={'no-writes'}}";

function withLibraries(order: readonly string[] = [COUNTER, GREETER]): KvState {
  const state = new KvState();
  state.execute(argv('SET', 'k', 'v'), NOW_MS);
  for (const code of order) assert.equal(typeof plain(state.execute(argv('FUNCTION', 'LOAD', code), NOW_MS)), 'string');
  return state;
}

test('a snapshot carries the libraries: FCALL works on the restored state, which re-encodes alike', () => {
  const state = withLibraries();
  const bytes = state.encodeSnapshot();
  assert.equal(Buffer.from(bytes).subarray(0, 8).toString('latin1'), 'CAIRNFN1');
  const restored = KvState.decodeSnapshot(bytes);
  assert.deepEqual(Buffer.from(restored.encodeSnapshot()), Buffer.from(bytes));
  assert.deepEqual(plain(restored.execute(argv('FCALL', 'bump', '1', 'n'), NOW_MS)), 1);
  assert.deepEqual(plain(restored.execute(argv('FCALL_RO', 'greet', '0', 'you'), NOW_MS)), 'hello you');
  assert.deepEqual(plain(restored.execute(argv('GET', 'k'), NOW_MS)), 'v');
});

test('libraries and the script cache travel together; equal libraries give equal bytes whatever the load order', () => {
  const a = withLibraries();
  a.execute(argv('SCRIPT', 'LOAD', 'return 1'), NOW_MS);
  const b = withLibraries([GREETER, COUNTER]);
  b.execute(argv('SCRIPT', 'LOAD', 'return 1'), NOW_MS);
  assert.deepEqual(Buffer.from(b.encodeSnapshot()), Buffer.from(a.encodeSnapshot()));
  const restored = KvState.decodeSnapshot(a.encodeSnapshot());
  assert.deepEqual(plain(restored.execute(argv('EVALSHA', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', '0'), NOW_MS)), 1);
  assert.deepEqual(plain(restored.execute(argv('FCALL', 'bump', '1', 'n'), NOW_MS)), 1);
});

test('FUNCTION FLUSH empties the libraries: the snapshot is again the one of a state that never had any', () => {
  const state = withLibraries();
  state.execute(argv('FUNCTION', 'FLUSH'), NOW_MS);
  const plainState = new KvState();
  plainState.execute(argv('SET', 'k', 'v'), NOW_MS);
  assert.deepEqual(Buffer.from(state.encodeSnapshot()), Buffer.from(plainState.encodeSnapshot()));
});

test('replaying the log rebuilds the libraries', () => {
  const entries = [
    encodeEntry({ nowMs: NOW_MS, commands: [argv('FUNCTION', 'LOAD', COUNTER)] }),
    encodeEntry({ nowMs: NOW_MS, commands: [argv('FCALL', 'bump', '1', 'n'), argv('FUNCTION', 'LOAD', GREETER)] }),
  ];
  const replayed = new KvState();
  for (const entry of entries) applyEntry(replayed, entry);
  assert.deepEqual(plain(replayed.execute(argv('FCALL', 'bump', '1', 'n'), NOW_MS)), 2);
  assert.deepEqual(plain(replayed.execute(argv('FCALL', 'greet', '0', 'b'), NOW_MS)), 'hello b');
});

test('FUNCTION DUMP restores with APPEND (refusing a collision), REPLACE and FLUSH', () => {
  const source = withLibraries();
  const payload = source.execute(argv('FUNCTION', 'DUMP'), NOW_MS);
  assert.equal(payload.type, 'bulk');
  const dump = payload.type === 'bulk' ? Buffer.from(payload.value) : Buffer.alloc(0);
  const target = new KvState();
  const other = "#!lua name=other\nredis.register_function('other', function() return 'o' end)";
  target.execute(argv('FUNCTION', 'LOAD', other), NOW_MS);
  const restore = (...policy: string[]): unknown => plain(target.execute([Buffer.from('FUNCTION'), Buffer.from('RESTORE'), dump, ...policy.map((p) => Buffer.from(p))], NOW_MS));
  assert.deepEqual(restore(), { simple: 'OK' });
  assert.deepEqual(plain(target.execute(argv('FCALL', 'other', '0'), NOW_MS)), 'o');
  assert.match(JSON.stringify(restore('APPEND')), /Library counter already exists/);
  assert.deepEqual(plain(target.execute(argv('FUNCTION', 'STATS'), NOW_MS)), ['running_script', null, 'engines', ['LUA', ['libraries_count', 3, 'functions_count', 3]]]);
  assert.deepEqual(restore('REPLACE'), { simple: 'OK' });
  assert.deepEqual(restore('FLUSH'), { simple: 'OK' });
  assert.match(JSON.stringify(plain(target.execute(argv('FCALL', 'other', '0'), NOW_MS))), /Function not found/);
  assert.deepEqual(plain(target.execute(argv('FCALL', 'bump', '1', 'n'), NOW_MS)), 1);
  dump.writeUInt8(dump.readUInt8(dump.length - 1) ^ 1, dump.length - 1);
  assert.match(JSON.stringify(restore()), /DUMP payload version or checksum are wrong/);
});

test('a damaged functions section is rejected with CAIRN_CORRUPT', () => {
  const bytes = Buffer.from(withLibraries().encodeSnapshot());
  for (const cut of [8, 14, 40]) {
    assert.throws(() => KvState.decodeSnapshot(bytes.subarray(0, cut)), (e) => isCairnError(e, 'CAIRN_CORRUPT'), `cut at ${cut}`);
  }
  const flipped = Buffer.from(bytes);
  flipped.writeUInt8(flipped.readUInt8(20) ^ 1, 20);
  assert.throws(() => KvState.decodeSnapshot(flipped), (e) => isCairnError(e, 'CAIRN_CORRUPT'));
});
