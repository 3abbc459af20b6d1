// The one-member node (LocalNode, the embedded store's engine) on the real disk: write/read,
// ordering and group commit, TTL replay, compaction on demand and by size or entry count, reopen,
// a full disk (fail-stop with CAIRN_IO), the fsync policies after a clean close.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isCairnError } from '../../src/lib/errors.js';
import { NodeDisk } from '../../src/runtime/disk.js';
import { LocalNode } from '../../src/runtime/local-node.js';
import { b, FullDisk, ManualClock, text, TimerClock, withTempDir } from './helpers.js';

const disk = new NodeDisk();

test('write, read and reopen', async () => {
  await withTempDir(async (dir) => {
    const clock = new ManualClock();
    const store = await LocalNode.open({ dir, disk, clock });
    assert.equal(store.stats().term, 1, 'it led at once, in the first term');
    assert.equal(text((await store.write([[b('SET'), b('k'), b('v1')]]))[0]), 'OK');
    assert.deepEqual((await store.write([[b('SET'), b('a'), b('1')], [b('GETSET'), b('a'), b('2')]])).map(text), ['OK', '1']);
    assert.equal(text(store.read([b('GET'), b('k')])), 'v1');
    assert.match(text(store.read([b('SET'), b('x'), b('y')])), /write command/);
    assert.equal(Buffer.from(store.getValueByBinaryKey('a')!).toString(), '2');
    await store.close();
    const again = await LocalNode.open({ dir, disk, clock });
    assert.equal(again.recovery.replayedEntries, 2);
    assert.equal(again.recovery.truncatedTail, null);
    assert.equal(text(again.read([b('GET'), b('a')])), '2');
    await again.close();
    await assert.rejects(again.write([[b('SET'), b('k'), b('v')]]), (e) => isCairnError(e, 'CAIRN_CLOSED'));
    assert.throws(() => again.read([b('GET'), b('a')]), (e) => isCairnError(e, 'CAIRN_CLOSED'));
    const third = await LocalNode.open({ dir, disk, clock });
    await assert.rejects(third.write([]), (e) => isCairnError(e, 'CAIRN_INVALID_ARGUMENT'));
    await assert.rejects(third.write([[]]), (e) => isCairnError(e, 'CAIRN_INVALID_ARGUMENT'));
    await third.close();
  });
});

test('concurrent writes apply in log order (each GETSET sees the one before it) and share fdatasyncs', async () => {
  await withTempDir(async (dir) => {
    const store = await LocalNode.open({ dir, disk, clock: new ManualClock() });
    const syncsBefore = store.stats().syncCount;
    const replies = await Promise.all(Array.from({ length: 300 }, (_, i) => store.write([[b('GETSET'), b('n'), b(String(i))]])));
    assert.deepEqual(replies.map((r) => text(r[0])), Array.from({ length: 300 }, (_, i) => (i === 0 ? 'null' : String(i - 1))));
    const syncs = store.stats().syncCount - syncsBefore;
    // Proposals made in one event-loop turn land in one Ready and one fdatasync.
    assert.ok(syncs <= 2, `group commit: ${syncs} fdatasyncs for 300 writes made in one turn`);
    await store.close();
  });
});

test('a relative TTL replays against the time of the entry, not of the reopen', async () => {
  await withTempDir(async (dir) => {
    const clock = new ManualClock();
    const store = await LocalNode.open({ dir, disk, clock });
    await store.write([[b('SET'), b('t'), b('v'), b('PX'), b('1000')]]);
    await store.close();
    clock.now += 500;
    const again = await LocalNode.open({ dir, disk, clock });
    assert.equal(text(again.read([b('GET'), b('t')])), 'v');
    clock.now += 600;
    assert.equal(again.read([b('GET'), b('t')]).type, 'null');
    await again.close();
  });
});

test('compaction snapshots the state, drops covered segments, and reopen agrees', async () => {
  await withTempDir(async (dir) => {
    const clock = new ManualClock();
    const store = await LocalNode.open({ dir, disk, clock, segmentBytesMax: 4096 });
    for (let i = 0; i < 500; i++) await store.write([[b('SET'), b(`k${i % 50}`), b(`v${i}`)]]);
    const before = store.stats();
    await store.compact();
    const after = store.stats();
    assert.equal(after.snapshotIndex, before.appliedIndex);
    assert.equal(after.compactions, 1);
    assert.ok(after.segmentCount < before.segmentCount, `${before.segmentCount} -> ${after.segmentCount} segments`);
    assert.equal((await readdir(dir)).filter((n) => n.endsWith('.snap')).length, 1);
    await store.write([[b('SET'), b('after'), b('x')]]);
    await store.close();
    const again = await LocalNode.open({ dir, disk, clock, segmentBytesMax: 4096 });
    assert.equal(again.recovery.snapshotIndex, after.snapshotIndex);
    assert.equal(again.recovery.replayedEntries, 1);
    for (let k = 0; k < 50; k++) assert.equal(text(again.read([b('GET'), b(`k${k}`)])), `v${450 + k}`);
    assert.equal(text(again.read([b('GET'), b('after')])), 'x');
    await again.compact();
    await again.compact(); // nothing new applied: a no-op
    await again.close();
  });
});

test('automatic compaction runs when the log outgrows the live data, or after snapshotEveryEntries', async () => {
  await withTempDir(async (dir) => {
    const store = await LocalNode.open({ dir, disk, clock: new ManualClock(), segmentBytesMax: 2048, compactionMinBytes: 8192 });
    for (let i = 0; i < 400; i++) await store.write([[b('SET'), b('same'), b(`value-${i}`)]]);
    const stats = store.stats();
    assert.ok(stats.compactions >= 1, 'compacted at least once');
    assert.ok(stats.logBytes < 8192 + 4096, `log stays bounded: ${stats.logBytes}`);
    await store.close();
    const again = await LocalNode.open({ dir, disk, clock: new ManualClock() });
    assert.equal(text(again.read([b('GET'), b('same')])), 'value-399');
    await again.close();
  });
  await withTempDir(async (dir) => {
    const store = await LocalNode.open({ dir, disk, clock: new ManualClock(), snapshotEveryEntries: 50 });
    for (let i = 0; i < 120; i++) await store.write([[b('SET'), b(`k${i}`), b('v')]]);
    assert.ok(store.stats().compactions >= 2, `compactions: ${store.stats().compactions}`);
    assert.ok(store.stats().appliedIndex - store.stats().snapshotIndex < 50);
    await store.close();
  });
});

test('a full disk gives CAIRN_IO, stops writes (fail-stop), keeps every acknowledged write, and never crashes', async () => {
  await withTempDir(async (dir) => {
    const full = new FullDisk();
    const clock = new ManualClock();
    const store = await LocalNode.open({ dir, disk: full, clock });
    for (let i = 0; i < 20; i++) await store.write([[b('SET'), b(`k${i}`), b(`v${i}`)]]);
    full.failing = true;
    const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => store.write([[b('SET'), b(`late${i}`), b('x')]])));
    for (const result of results) assert.ok(result.status === 'rejected' && isCairnError(result.reason, 'CAIRN_IO') && /ENOSPC/.test(String(result.reason.message)), String(result.status === 'rejected' ? result.reason : 'fulfilled'));
    await assert.rejects(store.write([[b('SET'), b('more'), b('x')]]), (e) => isCairnError(e, 'CAIRN_IO'));
    await assert.rejects(store.compact(), (e) => isCairnError(e, 'CAIRN_IO'));
    assert.equal(text(store.read([b('GET'), b('k19')])), 'v19', 'reads keep working');
    assert.match(store.stats().failure ?? '', /ENOSPC/);
    await store.close();
    full.failing = false;
    const again = await LocalNode.open({ dir, disk: full, clock });
    for (let i = 0; i < 20; i++) assert.equal(text(again.read([b('GET'), b(`k${i}`)])), `v${i}`);
    await again.close();
  });
});

test("a failed background fdatasync under 'everysec' stops the node: writes then fail with CAIRN_IO", async () => {
  await withTempDir(async (dir) => {
    const full = new FullDisk();
    const clock = new TimerClock();
    const store = await LocalNode.open({ dir, disk: full, clock, fsync: 'everysec' });
    await store.write([[b('SET'), b('k'), b('v')]]);
    full.failing = true;
    clock.now += 1_000;
    assert.ok(clock.runDueTimers() >= 1, 'the once-a-second sync ran');
    const deadline = Date.now() + 5_000;
    while (store.stats().failure === null && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    assert.match(store.stats().failure ?? '', /ENOSPC/);
    full.failing = false; // the node must stay stopped although the disk works again
    await assert.rejects(store.write([[b('SET'), b('k'), b('w')]]), (e) => isCairnError(e, 'CAIRN_IO'));
    assert.equal(text(store.read([b('GET'), b('k')])), 'v');
    await store.close();
    const again = await LocalNode.open({ dir, disk: full, clock: new ManualClock() });
    assert.equal(text(again.read([b('GET'), b('k')])), 'v');
    await again.close();
  });
});

test('everysec and no acknowledge before fsync and still replay after a clean close', async () => {
  for (const fsync of ['everysec', 'no'] as const) {
    await withTempDir(async (dir) => {
      const store = await LocalNode.open({ dir, disk, clock: new ManualClock(), fsync });
      const syncsBefore = store.stats().syncCount;
      await Promise.all(Array.from({ length: 50 }, (_, i) => store.write([[b('SET'), b(`k${i}`), b(`${i}`)]])));
      assert.equal(store.stats().fsync, fsync);
      assert.equal(store.stats().syncCount, syncsBefore, 'no fdatasync on the write path');
      await store.close();
      const again = await LocalNode.open({ dir, disk, clock: new ManualClock(), fsync });
      assert.equal(again.state.keyCount, 50);
      await again.close();
    });
  }
});

test('a folder of a cluster member is refused with a clear error', async () => {
  await withTempDir(async (dir) => {
    const { RaftStorage } = await import('../../src/replica/raft-storage.js');
    const storage = await RaftStorage.open(disk, dir);
    await storage.compact({ meta: { index: 0, term: 0, membership: { voters: ['n1', 'n2', 'n3'], learners: [] } }, data: new Uint8Array(0) });
    await storage.close();
    await assert.rejects(LocalNode.open({ dir, disk, clock: new ManualClock() }), (e) => isCairnError(e, 'CAIRN_INVALID_ARGUMENT') && /voters: n1, n2, n3/.test(e.message));
    assert.ok((await readdir(join(dir))).includes('LOCK') === false, 'the lock is released');
  });
});
