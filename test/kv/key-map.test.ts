// The segmented key map (key-map.ts) behaves as one plain Map: random sequences of set / delete /
// get / has / clear agree with a Map on every answer and on the size; its hash spreads keys evenly
// enough that no segment grows far past the others (the point of the split). And the Db built on
// it keeps insertion order (KeyOrder) for keys() / entries(), as iterating one Map did.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Db, NO_EXPIRY } from '../../src/kv/db.js';
import { KEY_MAP_SEGMENTS, KeyMap, segmentOf } from '../../src/kv/key-map.js';

type Op =
  | { op: 'set'; key: string; value: number }
  | { op: 'delete'; key: string }
  | { op: 'get'; key: string }
  | { op: 'clear' };

/** Short keys that collide often, and long ones (past the hashed ends) differing only in the middle. */
const keyArb = fc.oneof(
  fc.constantFrom('a', 'b', 'c', '', 'key:1', 'key:2'),
  fc.string({ maxLength: 40 }),
  fc.integer({ min: 0, max: 20 }).map((i) => `${'x'.repeat(20)}${i}${'y'.repeat(20)}`),
);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('set' as const), key: keyArb, value: fc.integer() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), key: keyArb }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('get' as const), key: keyArb }) },
  { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
);

test('KeyMap answers as a plain Map for any sequence of set, delete, get, has and clear', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => {
      const map = new KeyMap<number>();
      const model = new Map<string, number>();
      for (const op of ops) {
        if (op.op === 'set') {
          assert.equal(map.set(op.key, op.value), !model.has(op.key), 'set says whether the key is new');
          model.set(op.key, op.value);
        } else if (op.op === 'delete') {
          assert.equal(map.delete(op.key), model.delete(op.key));
        } else if (op.op === 'get') {
          assert.equal(map.get(op.key), model.get(op.key));
          assert.equal(map.has(op.key), model.has(op.key));
        } else {
          map.clear();
          model.clear();
        }
        assert.equal(map.size, model.size);
      }
      for (const [key, value] of model) assert.equal(map.get(key), value);
    }),
    { numRuns: 300 },
  );
});

test('segmentOf is deterministic and in range, for short, long and non-ASCII keys', () => {
  for (const key of ['', 'a', 'key:000000000001', 'ÿ\u0000é', 'k'.repeat(33), 'z'.repeat(100_000)]) {
    const segment = segmentOf(key);
    assert.ok(Number.isInteger(segment) && segment >= 0 && segment < KEY_MAP_SEGMENTS, `segment of a ${key.length}-char key`);
    assert.equal(segmentOf(key), segment);
  }
  // A long key's middle is not hashed, but its length is: same ends, different lengths differ somewhere.
  const lengths = new Set([40, 41, 42, 43, 44, 45, 46, 47].map((n) => segmentOf('a'.repeat(n))));
  assert.ok(lengths.size > 1, 'the length of a long key feeds the hash');
});

test('the segments fill evenly for keys as redis-benchmark and the benchmarks name them', () => {
  const keyCount = 200_000;
  const perSegment = new Array<number>(KEY_MAP_SEGMENTS).fill(0);
  for (let i = 0; i < keyCount; i++) {
    const segment = segmentOf(`key:${String(i).padStart(12, '0')}`);
    perSegment[segment] = (perSegment[segment] ?? 0) + 1;
  }
  const mean = keyCount / KEY_MAP_SEGMENTS;
  // Binomial spread is about ±sqrt(mean) = ±28; allow well past it, far below a skew that matters.
  assert.ok(Math.max(...perSegment) < 1.2 * mean, `largest segment ${Math.max(...perSegment)} of mean ${mean}`);
  assert.ok(Math.min(...perSegment) > 0.8 * mean, `smallest segment ${Math.min(...perSegment)} of mean ${mean}`);
});

test('a Db over the segmented map lists its keys in insertion order, as one Map did', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), keyArb), { maxLength: 300 }), (ops) => {
      const db = new Db();
      const model = new Map<string, string>();
      for (const [add, key] of ops) {
        if (add) {
          db.set(key, `v${key.length}`, NO_EXPIRY);
          model.set(key, `v${key.length}`);
        } else {
          assert.equal(db.remove(key), model.delete(key));
        }
      }
      assert.deepEqual([...db.keys()], [...model.keys()]);
      assert.deepEqual([...db.entries()].map(([key]) => key), [...model.keys()]);
      assert.equal(db.map.size, model.size);
    }),
    { numRuns: 200 },
  );
});
