// Which keys the evictor picks, by policy, on a kv state built directly: volatile-* never pick a
// key without a TTL, volatile-ttl takes the nearest expiries across databases, allkeys-lru keys the
// access clock does not know and then the known ones least recently used first, picks stop once
// their figures cover the excess or at the round's bound, and never repeat a key. The access
// clock keeps only its newest keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { KvState } from '../../src/kv/state.js';
import { Prng } from '../../src/lib/prng.js';
import { AccessClock, TRACKED_KEYS_MAX } from '../../src/server/access-clock.js';
import { chooseVictims, type ChoiceInput } from '../../src/server/eviction-choice.js';

const NOW_MS = 1_000_000;

function run(state: KvState, db: number, ...argv: string[]): void {
  state.execute(argv.map((a) => Buffer.from(a)), NOW_MS, db);
}

function input(state: KvState, policy: ChoiceInput['policy'], overBytes: number, access = new AccessClock(), keysMax = 256): ChoiceInput {
  const prng = new Prng(7);
  return {
    dbs: state.usedDatabases().map((index) => [index, state.database(index)] as const),
    policy, overBytes, keysMax, access, random: () => prng.next(),
  };
}

test('volatile-random and volatile-lru pick only keys with a TTL, each once; nothing when none has one', () => {
  const state = new KvState();
  for (let i = 0; i < 50; i++) run(state, 0, 'SET', `plain${i}`, 'v');
  for (let i = 0; i < 20; i++) run(state, i % 2 === 0 ? 0 : 5, 'SET', `ttl${i}`, 'v', 'EX', '100');
  for (const policy of ['volatile-random', 'volatile-lru'] as const) {
    const victims = chooseVictims(input(state, policy, Number.MAX_SAFE_INTEGER));
    assert.equal(victims.length, 20, `${policy}: every key with a TTL, no other`);
    assert.ok(victims.every((v) => v.key.startsWith('ttl')));
    assert.equal(new Set(victims.map((v) => `${v.db}:${v.key}`)).size, 20, 'no key twice');
    assert.deepEqual([...new Set(victims.map((v) => v.db))].sort(), [0, 5], 'across databases');
  }
  const plain = new KvState();
  run(plain, 0, 'SET', 'k', 'v');
  assert.deepEqual(chooseVictims(input(plain, 'volatile-ttl', 1000)), []);
  assert.deepEqual(chooseVictims(input(plain, 'volatile-random', 1000)), []);
});

test('volatile-ttl takes the nearest expiries first, across databases', () => {
  const state = new KvState();
  const ttls = [50, 10, 40, 20, 30];
  ttls.forEach((ttl, i) => run(state, i % 3, 'SET', `k${ttl}`, 'v', 'EX', String(ttl)));
  run(state, 0, 'SET', 'plain', 'v');
  const one = chooseVictims(input(state, 'volatile-ttl', 1)); // any key covers one byte
  assert.deepEqual(one.map((v) => v.key), ['k10']);
  const all = chooseVictims(input(state, 'volatile-ttl', Number.MAX_SAFE_INTEGER));
  assert.deepEqual(all.map((v) => v.key), ['k10', 'k20', 'k30', 'k40', 'k50']);
  assert.equal(state.database(0).expiry.size >= 2, true, 'the heap keeps its entries');
});

test('picks stop once their estimated bytes cover the excess, or at the round bound', () => {
  const state = new KvState();
  for (let i = 0; i < 100; i++) run(state, 0, 'SET', `k${i}`, 'v'.repeat(100));
  const few = chooseVictims(input(state, 'allkeys-random', 500));
  const freed = few.reduce((sum, v) => sum + v.bytes, 0);
  assert.ok(freed >= 500 && freed - few.at(-1)!.bytes < 500, `stops at the first pick that covers 500 bytes (${few.length} picks, ${freed} bytes)`);
  assert.equal(chooseVictims(input(state, 'allkeys-random', Number.MAX_SAFE_INTEGER, new AccessClock(), 30)).length, 30);
  assert.equal(chooseVictims(input(state, 'allkeys-random', Number.MAX_SAFE_INTEGER)).length, 100);
});

test('allkeys-lru takes keys the access clock does not know first, then the known ones used longest ago first, exactly', () => {
  const state = new KvState();
  const access = new AccessClock();
  for (let i = 0; i < 40; i++) {
    run(state, i % 2 === 0 ? 0 : 2, 'SET', `k${i}`, 'v');
    access.touch(i % 2 === 0 ? 0 : 2, `k${i}`);
  }
  access.touch(0, 'k0'); // used again: now the newest
  run(state, 0, 'SET', 'unseen', 'v');
  access.touch(0, 'gone'); // known, but deleted since
  for (let seed = 1; seed <= 20; seed++) {
    const prng = new Prng(seed);
    const picks = chooseVictims({ ...input(state, 'allkeys-lru', Number.MAX_SAFE_INTEGER, access, 100), random: () => prng.next() }).map((v) => v.key);
    assert.equal(picks.length, 41, 'every key once');
    const known = picks.filter((key) => key !== 'unseen');
    assert.deepEqual(known, [...Array.from({ length: 39 }, (_, i) => `k${i + 1}`), 'k0'], 'known keys in the order they were last used');
    const one = chooseVictims({ ...input(state, 'allkeys-lru', 1, access), random: () => prng.next() }).map((v) => v.key);
    assert.ok(one[0] === 'unseen' || one[0] === 'k1', `one pick is the key never seen or the known key used longest ago (${one[0]})`);
  }
  assert.equal(access.stampOf(0, 'gone'), 0, 'a deleted key walked past is forgotten');
});

test('volatile-lru walks past known keys without a TTL', () => {
  const state = new KvState();
  const access = new AccessClock();
  for (let i = 0; i < 10; i++) {
    run(state, 0, 'SET', `k${i}`, 'v', ...(i % 3 === 0 ? ['EX', '100'] : []));
    access.touch(0, `k${i}`);
  }
  const picks = chooseVictims(input(state, 'volatile-lru', Number.MAX_SAFE_INTEGER, access)).map((v) => v.key);
  assert.deepEqual(picks, ['k0', 'k3', 'k6', 'k9']);
});

test('the access clock remembers only its newest keys, per database', () => {
  const access = new AccessClock();
  access.touch(0, 'a');
  access.touch(3, 'a');
  assert.ok(access.stampOf(3, 'a') > access.stampOf(0, 'a'), 'the same key in two databases is two keys');
  assert.equal(access.stampOf(1, 'a'), 0);
  for (let i = 0; i < TRACKED_KEYS_MAX; i++) access.touch(0, `k${i}`);
  assert.equal(access.size, TRACKED_KEYS_MAX);
  assert.equal(access.stampOf(0, 'a'), 0, 'the oldest fell out');
  assert.ok(access.stampOf(0, `k${TRACKED_KEYS_MAX - 1}`) > 0);
});
