// Applying paused for a read running in steps (a read-only script): the paused replica keeps
// acknowledging appends (with the third node cut off, the leader commits only through it), its state
// does not change while paused, nested pauses hold until the last ends, no snapshot is encoded
// meanwhile, and what was held is applied in log order when the pause ends.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get, Harness, set } from './harness.js';
import { ApplyPause } from '../../src/replica/apply-pause.js';
import { EntryKind } from '../../src/raft/types.js';

test('ApplyPause: nested pauses hold entries in order and hand them back once, when the last ends', async () => {
  const pause = new ApplyPause();
  assert.equal(pause.paused, false);
  const released: number[][] = [];
  const endFirst = pause.pause((held) => released.push(held.map((e) => e.index)));
  const endSecond = pause.pause((held) => released.push(held.map((e) => e.index)));
  let settled = false;
  void pause.done.then(() => (settled = true));
  for (const index of [4, 5, 6]) pause.hold({ index, term: 1, kind: EntryKind.NORMAL, data: new Uint8Array(0) });
  endFirst();
  await Promise.resolve();
  assert.equal(pause.paused, true);
  assert.deepEqual(released, []);
  assert.equal(settled, false);
  endSecond();
  await Promise.resolve();
  assert.deepEqual(released, [[4, 5, 6]]);
  assert.equal(settled, true);
  assert.equal(pause.paused, false);
  assert.throws(() => endSecond(), /a pause ends once/);
  assert.throws(() => pause.hold({ index: 7, term: 1, kind: EntryKind.NORMAL, data: new Uint8Array(0) }), /only while applying is paused/);
});

test('a follower with applying paused still acknowledges appends, changes nothing, and applies in order when resumed', async () => {
  const h = new Harness(['n1', 'n2', 'n3'], { snapshotEveryEntries: 2 });
  for (const id of h.ids) await h.start(id);
  const leader = await h.leader();
  await h.until(leader.propose(set('k', 'before')));
  const [followerId, cutId] = h.ids.filter((id) => id !== leader.id) as [string, string];
  const follower = h.replicas.get(followerId)!;
  await h.scheduler.runUntil(Infinity, () => follower.appliedUpTo() >= leader.appliedUpTo(), 100_000);
  h.network.isolate(cutId, h.ids);
  const resumeOuter = follower.pauseApplying();
  const resumeInner = follower.pauseApplying();
  const applied = follower.appliedUpTo();
  // Committed only with the paused follower's acknowledgement: Raft goes on while applying waits.
  for (const value of ['one', 'two', 'three', 'four']) await h.until(leader.propose(set('k', value)));
  assert.equal(follower.appliedUpTo(), applied, 'nothing applied while paused');
  assert.equal(follower.status().commitIndex > applied, true, 'the follower knows the entries are committed');
  assert.equal(await h.until(follower.read(get('k')).then((v) => v).catch(() => 'no-read')), 'no-read', 'a ReadIndex read cannot be answered before the pause ends');
  resumeInner();
  await h.scheduler.runUntil(Infinity, () => false, 500);
  assert.equal(follower.appliedUpTo(), applied, 'the outer pause still holds');
  assert.ok(follower.status().snapshotIndex <= applied, 'no snapshot taken while paused (one is due every 2 entries)');
  resumeOuter();
  await h.scheduler.runUntil(Infinity, () => follower.appliedUpTo() >= leader.appliedUpTo(), 100_000);
  assert.equal(follower.appliedUpTo(), leader.appliedUpTo());
  assert.equal(await h.until(follower.read(get('k'))), 'four');
  await h.scheduler.runUntil(Infinity, () => follower.status().snapshotIndex > applied, 100_000);
  assert.ok(follower.status().snapshotIndex > applied, 'the follower compacts again once resumed');
});
