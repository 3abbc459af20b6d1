// Property test (fast-check): the one-member node (LocalNode) against a plain Map across random put / del / unawaited
// put / reopen / compact / crash sequences with fsync 'always'. A crash keeps only what was
// fdatasync'd plus a random prefix of the rest (CrashableDisk). After every step the store must
// hold exactly the model; a write still in flight at a crash may or may not have landed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Prng } from '../../src/lib/prng.js';
import { LocalNode, type LocalNodeOptions } from '../../src/runtime/local-node.js';
import { CrashableDisk } from './crashable-disk.js';
import { b, binaryKey, ManualClock, withTempDir } from './helpers.js';

const KEYS = ['a', 'b', 'key with space', 'new\nline', 'nul\u0000byte', 'ü'];

type Op =
  | { type: 'put'; key: string; value: string }
  | { type: 'del'; key: string }
  | { type: 'putInFlight'; key: string; value: string }
  | { type: 'reopen' }
  | { type: 'compact' }
  | { type: 'crash'; seed: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ type: fc.constant('put' as const), key: fc.constantFrom(...KEYS), value: fc.string({ maxLength: 40 }) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('del' as const), key: fc.constantFrom(...KEYS) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('putInFlight' as const), key: fc.constantFrom(...KEYS), value: fc.string({ maxLength: 40 }) }) },
  { weight: 1, arbitrary: fc.constant({ type: 'reopen' as const }) },
  { weight: 1, arbitrary: fc.constant({ type: 'compact' as const }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('crash' as const), seed: fc.integer({ min: 0, max: 1_000_000 }) }) },
);

function valueOf(store: LocalNode, key: string): string | undefined {
  const value = store.getValueByBinaryKey(binaryKey(key));
  return value === undefined ? undefined : Buffer.from(value).toString();
}

async function runSequence(ops: readonly Op[]): Promise<void> {
  await withTempDir(async (dir) => {
    const disk = new CrashableDisk();
    const options: LocalNodeOptions = { dir, disk, clock: new ManualClock(), segmentBytesMax: 256, compactionMinBytes: 1024 };
    let store = await LocalNode.open(options);
    const model = new Map<string, string>();
    /** Keys with a write in flight: the values they may hold after a crash. */
    let uncertain = new Map<string, Set<string | undefined>>();
    let inFlight: Promise<unknown>[] = [];
    try {
      for (const op of ops) {
        if (op.type === 'put') {
          await store.write([[b('SET'), b(op.key), b(op.value)]]);
          model.set(op.key, op.value);
          uncertain.delete(op.key);
        } else if (op.type === 'del') {
          await store.write([[b('DEL'), b(op.key)]]);
          model.delete(op.key);
          uncertain.delete(op.key);
        } else if (op.type === 'putInFlight') {
          const options = uncertain.get(op.key) ?? new Set([model.get(op.key)]);
          options.add(op.value);
          uncertain.set(op.key, options);
          model.set(op.key, op.value);
          inFlight.push(store.write([[b('SET'), b(op.key), b(op.value)]]).catch(() => undefined));
          continue; // the model holds the value the store shows once the write applies
        } else if (op.type === 'reopen') {
          await Promise.all(inFlight);
          await store.close();
          store = await LocalNode.open(options);
        } else if (op.type === 'compact') {
          await Promise.all(inFlight);
          await store.compact();
        } else {
          await disk.crash(new Prng(op.seed));
          await Promise.all(inFlight);
          store = await LocalNode.open(options);
          for (const [key, possible] of uncertain) {
            const actual = valueOf(store, key);
            assert.ok(possible.has(actual), `after a crash ${JSON.stringify(key)} holds ${JSON.stringify(actual)}, not one of ${JSON.stringify([...possible])}`);
            if (actual === undefined) model.delete(key);
            else model.set(key, actual);
          }
        }
        inFlight = [];
        uncertain = new Map();
        for (const key of KEYS) assert.equal(valueOf(store, key), model.get(key), `after ${op.type}: key ${JSON.stringify(key)}`);
        assert.equal(store.state.keyCount, model.size);
      }
      await Promise.all(inFlight);
    } finally {
      await store.close().catch(() => undefined);
    }
  });
}

test('the one-member node matches a Map across put/del/reopen/compact/crash', { timeout: 120_000 }, async () => {
  await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), runSequence), { numRuns: 60, seed: Number(process.env.CAIRN_SEED ?? 42) });
});

type LaxOp = { type: 'put'; key: string; value: string } | { type: 'del'; key: string } | { type: 'compact' } | { type: 'crash'; seed: number };

const laxOpArb: fc.Arbitrary<LaxOp> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ type: fc.constant('put' as const), key: fc.constantFrom(...KEYS), value: fc.string({ maxLength: 40 }) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('del' as const), key: fc.constantFrom(...KEYS) }) },
  { weight: 1, arbitrary: fc.constant({ type: 'compact' as const }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('crash' as const), seed: fc.integer({ min: 0, max: 1_000_000 }) }) },
);

function snapshotOf(store: LocalNode): string {
  return JSON.stringify(KEYS.map((key) => valueOf(store, key) ?? null));
}

/**
 * With fsync 'no' a crash may lose acknowledged writes, but never out of order: the store must come
 * back as it was after some write at or after the last compaction (which made everything durable).
 */
async function runLaxSequence(ops: readonly LaxOp[]): Promise<void> {
  await withTempDir(async (dir) => {
    const disk = new CrashableDisk();
    const options: LocalNodeOptions = { dir, disk, clock: new ManualClock(), segmentBytesMax: 256, compactionMinBytes: 1024, fsync: 'no' };
    let store = await LocalNode.open(options);
    let history = [snapshotOf(store)];
    try {
      for (const op of ops) {
        if (op.type === 'put') await store.write([[b('SET'), b(op.key), b(op.value)]]);
        else if (op.type === 'del') await store.write([[b('DEL'), b(op.key)]]);
        else if (op.type === 'compact') {
          await store.compact();
          history = [snapshotOf(store)];
          continue;
        } else {
          await disk.crash(new Prng(op.seed));
          store = await LocalNode.open(options);
          const recovered = snapshotOf(store);
          assert.ok(history.includes(recovered), `after a crash the store is ${recovered}, which is no state since the last compaction: ${history.join(' | ')}`);
          history = [recovered];
          continue;
        }
        history.push(snapshotOf(store));
      }
    } finally {
      await store.close().catch(() => undefined);
    }
  });
}

test("with fsync 'no' a crash loses only a suffix of writes, never reorders or mixes them", { timeout: 120_000 }, async () => {
  await fc.assert(fc.asyncProperty(fc.array(laxOpArb, { minLength: 1, maxLength: 40 }), runLaxSequence), { numRuns: 60, seed: Number(process.env.CAIRN_SEED ?? 43) });
});
