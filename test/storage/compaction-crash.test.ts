// SegmentedLog.compactPrefix past the end of the log, crashed at every step on SimDisk: reopening
// must always succeed and give either the old log or the reset one, and keep accepting appends.
// (Sim seed 541 found the old order: new segment first, old ones removed after, so a crash in
// between left a gap that open() refused as damage in the middle.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../src/lib/prng.js';
import { SegmentedLog } from '../../src/storage/log.js';
import { SimDisk } from '../../src/sim/disk.js';
import { Scheduler } from '../../src/sim/scheduler.js';
import { entries, entry, texts } from './helpers.js';
import { settleOn } from '../support/sim-helpers.js';

const DIR = '/n1/log';
const SEGMENT_BYTES_MAX = 200;
const CRASH_POINTS_MAX = 120;


/** A durable log of entries 1..30 spread over several small segments. */
async function prepared(seed: number): Promise<{ scheduler: Scheduler; disk: SimDisk; log: SegmentedLog }> {
  const scheduler = new Scheduler();
  const disk = new SimDisk(scheduler, new Prng(seed));
  const { log } = await settleOn(scheduler, SegmentedLog.open(disk, DIR, { segmentBytesMax: SEGMENT_BYTES_MAX }));
  await settleOn(scheduler, log.appendAndSync(entries(1, 30)));
  assert.ok(log.stats().segmentCount > 2, 'the log spans several segments');
  return { scheduler, disk, log };
}

for (const snapshotIndex of [30, 45]) {
  test(`a crash at any step of compactPrefix(${snapshotIndex}) past the end reopens as the old log or the reset one`, async () => {
    let sawOld = 0;
    let sawReset = 0;
    for (let crashAfterEvents = 1; crashAfterEvents <= CRASH_POINTS_MAX; crashAfterEvents++) {
      const { scheduler, disk, log } = await prepared(crashAfterEvents + 1);
      log.compactPrefix(snapshotIndex).catch(() => undefined);
      await scheduler.runUntil(Infinity, () => false, crashAfterEvents);
      disk.crash(true);
      const where = `crash after ${crashAfterEvents} events (${disk.describeDurable()})`;
      const { log: reopened } = await settleOn(scheduler, SegmentedLog.open(disk, DIR, { segmentBytesMax: SEGMENT_BYTES_MAX }));
      if (reopened.firstIndex === snapshotIndex + 1) {
        sawReset++;
        assert.equal(reopened.lastIndex, snapshotIndex, `${where}: the reset log is empty`);
        assert.equal(reopened.stats().segmentCount, 1, `${where}: the old segments are gone`);
      } else {
        sawOld++;
        assert.equal(reopened.firstIndex, 1, `${where}: the old log is whole`);
        assert.deepEqual(texts(await settleOn(scheduler, reopened.read(1, 31))), texts(entries(1, 30)), `${where}: old entries intact`);
      }
      const next = reopened.lastIndex + 1;
      await settleOn(scheduler, reopened.appendAndSync([entry(next, 2)]));
      await settleOn(scheduler, reopened.close());
      const { log: again } = await settleOn(scheduler, SegmentedLog.open(disk, DIR, { segmentBytesMax: SEGMENT_BYTES_MAX }));
      assert.equal(again.lastIndex, next, `${where}: an append after recovery survives a reopen`);
      await settleOn(scheduler, again.close());
    }
    assert.ok(sawOld > 0, 'some crash points come before the compaction took effect');
    assert.ok(sawReset > 0, 'some crash points come after it');
  });
}
