// Scale: a snapshot of many keys (200,000 by default; KV_SCALE_KEYS to change) round-trips
// exactly, expiries included. How fast it does so is measured by `npm run bench:storage`
// (reopen of 1,000,000 keys), not asserted here: speed belongs in benchmarks, not timed tests.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KvState } from '../../src/kv/state.js';

const KEY_COUNT = Number(process.env.KV_SCALE_KEYS ?? 200_000);

test(`snapshot of ${KEY_COUNT} keys round-trips every key, value and expiry`, () => {
  const state = new KvState();
  const set = Buffer.from('SET');
  for (let i = 0; i < KEY_COUNT; i++) {
    state.execute([set, Buffer.from(`key:${i}`), Buffer.from(`value-${i}`)], 1000);
  }
  state.execute([Buffer.from('PEXPIRE'), Buffer.from('key:7'), Buffer.from('5000')], 1000);
  const bytes = state.encodeSnapshot();
  const restored = KvState.decodeSnapshot(bytes);
  assert.equal(restored.keyCount, KEY_COUNT);
  for (let i = 0; i < KEY_COUNT; i += 997) {
    assert.equal(Buffer.from(restored.getValue(`key:${i}`, 1000) ?? []).toString(), `value-${i}`);
  }
  assert.equal(restored.getValue('key:7', 6000), undefined, 'the expiry survives the snapshot');
  assert.equal(restored.collectExpired(6000, 10).length, 1);
  assert.deepEqual(Buffer.from(restored.encodeSnapshot()), Buffer.from(bytes), 're-encoding gives the same bytes');
});
