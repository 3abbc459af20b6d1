// Fuzz the two decoders with mutated and random bytes: each input either decodes or throws a
// CairnError (CAIRN_CORRUPT / CAIRN_FORMAT) — never another exception, never a hang.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeEntry, encodeEntry } from '../../src/kv/entry.js';
import { KvState } from '../../src/kv/state.js';
import { isCairnError } from '../../src/lib/errors.js';
import { argv } from './helpers.js';

function decodesOrCorrupt(decode: () => unknown): void {
  try {
    decode();
  } catch (error) {
    assert.ok(isCairnError(error, 'CAIRN_CORRUPT') || isCairnError(error, 'CAIRN_FORMAT'), `unexpected ${String(error)}`);
  }
}

const bytesArb = fc.uint8Array({ minLength: 1, maxLength: 40 });

test('entries round-trip through encode/decode', () => {
  fc.assert(fc.property(
    fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    fc.array(fc.array(bytesArb, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 5 }),
    fc.array(fc.record({ key: bytesArb, version: fc.integer({ min: -1000, max: 1_000_000 }) }), { maxLength: 3 }),
    (nowMs, commands, watches) => {
      const decoded = decodeEntry(encodeEntry({ nowMs, commands, watches }));
      assert.equal(decoded.nowMs, nowMs);
      assert.deepEqual(decoded.commands.map((c) => c.map((a) => Buffer.from(a))), commands.map((c) => c.map((a) => Buffer.from(a))));
      assert.deepEqual((decoded.watches ?? []).map((w) => [Buffer.from(w.key), w.version]), watches.map((w) => [Buffer.from(w.key), w.version]));
    },
  ), { numRuns: 300 });
});

test('mutated or random entry bytes decode or throw CAIRN_CORRUPT', () => {
  const base = encodeEntry({ nowMs: 123, commands: [argv('SET', 'key', 'value', 'PX', '100'), argv('GET', 'key')], watches: [{ key: argv('key')[0]!, version: 7 }] });
  fc.assert(fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), (flips) => {
    const mutated = Uint8Array.from(base);
    for (const [at, value] of flips) mutated[at] = value;
    decodesOrCorrupt(() => decodeEntry(mutated));
  }), { numRuns: 2000 });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => decodesOrCorrupt(() => decodeEntry(bytes))), { numRuns: 1000 });
});

test('mutated snapshot bytes decode or throw CAIRN_CORRUPT / CAIRN_FORMAT', () => {
  const state = new KvState();
  for (let i = 0; i < 20; i++) state.execute(argv('SET', `k${i}`, `v${i}`, ...(i % 3 === 0 ? ['PX', '500'] : [])), 1000);
  for (let i = 0; i < 5; i++) state.execute(argv('DEL', `k${i}`), 1000);
  const base = state.encodeSnapshot();
  fc.assert(fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), (flips) => {
    const mutated = Uint8Array.from(base);
    for (const [at, value] of flips) mutated[at] = value;
    decodesOrCorrupt(() => {
      const restored = KvState.decodeSnapshot(mutated);
      restored.execute(argv('SCAN', '0', 'COUNT', '100'), 1000);
      restored.collectExpired(10_000, 100);
    });
  }), { numRuns: 2000 });
});
