// The single-node Store on the real disk: write/read, ordering, reopen, compaction, full disk.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { isCairnError } from '../../src/lib/errors.js';
import { NodeDisk } from '../../src/runtime/disk.js';
import { Store } from '../../src/store/store.js';
import { b, FullDisk, ManualClock, text, TimerClock, withTempDir } from './helpers.js';

const disk = new NodeDisk();

test('write, read and reopen', async () => {
  await withTempDir(async (dir) => {
    const clock = new ManualClock();
    const store = await Store.open({ dir, disk, clock });
    assert.equal(text((await store.write({ commands: [[b('SET'), b('k'), b('v1')]] }))[0]), 'OK');
    assert.deepEqual((await store.write({ commands: [[b('SET'), b('a'), b('1')], [b('GETSET'), b('a'), b('2')]] })).map(text), ['OK', '1']);
    assert.equal(text(store.read([b('GET'), b('k')])), 'v1');
    assert.match(text(store.read([b('SET'), b('x'), b('y')])), /write command/);
    assert.equal(Buffer.from(store.getValue(b('a'))!).toString(), '2');
    await store.close();
    const again = await Store.open({ dir, disk, clock });
    assert.equal(again.recovery.replayedEntries, 2);
    assert.equal(text(again.read([b('GET'), b('a')])), '2');
    await again.close();
    await assert.rejects(again.write({ commands: [[b('SET'), b('k'), b('v')]] }), (e) => isCairnError(e, 'CAIRN_CLOSED'));
    const third = await Store.open({ dir, disk, clock });
    await assert.rejects(third.write({ commands: [] }), (e) => isCairnError(e, 'CAIRN_INVALID_ARGUMENT'));
    await assert.rejects(third.write({ commands: [[]] }), (e) => isCairnError(e, 'CAIRN_INVALID_ARGUMENT'));
    await third.close();
  });
});

test('concurrent writes apply in log order (each GETSET sees the one before it)', async () => {
  await withTempDir(async (dir) => {
    const store = await Store.open({ dir, disk, clock: new ManualClock() });
    const replies = await Promise.all(Array.from({ length: 300 }, (_, i) => store.write({ commands: [[b('GETSET'), b('n'), b(String(i))]] })));
    assert.deepEqual(replies.map((r) => text(r[0])), Array.from({ length: 300 }, (_, i) => (i === 0 ? 'null' : String(i - 1))));
    assert.ok(store.stats().syncCount < 100, `group commit: ${store.stats().syncCount} syncs for 300 writes`);
    await store.close();
  });
});

test('a relative TTL replays against the time of the entry, not of the reopen', async () => {
  await withTempDir(async (dir) => {
    const clock = new ManualClock();
    const store = await Store.open({ dir, disk, clock });
    await store.write({ commands: [[b('SET'), b('t'), b('v'), b('PX'), b('1000')]] });
    await store.close();
    clock.now += 500;
    const again = await Store.open({ dir, disk, clock });
    assert.equal(text(again.read([b('GET'), b('t')])), 'v');
    clock.now += 600;
    assert.equal(again.read([b('GET'), b('t')]).type, 'null');
    await again.close();
  });
});

test('compaction snapshots the state, drops covered segments, and reopen agrees', async () => {
  await withTempDir(async (dir) => {
    const clock = new ManualClock();
    const store = await Store.open({ dir, disk, clock, segmentBytesMax: 4096, autoCompact: false });
    for (let i = 0; i < 500; i++) await store.write({ commands: [[b('SET'), b(`k${i % 50}`), b(`v${i}`)]] });
    const before = store.stats();
    await store.compact();
    const after = store.stats();
    assert.equal(after.snapshotIndex, 500);
    assert.ok(after.segmentCount < before.segmentCount, `${before.segmentCount} -> ${after.segmentCount} segments`);
    assert.equal((await readdir(dir)).filter((n) => n.endsWith('.snap')).length, 1);
    await store.write({ commands: [[b('SET'), b('after'), b('x')]] });
    await store.close();
    const again = await Store.open({ dir, disk, clock, segmentBytesMax: 4096 });
    assert.equal(again.recovery.snapshotIndex, 500);
    assert.equal(again.recovery.replayedEntries, 1);
    for (let k = 0; k < 50; k++) assert.equal(text(again.read([b('GET'), b(`k${k}`)])), `v${450 + k}`);
    assert.equal(text(again.read([b('GET'), b('after')])), 'x');
    await again.close();
  });
});

test('automatic compaction runs when the log outgrows the live data', async () => {
  await withTempDir(async (dir) => {
    const store = await Store.open({ dir, disk, clock: new ManualClock(), segmentBytesMax: 2048, compactionMinBytes: 8192 });
    for (let i = 0; i < 400; i++) await store.write({ commands: [[b('SET'), b('same'), b(`value-${i}`)]] });
    const stats = store.stats();
    assert.ok(stats.compactions >= 1, 'compacted at least once');
    assert.ok(stats.logBytes < 8192 + 4096, `log stays bounded: ${stats.logBytes}`);
    await store.close();
    const again = await Store.open({ dir, disk, clock: new ManualClock() });
    assert.equal(text(again.read([b('GET'), b('same')])), 'value-399');
    await again.close();
  });
});

test('a full disk gives CAIRN_IO, keeps every acknowledged write, and never crashes', async () => {
  await withTempDir(async (dir) => {
    const full = new FullDisk();
    const clock = new ManualClock();
    const store = await Store.open({ dir, disk: full, clock });
    for (let i = 0; i < 20; i++) await store.write({ commands: [[b('SET'), b(`k${i}`), b(`v${i}`)]] });
    full.failing = true;
    const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => store.write({ commands: [[b('SET'), b(`late${i}`), b('x')]] })));
    for (const result of results) assert.ok(result.status === 'rejected' && isCairnError(result.reason, 'CAIRN_IO') && /ENOSPC/.test(String(result.reason.message)));
    await assert.rejects(store.write({ commands: [[b('SET'), b('more'), b('x')]] }), (e) => isCairnError(e, 'CAIRN_IO'));
    assert.equal(text(store.read([b('GET'), b('k19')])), 'v19', 'reads keep working');
    assert.match(store.stats().failure ?? '', /ENOSPC/);
    await store.close();
    full.failing = false;
    const again = await Store.open({ dir, disk: full, clock });
    for (let i = 0; i < 20; i++) assert.equal(text(again.read([b('GET'), b(`k${i}`)])), `v${i}`);
    await again.close();
  });
});

test('everysec and no acknowledge before fsync and still replay after a clean close', async () => {
  for (const fsync of ['everysec', 'no'] as const) {
    await withTempDir(async (dir) => {
      const store = await Store.open({ dir, disk, clock: new ManualClock(), fsync });
      await Promise.all(Array.from({ length: 50 }, (_, i) => store.write({ commands: [[b('SET'), b(`k${i}`), b(`${i}`)]] })));
      assert.equal(store.stats().fsync, fsync);
      await store.close();
      const again = await Store.open({ dir, disk, clock: new ManualClock(), fsync });
      assert.equal(again.state.keyCount, 50);
      await again.close();
    });
  }
});

test('active expiry proposes deletes of expired keys through the log', async () => {
  await withTempDir(async (dir) => {
    const clock = new TimerClock();
    const store = await Store.open({ dir, disk, clock });
    await store.write({ commands: [[b('SET'), b('short'), b('v'), b('PX'), b('100')], [b('SET'), b('long'), b('v')]] });
    assert.equal(store.state.keyCount, 2);
    clock.now += 200;
    const before = store.appliedIndex;
    assert.ok(clock.runDueTimers() >= 1);
    const deadline = Date.now() + 5000;
    while (store.appliedIndex === before && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(store.appliedIndex, before + 1, 'one CAIRN.EXPIRED entry was written');
    assert.equal(store.state.keyCount, 1);
    await store.close();
    const again = await Store.open({ dir, disk, clock: new ManualClock(clock.now) });
    assert.equal(again.state.keyCount, 1);
    await again.close();
  });
});
