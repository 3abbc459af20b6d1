// The replica's stepped snapshot: steps run with a yield between each (so other work interleaves),
// stop when the replica stops, and entries committed while the state is being encoded are held in
// order and handed back the moment the encoding ends, never before.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EntryKind, type Entry } from '../../src/raft/types.js';
import type { Steps } from '../../src/replica/ports.js';
import { runSteps, SnapshotEncoding, type StepPace } from '../../src/replica/stepped-snapshot.js';

/** Steps that finish after `count` calls, recording each call's budget. */
function counted(count: number, budgets: number[] = []): Steps<Uint8Array> {
  let calls = 0;
  return {
    step(budget: number): Uint8Array | null {
      budgets.push(budget);
      return ++calls === count ? Uint8Array.of(calls) : null;
    },
  };
}

function entry(index: number): Entry {
  return { index, term: 1, kind: EntryKind.NORMAL, data: new Uint8Array(0) };
}

test('steps run to the end with the budget, yielding between steps, not after the last', async () => {
  let yields = 0;
  const budgets: number[] = [];
  const pace: StepPace = { budget: 3, yieldTurn: async () => void yields++ };
  const result = await runSteps(counted(5, budgets), pace, () => false);
  assert.deepEqual(result, Uint8Array.of(5));
  assert.deepEqual(budgets, [3, 3, 3, 3, 3]);
  assert.equal(yields, 4);
});

test('steps stop (null) once the replica stopped', async () => {
  let stopped = false;
  const budgets: number[] = [];
  const pace: StepPace = { budget: 1, yieldTurn: async () => void (stopped = budgets.length >= 2) };
  assert.equal(await runSteps(counted(100, budgets), pace, () => stopped), null);
  assert.equal(budgets.length, 2);
});

test('entries committed while encoding are held in order and handed back when it ends', async () => {
  const encoding = new SnapshotEncoding(10, null);
  let release: () => void = () => undefined;
  const pace: StepPace = { budget: 1, yieldTurn: () => new Promise<void>((resolve) => (release = resolve)) };
  const applied: number[] = [];
  encoding.run(counted(2), pace, () => false, (entries) => applied.push(...entries.map((e) => e.index)), (error) => assert.fail(error));
  assert.equal(encoding.encoding, true);
  encoding.hold(entry(11));
  encoding.hold(entry(12));
  assert.throws(() => encoding.hold(entry(14)), /follow each other/);
  assert.deepEqual(applied, [], 'nothing applied while encoding');
  release();
  await encoding.done;
  assert.deepEqual(applied, [11, 12]);
  assert.equal(encoding.encoding, false);
  assert.deepEqual(encoding.data, Uint8Array.of(2));
  assert.throws(() => encoding.hold(entry(13)), /only while encoding/);
});

test('a failing step ends the encoding with no data, hands back the held entries, then reports the error', async () => {
  const encoding = new SnapshotEncoding(1, null);
  const events: string[] = [];
  const failing: Steps<Uint8Array> = { step: () => { throw new Error('broken step'); } };
  encoding.hold(entry(2));
  await new Promise<void>((resolve) => {
    encoding.run(failing, { budget: 1, yieldTurn: async () => undefined }, () => false, (entries) => events.push(`held ${entries.length}`), (error) => {
      events.push(error.message);
      resolve();
    });
  });
  assert.deepEqual(events, ['held 1', 'broken step']);
  assert.equal(encoding.data, null);
});
