// Determinism: the same entries applied to two fresh states give identical replies and
// byte-identical snapshots; a state restored from a snapshot behaves exactly like the original.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../src/lib/prng.js';
import { applyEntry, encodeEntry } from '../../src/kv/entry.js';
import { KvState } from '../../src/kv/state.js';
import { argv, plain } from './helpers.js';

const KEYS = ['a', 'b', 'c', 'd', 'counter', 'f', 'long:key:name'];

function randomCommand(prng: Prng): Uint8Array[] {
  const k = () => prng.pick(KEYS);
  const n = () => String(prng.int(-5, 200));
  const choices: (() => string[])[] = [
    () => ['SET', k(), `v${prng.int(0, 9)}`],
    () => ['SET', k(), n(), 'PX', String(prng.int(1, 500))],
    () => ['SET', k(), 'x', prng.pick(['NX', 'XX', 'GET', 'KEEPTTL'])],
    () => ['SET', k(), 'y', 'IFEQ', `v${prng.int(0, 9)}`],
    () => ['GET', k()], () => ['DEL', k(), k()], () => ['INCR', 'counter'], () => ['INCRBY', k(), n()],
    () => ['INCRBYFLOAT', k(), '0.1'], () => ['APPEND', k(), 'zz'], () => ['SETRANGE', k(), String(prng.int(0, 5)), 'Q'],
    () => ['EXPIRE', k(), n()], () => ['PEXPIRE', k(), n(), prng.pick(['NX', 'XX', 'GT', 'LT'])], () => ['PERSIST', k()],
    () => ['RENAME', k(), k()], () => ['GETEX', k(), 'PX', String(prng.int(1, 300))], () => ['GETDEL', k()],
    () => ['MSET', k(), '1', k(), '2'], () => ['DELEX', k(), 'IFNE', 'v1'], () => ['CAIRN.EXPIRED', k()],
    () => ['SCAN', '0', 'COUNT', '3'], () => ['KEYS', '*'], () => ['PTTL', k()], () => ['FLUSHALL'],
  ];
  const weights = choices.map((_, i) => (i === choices.length - 1 ? 0.02 : 1));
  let r = prng.next() * weights.reduce((x, y) => x + y, 0);
  for (let i = 0; i < choices.length; i++) {
    r -= weights[i] as number;
    if (r <= 0) return argv(...(choices[i] as () => string[])());
  }
  return argv('GET', 'a');
}

/** Entries of 1-3 commands at non-decreasing times, some watching keys at versions read from `reference`. */
function randomEntries(seed: number, count: number): Uint8Array[] {
  const prng = new Prng(seed);
  const reference = new KvState();
  const entries: Uint8Array[] = [];
  let nowMs = 1_000_000;
  for (let i = 0; i < count; i++) {
    nowMs += prng.int(0, 60);
    const commands = Array.from({ length: prng.int(1, 3) }, () => randomCommand(prng));
    const watched = prng.chance(0.2) ? prng.pick(KEYS) : undefined;
    const watches = watched === undefined ? [] : [{ key: argv(watched)[0]!, version: reference.keyVersion(watched, nowMs) + (prng.chance(0.3) ? 1 : 0) }];
    const entry = encodeEntry({ nowMs, commands, watches });
    applyEntry(reference, entry);
    entries.push(entry);
  }
  return entries;
}

test('the same entries give identical replies and byte-identical snapshots on two states', () => {
  for (const seed of [1, 2, 3]) {
    const entries = randomEntries(seed, 3000);
    const a = new KvState();
    const b = new KvState();
    for (const entry of entries) assert.deepEqual(applyEntry(a, entry).map(plain), applyEntry(b, entry).map(plain), `seed ${seed}`);
    assert.deepEqual(Buffer.from(a.encodeSnapshot()), Buffer.from(b.encodeSnapshot()), `seed ${seed}`);
  }
});

test('a state restored from a snapshot behaves exactly like the original', () => {
  for (const seed of [4, 5, 6]) {
    const entries = randomEntries(seed, 3000);
    const original = new KvState();
    entries.slice(0, 1500).forEach((entry) => applyEntry(original, entry));
    const restored = KvState.decodeSnapshot(original.encodeSnapshot());
    for (const entry of entries.slice(1500)) {
      assert.deepEqual(applyEntry(restored, entry).map(plain), applyEntry(original, entry).map(plain), `seed ${seed}`);
    }
    assert.deepEqual(Buffer.from(restored.encodeSnapshot()), Buffer.from(original.encodeSnapshot()), `seed ${seed}`);
    for (const key of KEYS) assert.equal(restored.keyVersion(key, 0), original.keyVersion(key, 0));
  }
});

test('a SCAN cursor taken before a snapshot continues identically after restore', () => {
  const state = new KvState();
  for (let i = 0; i < 100; i++) state.execute(argv('SET', `k${i}`, 'v'), 0);
  for (let i = 0; i < 100; i += 4) state.execute(argv('DEL', `k${i}`), 0);
  const first = state.execute(argv('SCAN', '0', 'COUNT', '10'), 0);
  assert.equal(first.type, 'array');
  const cursor = first.type === 'array' && first.items[0]?.type === 'bulk' ? Buffer.from(first.items[0].value).toString() : '';
  const restored = KvState.decodeSnapshot(state.encodeSnapshot());
  assert.deepEqual(plain(restored.execute(argv('SCAN', cursor, 'COUNT', '10'), 0)), plain(state.execute(argv('SCAN', cursor, 'COUNT', '10'), 0)));
});
