// The sixteen databases in kv/: commands run in the database they name, MOVE keeps a key's expiry,
// SWAPDB trades contents and keeps WATCH versions of keys absent on both sides, FLUSHALL empties all,
// entries carry each command's database (format 2 only when one is not 0), and the snapshot of
// several databases round-trips while a database-0-only snapshot stays the plain format.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KvState } from '../../src/kv/state.js';
import { applyEntry, decodeEntry, encodeEntry } from '../../src/kv/entry.js';
import { isCairnError } from '../../src/lib/errors.js';
import { argv, plain } from './helpers.js';

const NOW = 1_000_000;

function runIn(state: KvState, db: number, ...parts: string[]): unknown {
  return plain(state.execute(argv(...parts), NOW, db));
}

test('each database holds its own keys', () => {
  const state = new KvState();
  runIn(state, 0, 'SET', 'k', 'zero');
  runIn(state, 5, 'SET', 'k', 'five');
  assert.equal(runIn(state, 0, 'GET', 'k'), 'zero');
  assert.equal(runIn(state, 5, 'GET', 'k'), 'five');
  assert.equal(runIn(state, 6, 'GET', 'k'), null);
  assert.equal(runIn(state, 5, 'DBSIZE'), 1);
  assert.equal(state.keyCount, 2);
  assert.deepEqual(state.keyspaceByDb(), [{ db: 0, keys: 1, expires: 0 }, { db: 5, keys: 1, expires: 0 }]);
});

test('MOVE carries the value and its expiry, and refuses an occupied target', () => {
  const state = new KvState();
  runIn(state, 0, 'SET', 'k', 'v', 'PX', '5000');
  runIn(state, 2, 'SET', 'taken', 'x');
  runIn(state, 0, 'SET', 'taken', 'y');
  assert.equal(runIn(state, 0, 'MOVE', 'k', '2'), 1);
  assert.equal(runIn(state, 0, 'EXISTS', 'k'), 0);
  assert.equal(runIn(state, 2, 'PTTL', 'k'), 5000);
  assert.equal(runIn(state, 0, 'MOVE', 'taken', '2'), 0);
  assert.equal(runIn(state, 0, 'GET', 'taken'), 'y');
});

test('SWAPDB trades contents; a WATCH on a key absent on both sides survives it', () => {
  const state = new KvState();
  runIn(state, 0, 'SET', 'a', '0');
  runIn(state, 1, 'SET', 'b', '1');
  const absent = state.keyVersion('nowhere', NOW, 0);
  const present = state.keyVersion('a', NOW, 0);
  assert.deepEqual(plain(state.execute(argv('SWAPDB', '0', '1'), NOW)), { simple: 'OK' });
  assert.equal(runIn(state, 0, 'GET', 'b'), '1');
  assert.equal(runIn(state, 1, 'GET', 'a'), '0');
  assert.equal(state.keyVersion('nowhere', NOW, 0), absent, 'an absent key keeps its version');
  assert.notEqual(state.keyVersion('a', NOW, 0), present, 'a key that was present changed');
  assert.notEqual(state.keyVersion('a', NOW, 1), present, 'and its copy in the other database is new');
});

test('FLUSHALL empties every database, FLUSHDB only its own', () => {
  const state = new KvState();
  for (const db of [0, 3, 15]) runIn(state, db, 'SET', 'k', String(db));
  runIn(state, 3, 'FLUSHDB');
  assert.deepEqual(state.keyspaceByDb().map((d) => d.db), [0, 15]);
  runIn(state, 15, 'FLUSHALL');
  assert.equal(state.keyCount, 0);
});

test('entries carry each command\'s database; format 1 is kept while all are 0', () => {
  const plainEntry = encodeEntry({ nowMs: NOW, commands: [argv('SET', 'k', 'v')], dbs: [0] });
  assert.equal(plainEntry[0], 1);
  const entry = encodeEntry({ nowMs: NOW, commands: [argv('SET', 'k', 'v'), argv('SET', 'k', 'w')], dbs: [0, 7], watches: [{ key: Buffer.from('k'), version: 0, db: 7 }] });
  assert.equal(entry[0], 2);
  const decoded = decodeEntry(entry);
  assert.deepEqual(decoded.dbs, [0, 7]);
  assert.equal(decoded.watches?.[0]?.db, 7);
  const state = new KvState();
  applyEntry(state, entry);
  assert.equal(runIn(state, 0, 'GET', 'k'), 'v');
  assert.equal(runIn(state, 7, 'GET', 'k'), 'w');
  const bad = Buffer.from(entry);
  bad[1 + 8 + 4] = 16; // the first command's database index
  assert.throws(() => decodeEntry(bad), (error: unknown) => isCairnError(error, 'CAIRN_CORRUPT'));
});

test('a snapshot of several databases round-trips; database 0 alone keeps the plain format', () => {
  const state = new KvState();
  runIn(state, 0, 'SET', 'k', 'zero');
  assert.equal(Buffer.from(state.encodeSnapshot()).subarray(0, 7).toString('latin1'), 'CAIRNKV');
  runIn(state, 4, 'SET', 'k', 'four', 'PX', '100000');
  runIn(state, 15, 'SET', 'other', 'x');
  const bytes = state.encodeSnapshot();
  const restored = KvState.decodeSnapshot(bytes);
  assert.equal(runIn(restored, 4, 'GET', 'k'), 'four');
  assert.equal(runIn(restored, 4, 'PTTL', 'k'), 100000);
  assert.equal(runIn(restored, 15, 'GET', 'other'), 'x');
  assert.deepEqual(Buffer.from(restored.encodeSnapshot()), Buffer.from(bytes));
  const corrupt = Buffer.from(bytes);
  corrupt.writeUInt32LE(99, 12); // the first database's index
  assert.throws(() => KvState.decodeSnapshot(corrupt), (error: unknown) => isCairnError(error, 'CAIRN_CORRUPT'));
});
