// The keyspace's running size estimate (Db.datasetBytes), which maxmemory compares against, never
// drifts from the sum of every key's figure (dataset-bytes.ts) whatever commands run: random
// entries of every type in four databases (RENAME, MOVE, COPY, SWAPDB, FLUSHDB, SPOP, expiry and
// blocking pops among them), checked after each entry and after a snapshot restore (a restored
// collection may be held in another form, so its figure may differ from the original's). For
// strings SET made and for collections the figure is MEMORY USAGE's.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { Prng } from '../../src/lib/prng.js';
import { applyEntry, encodeEntry } from '../../src/kv/entry.js';
import { keyEntryBytes, setStringBytes } from '../../src/kv/dataset-bytes.js';
import { KvState } from '../../src/kv/state.js';
import { ALL_KEYS, Workload } from '../support/type-workload.js';
import { argv } from './helpers.js';

/** The estimate recounted from scratch: every key's figure in every database. */
function recounted(state: KvState): number {
  let bytes = 0;
  for (const index of state.usedDatabases()) {
    const db = state.database(index);
    for (const key of db.keys()) {
      const record = db.peek(key);
      assert.ok(record !== undefined);
      bytes += keyEntryBytes(key.length) + (record.collection === null ? setStringBytes(record.valueBytes) : record.collection.memoryBytes());
    }
  }
  return bytes;
}

test('the running estimate equals the recounted sum after every entry of a random workload of every type', () => {
  for (const seed of [1, 2, 3]) {
    const workload = new Workload(seed);
    const prng = new Prng(seed + 100);
    const state = new KvState();
    let nowMs = 1_000_000;
    let peakBytes = 0;
    for (let i = 0; i < 3000; i++) {
      nowMs += prng.int(0, 40);
      const commands = Array.from({ length: prng.int(1, 4) }, () => (prng.chance(0.02) ? ['CAIRN.EXPIRED', prng.pick(ALL_KEYS)] : workload.next()));
      const dbs = commands.map(() => (prng.chance(0.6) ? 0 : prng.int(1, 3)));
      applyEntry(state, encodeEntry({ nowMs, commands: commands.map((words) => argv(...words)), watches: [], dbs }));
      assert.equal(state.datasetBytes(), recounted(state), `seed ${seed}, entry ${i}: ${commands.map((c) => c[0]).join(' ')}`);
      peakBytes = Math.max(peakBytes, state.datasetBytes());
    }
    assert.ok(peakBytes > 1000, `seed ${seed}: the workload held data (${peakBytes} bytes at most)`);
    const restored = KvState.decodeSnapshot(state.encodeSnapshot());
    assert.equal(restored.datasetBytes(), recounted(restored), `seed ${seed}: a restored state counts what it holds`);
  }
});

test('per key the estimate is MEMORY USAGE for SET strings and collections; an emptied database counts 0', () => {
  const state = new KvState();
  const run = (...words: string[]): unknown => state.execute(words.map((w) => Buffer.from(w)), 1_000_000, 0);
  const usage = (key: string): number => {
    const reply = state.execute([Buffer.from('MEMORY'), Buffer.from('USAGE'), Buffer.from(key)], 1_000_000, 0) as { value: number };
    return reply.value;
  };
  run('SET', 'short', 'abc');
  run('SET', 'long', 'v'.repeat(1000));
  run('HSET', 'hash', 'f1', 'v1', 'f2', 'v2');
  run('RPUSH', 'list', 'a', 'b', 'c');
  run('SADD', 'set', 'x', 'y');
  run('ZADD', 'zset', '1', 'a');
  run('XADD', 'stream', '1-1', 'f', 'v');
  const keys = ['short', 'long', 'hash', 'list', 'set', 'zset', 'stream'];
  const sum = keys.reduce((total, key) => total + usage(key), 0);
  assert.equal(state.datasetBytes(), sum, 'the estimate is the sum of MEMORY USAGE');
  run('HSET', 'hash', 'f3', 'x'.repeat(200));
  assert.equal(state.datasetBytes(), keys.reduce((total, key) => total + usage(key), 0), 'a collection changed in place is recounted');
  run('FLUSHALL');
  assert.equal(state.datasetBytes(), 0);
});
