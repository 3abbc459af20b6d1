// RaftStorage across crashes at every point of a snapshot install and of a compaction: reopening
// must always work and give either the state before or the state after, never a refusal or a mix.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../src/lib/prng.js';
import type { Entry, Snapshot } from '../../src/raft/types.js';
import { RaftStorage } from '../../src/replica/raft-storage.js';
import { SimDisk } from '../../src/sim/disk.js';
import { Scheduler } from '../../src/sim/scheduler.js';
import { settleOn } from '../support/sim-helpers.js';

const membership = { voters: ['n1', 'n2', 'n3'], learners: [] };
const entry = (index: number, term: number): Entry => ({ index, term, kind: 0, data: new Uint8Array([index % 256, term]) });
const snapshotAt = (index: number, term: number): Snapshot => ({ meta: { index, term, membership }, data: new Uint8Array([7, 7, index % 256]) });


/** A node with entries 1..30 (term 1) in small segments and a bootstrap snapshot. */
async function prepared(seed: number): Promise<{ scheduler: Scheduler; disk: SimDisk; storage: RaftStorage }> {
  const scheduler = new Scheduler();
  const disk = new SimDisk(scheduler, new Prng(seed));
  const storage = await settleOn(scheduler, RaftStorage.open(disk, '/n1', { segmentBytesMax: 200 }));
  await settleOn(scheduler, (async () => {
    await storage.compact(snapshotAt(0, 0));
    await storage.appendEntries(Array.from({ length: 30 }, (_, i) => entry(i + 1, 1)));
    await storage.saveHardState({ term: 1, votedFor: 'n2', commitIndex: 10 });
    await storage.sync();
  })());
  return { scheduler, disk, storage };
}

for (const operation of ['install', 'compact'] as const) {
  test(`a crash at any point of a ${operation} leaves a log that reopens as before or after`, async () => {
    let sawAfter = 0;
    for (let crashAfterEvents = 1; crashAfterEvents <= 80; crashAfterEvents++) {
      const { scheduler, disk, storage } = await prepared(crashAfterEvents);
      const work = operation === 'install' ? storage.installSnapshot(snapshotAt(40, 2)) : storage.compact(snapshotAt(25, 1));
      work.catch(() => undefined);
      await scheduler.runUntil(Infinity, () => false, crashAfterEvents);
      disk.crash(true);
      const reopened = await settleOn(scheduler, RaftStorage.open(disk, '/n1', { segmentBytesMax: 200 }));
      const state = await settleOn(scheduler, reopened.load());
      assert.ok(state !== null, 'the bootstrap snapshot survives');
      const { snapshot, entries } = state;
      if (operation === 'install' && snapshot.meta.index === 40) {
        sawAfter++;
        assert.deepEqual(entries, [], `crash after ${crashAfterEvents} events: the old log is gone after an install`);
        assert.equal(state.hardState.term, 2, 'the term follows the snapshot');
      } else {
        if (operation === 'compact' && snapshot.meta.index === 25) sawAfter++;
        const first = snapshot.meta.index + 1;
        assert.deepEqual(entries.map((e) => e.index), Array.from({ length: 30 - snapshot.meta.index }, (_, i) => first + i));
        assert.equal(state.hardState.votedFor, 'n2');
      }
      await settleOn(scheduler, reopened.appendEntries([entry(snapshot.meta.index + entries.length + 1, 2)]));
    }
    assert.ok(sawAfter > 0, 'some crash points come after the operation finished');
  });
}
