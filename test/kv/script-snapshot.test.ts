// The script cache is replicated state: it travels in snapshots (EVALSHA works on a state restored
// from one, and re-encodes to the same bytes), it is rebuilt by replaying the log's entries, and a
// state without scripts snapshots exactly as before scripting (snapshot-steps.test.ts pins those bytes).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { isCairnError } from '../../src/lib/errors.js';
import { KvState } from '../../src/kv/state.js';
import { applyEntry, encodeEntry } from '../../src/kv/entry.js';
import { argv, plain } from './helpers.js';

const NOW_MS = 1_000_000;
const COUNTER = "return redis.call('incr', KEYS[1])";
const GREETING = 'return "hello " .. ARGV[1]';
const sha1 = (body: string): string => createHash('sha1').update(body).digest('hex');

function withScripts(): KvState {
  const state = new KvState();
  state.execute(argv('SET', 'k', 'v'), NOW_MS);
  assert.equal(plain(state.execute(argv('SCRIPT', 'LOAD', COUNTER), NOW_MS)), sha1(COUNTER));
  assert.deepEqual(plain(state.execute(argv('EVAL', GREETING, '0', 'x'), NOW_MS)), 'hello x');
  return state;
}

test('a snapshot carries the script cache: EVALSHA works on the restored state, which re-encodes alike', () => {
  const state = withScripts();
  const bytes = state.encodeSnapshot();
  assert.equal(Buffer.from(bytes).subarray(0, 8).toString('latin1'), 'CAIRNSCR');
  const restored = KvState.decodeSnapshot(bytes);
  assert.deepEqual(Buffer.from(restored.encodeSnapshot()), Buffer.from(bytes));
  assert.deepEqual(plain(restored.execute(argv('EVALSHA', sha1(COUNTER), '1', 'n'), NOW_MS)), 1);
  assert.deepEqual(plain(restored.execute(argv('EVALSHA', sha1(GREETING), '0', 'y'), NOW_MS)), 'hello y');
  assert.deepEqual(plain(restored.execute(argv('SCRIPT', 'EXISTS', sha1(COUNTER), sha1(GREETING), sha1('other')), NOW_MS)), [1, 1, 0]);
  assert.deepEqual(plain(restored.execute(argv('GET', 'k'), NOW_MS)), 'v');
});

test('the same script cache gives the same bytes whatever order the scripts were loaded in', () => {
  const a = withScripts();
  const b = new KvState();
  b.execute(argv('SET', 'k', 'v'), NOW_MS);
  b.execute(argv('SCRIPT', 'LOAD', GREETING), NOW_MS);
  b.execute(argv('SCRIPT', 'LOAD', COUNTER), NOW_MS);
  assert.deepEqual(Buffer.from(b.encodeSnapshot()), Buffer.from(a.encodeSnapshot()));
});

test('SCRIPT FLUSH empties the cache: the snapshot is again the one of a state that never had scripts', () => {
  const state = withScripts();
  state.execute(argv('SCRIPT', 'FLUSH'), NOW_MS);
  const plainState = new KvState();
  plainState.execute(argv('SET', 'k', 'v'), NOW_MS);
  assert.deepEqual(Buffer.from(state.encodeSnapshot()), Buffer.from(plainState.encodeSnapshot()));
  assert.match(JSON.stringify(plain(KvState.decodeSnapshot(state.encodeSnapshot()).execute(argv('EVALSHA', sha1(COUNTER), '1', 'n'), NOW_MS))), /NOSCRIPT/);
});

test('replaying the log rebuilds the cache: EVALSHA after SCRIPT LOAD and EVAL entries', () => {
  const entries = [
    encodeEntry({ nowMs: NOW_MS, commands: [argv('SCRIPT', 'LOAD', COUNTER)] }),
    encodeEntry({ nowMs: NOW_MS, commands: [argv('EVAL', GREETING, '0', 'a'), argv('EVALSHA', sha1(COUNTER), '1', 'n')] }),
  ];
  const replayed = new KvState();
  for (const entry of entries) applyEntry(replayed, entry);
  assert.deepEqual(plain(replayed.execute(argv('EVALSHA', sha1(GREETING), '0', 'b'), NOW_MS)), 'hello b');
  assert.deepEqual(plain(replayed.execute(argv('EVALSHA', sha1(COUNTER), '1', 'n'), NOW_MS)), 2);
});

test('a damaged scripts section is rejected with CAIRN_CORRUPT', () => {
  const bytes = Buffer.from(withScripts().encodeSnapshot());
  for (const cut of [9, 14, 20]) {
    assert.throws(() => KvState.decodeSnapshot(bytes.subarray(0, cut)), (e) => isCairnError(e, 'CAIRN_CORRUPT'), `cut at ${cut}`);
  }
  const huge = Buffer.from(bytes);
  huge.writeUInt32LE(0xffffffff, 8);
  assert.throws(() => KvState.decodeSnapshot(huge), (e) => isCairnError(e, 'CAIRN_CORRUPT'));
});
