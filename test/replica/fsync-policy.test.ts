// RaftStorage's fsync policies on a simulated disk whose crash drops unsynced writes: 'always'
// syncs the log in sync(), 'everysec' within a second on a timer, 'no' only on close; the hard
// state (term, vote) is durable after sync() under every policy; a failed background sync is
// reported through onFailure.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../src/lib/prng.js';
import { CairnError, isCairnError } from '../../src/lib/errors.js';
import type { Disk } from '../../src/io/disk.js';
import type { Entry, Snapshot } from '../../src/raft/types.js';
import { RaftStorage, type RaftStorageOptions } from '../../src/replica/raft-storage.js';
import type { FsyncPolicy } from '../../src/storage/fsync-policy.js';
import { SimClock } from '../../src/sim/clock.js';
import { SimDisk } from '../../src/sim/disk.js';
import { Scheduler } from '../../src/sim/scheduler.js';
import { settleOn, withFileSync } from '../support/sim-helpers.js';

const membership = { voters: ['n1'], learners: [] };
const entry = (index: number, term: number): Entry => ({ index, term, kind: 0, data: new Uint8Array([index % 256, term]) });
const bootstrap: Snapshot = { meta: { index: 0, term: 0, membership }, data: new Uint8Array(0) };


interface World {
  scheduler: Scheduler;
  disk: SimDisk;
  clock: SimClock;
  storage: RaftStorage;
}

async function openWorld(fsync: FsyncPolicy, seed: number, wrap: (disk: Disk) => Disk = (d) => d): Promise<World> {
  const scheduler = new Scheduler();
  const disk = new SimDisk(scheduler, new Prng(seed));
  const clock = new SimClock(scheduler, 'n1');
  const options: RaftStorageOptions = { fsync, clock };
  const storage = await settleOn(scheduler, RaftStorage.open(wrap(disk), '/n1', options));
  await settleOn(scheduler, storage.compact(bootstrap));
  return { scheduler, disk, clock, storage };
}

/** Appends entries 1..count in term 1, saves term 1 with a vote for n1, and syncs. */
async function writeAndSync(w: World, count: number): Promise<void> {
  await settleOn(w.scheduler, (async () => {
    await w.storage.appendEntries(Array.from({ length: count }, (_, i) => entry(i + 1, 1)));
    await w.storage.saveHardState({ term: 1, votedFor: 'n1', commitIndex: count });
    await w.storage.sync();
  })());
}

/** Crashes the disk (no torn writes) and reopens: how many entries and which vote survived. */
async function afterCrash(w: World): Promise<{ entries: number; term: number; votedFor: string | null }> {
  w.disk.crash(false);
  const reopened = await settleOn(w.scheduler, RaftStorage.open(w.disk, '/n1'));
  const state = await settleOn(w.scheduler, reopened.load());
  assert.ok(state !== null, 'the bootstrap snapshot survives');
  await settleOn(w.scheduler, reopened.close());
  return { entries: state.entries.length, term: state.hardState.term, votedFor: state.hardState.votedFor };
}

test("'always' makes every synced entry durable, with one log fsync per sync()", async () => {
  for (let seed = 1; seed <= 20; seed++) {
    const w = await openWorld('always', seed);
    const syncsBefore = w.storage.stats().syncCount;
    await writeAndSync(w, 10);
    assert.equal(w.storage.stats().syncCount, syncsBefore + 1);
    assert.deepEqual(await afterCrash(w), { entries: 10, term: 1, votedFor: 'n1' });
  }
});

test("'no' does not fsync the log in sync(), yet the vote is durable at once and close() syncs everything", async () => {
  let lostSome = false;
  for (let seed = 1; seed <= 20; seed++) {
    const w = await openWorld('no', seed);
    const syncsBefore = w.storage.stats().syncCount;
    await writeAndSync(w, 10);
    assert.equal(w.storage.stats().syncCount, syncsBefore, 'no log fsync in sync()');
    const survived = await afterCrash(w);
    assert.equal(survived.term, 1, 'the term is durable whatever the policy');
    assert.equal(survived.votedFor, 'n1', 'the vote is durable whatever the policy');
    if (survived.entries < 10) lostSome = true;
  }
  assert.ok(lostSome, 'a crash drops unsynced log writes under fsync no (the test can see a loss)');
  const w = await openWorld('no', 99);
  await writeAndSync(w, 10);
  await settleOn(w.scheduler, w.storage.close());
  assert.equal((await afterCrash(w)).entries, 10, 'a clean close makes the log durable');
});

test("'everysec' makes synced entries durable within about a second, by a timer", async () => {
  for (let seed = 1; seed <= 10; seed++) {
    const w = await openWorld('everysec', seed);
    await writeAndSync(w, 10);
    const syncsBefore = w.storage.stats().syncCount;
    const deadlineMs = w.scheduler.nowMs() + 1_100;
    await w.scheduler.runUntil(deadlineMs, () => w.storage.stats().syncCount > syncsBefore, 100_000);
    assert.ok(w.storage.stats().syncCount > syncsBefore, 'the background sync ran within 1.1 s');
    assert.ok(w.storage.stats().lastSyncMs > 0, 'the last sync time is reported');
    assert.equal((await afterCrash(w)).entries, 10);
  }
});

test("'everysec' without a clock is refused", async () => {
  const scheduler = new Scheduler();
  const disk = new SimDisk(scheduler, new Prng(1));
  await assert.rejects(settleOn(scheduler, RaftStorage.open(disk, '/n1', { fsync: 'everysec' })), (e: unknown) => isCairnError(e, 'CAIRN_INVALID_ARGUMENT'));
});

/** A disk whose log fsyncs fail once `failing.on` is set. */
function failingLogSyncs(failing: { on: boolean }): (disk: Disk) => Disk {
  return (disk) => withFileSync(disk, (file) => (failing.on && file.path.includes('/log/') ? Promise.reject(new CairnError('CAIRN_IO', `${file.path}: EIO`)) : file.sync()));
}

test("a failed background sync under 'everysec' is reported once, and later syncs refuse", async () => {
  const failing = { on: false };
  const w = await openWorld('everysec', 3, failingLogSyncs(failing));
  const failures: Error[] = [];
  w.storage.onFailure((error) => failures.push(error));
  await writeAndSync(w, 5);
  failing.on = true;
  await w.scheduler.runUntil(w.scheduler.nowMs() + 2_500, () => failures.length > 0, 100_000);
  assert.equal(failures.length, 1);
  assert.ok(isCairnError(failures[0], 'CAIRN_IO'));
  await assert.rejects(settleOn(w.scheduler, w.storage.sync()), (e: unknown) => isCairnError(e, 'CAIRN_IO'));
  const late: Error[] = [];
  w.storage.onFailure((error) => late.push(error));
  assert.equal(late.length, 1, 'a listener registered after the failure hears of it at once');
});

test('setFsync switches the policy at run time: from no to always syncs in sync(), to everysec starts the timer', async () => {
  const w = await openWorld('no', 5);
  await writeAndSync(w, 5);
  const syncsAfterNo = w.storage.stats().syncCount;
  w.storage.setFsync('always');
  assert.equal(w.storage.stats().fsync, 'always');
  await settleOn(w.scheduler, (async () => {
    await w.storage.appendEntries([entry(6, 1)]);
    await w.storage.sync();
  })());
  assert.equal(w.storage.stats().syncCount, syncsAfterNo + 1, 'one fdatasync, covering the earlier unsynced writes too');
  w.storage.setFsync('everysec');
  await settleOn(w.scheduler, (async () => {
    await w.storage.appendEntries([entry(7, 1)]);
    await w.storage.sync();
  })());
  const syncsBefore = w.storage.stats().syncCount;
  await w.scheduler.runUntil(w.scheduler.nowMs() + 1_100, () => w.storage.stats().syncCount > syncsBefore, 100_000);
  assert.ok(w.storage.stats().syncCount > syncsBefore, 'the once-a-second sync runs after the switch');
  assert.equal((await afterCrash(w)).entries, 7);
});
