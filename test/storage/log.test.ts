// The segmented log on the real disk: append/read, reopen, rolling, truncation, compaction, recovery.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile, appendFile, truncate, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeDisk } from '../../src/runtime/disk.js';
import { SegmentedLog } from '../../src/storage/log.js';
import { isCairnError } from '../../src/lib/errors.js';
import { entries, entry, texts, withTempDir } from './helpers.js';
import { FullDisk } from '../embedded/helpers.js';

const disk = new NodeDisk();

async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.endsWith('.seg')).sort();
}

test('append, read back, reopen', async () => {
  await withTempDir(async (dir) => {
    const { log } = await SegmentedLog.open(disk, dir);
    assert.equal(log.firstIndex, 1);
    assert.equal(log.lastIndex, 0);
    await log.appendAndSync(entries(1, 10));
    assert.equal(log.lastIndex, 10);
    assert.deepEqual(texts(await log.read(3, 6)), ['value-3', 'value-4', 'value-5']);
    await log.close();
    const reopened = await SegmentedLog.open(disk, dir);
    assert.equal(reopened.recovery.truncatedTail, null);
    assert.equal(reopened.log.lastIndex, 10);
    assert.deepEqual(texts(await reopened.log.read(1, 11)), entries(1, 10).map((e) => `value-${e.index}`));
    await reopened.log.close();
  });
});

test('binary payloads with NUL, newline and space round-trip', async () => {
  await withTempDir(async (dir) => {
    const { log } = await SegmentedLog.open(disk, dir);
    const data = Uint8Array.from([0, 10, 32, 255, 13, 0]);
    await log.appendAndSync([{ index: 1, term: 7, kind: 200, data }]);
    await log.close();
    const { log: again } = await SegmentedLog.open(disk, dir);
    const [got] = await again.read(1, 2);
    assert.deepEqual({ ...got, data: Buffer.from(got!.data) }, { index: 1, term: 7, kind: 200, data: Buffer.from(data) });
    await again.close();
  });
});

test('segments roll at the size limit and reads span them', async () => {
  await withTempDir(async (dir) => {
    const { log } = await SegmentedLog.open(disk, dir, { segmentBytesMax: 200 });
    for (let i = 1; i <= 40; i += 4) await log.appendAndSync(entries(i, 4));
    assert.ok((await segmentFiles(dir)).length >= 5, 'several segments exist');
    assert.equal(log.stats().segmentCount, (await segmentFiles(dir)).length);
    assert.deepEqual(texts(await log.read(1, 41)), entries(1, 40).map((e) => `value-${e.index}`));
    assert.equal((await log.read(1, 41, 100)).length, 3, 'maxBytes cuts the read short (33-byte records)');
    assert.equal((await log.read(1, 41, 10)).length, 1, 'at least one entry');
    await log.close();
    const { log: again } = await SegmentedLog.open(disk, dir, { segmentBytesMax: 200 });
    assert.equal(again.lastIndex, 40);
    assert.equal(again.term(17), 1);
    await again.close();
  });
});

test('concurrent appends and syncs share fsyncs (group commit)', async () => {
  await withTempDir(async (dir) => {
    const { log } = await SegmentedLog.open(disk, dir);
    const before = log.stats().syncCount;
    await Promise.all(Array.from({ length: 200 }, (_, i) => log.appendAndSync([entry(i + 1)])));
    const syncs = log.stats().syncCount - before;
    assert.ok(syncs < 50, `200 writers took ${syncs} syncs`);
    assert.deepEqual(texts(await log.read(1, 201)), entries(1, 200).map((e) => `value-${e.index}`));
    await log.close();
  });
});

test('appending over a suffix truncates it first, across segments, and survives reopen', async () => {
  await withTempDir(async (dir) => {
    const { log } = await SegmentedLog.open(disk, dir, { segmentBytesMax: 150 });
    await log.appendAndSync(entries(1, 20));
    await log.appendAndSync([entry(6, 2, 'new-6'), entry(7, 2, 'new-7')]);
    assert.equal(log.lastIndex, 7);
    assert.equal(log.term(7), 2);
    assert.deepEqual(texts(await log.read(5, 8)), ['value-5', 'new-6', 'new-7']);
    await log.truncateSuffix(7);
    assert.equal(log.lastIndex, 6);
    await log.close();
    const { log: again } = await SegmentedLog.open(disk, dir, { segmentBytesMax: 150 });
    assert.equal(again.lastIndex, 6);
    assert.deepEqual(texts(await again.read(5, 7)), ['value-5', 'new-6']);
    await again.close();
  });
});

test('rejects appends that leave a gap or lower the term', async () => {
  await withTempDir(async (dir) => {
    const { log } = await SegmentedLog.open(disk, dir);
    await log.appendAndSync([entry(1, 3)]);
    await assert.rejects(log.append([entry(3, 3)]), (e) => isCairnError(e, 'CAIRN_INVALID_ARGUMENT'));
    await assert.rejects(log.append([entry(2, 2)]), (e) => isCairnError(e, 'CAIRN_INVALID_ARGUMENT'));
    await log.close();
  });
});

test('compactPrefix drops covered segments and a snapshot past the end resets the log', async () => {
  await withTempDir(async (dir) => {
    const { log } = await SegmentedLog.open(disk, dir, { segmentBytesMax: 150 });
    await log.appendAndSync(entries(1, 30));
    const before = (await segmentFiles(dir)).length;
    await log.compactPrefix(20);
    assert.ok((await segmentFiles(dir)).length < before);
    assert.ok(log.firstIndex <= 21 && log.firstIndex > 1, `first index ${log.firstIndex}`);
    assert.deepEqual(texts(await log.read(21, 31)), entries(21, 10).map((e) => `value-${e.index}`));
    await log.compactPrefix(50);
    assert.equal(log.firstIndex, 51);
    assert.equal(log.lastIndex, 50);
    await log.appendAndSync([entry(51)]);
    await log.close();
    const { log: again } = await SegmentedLog.open(disk, dir, { segmentBytesMax: 150 });
    assert.equal(again.firstIndex, 51);
    assert.equal(again.lastIndex, 51);
    await again.close();
  });
});

test('a torn tail is cut off and reported', async () => {
  await withTempDir(async (dir) => {
    const { log } = await SegmentedLog.open(disk, dir);
    await log.appendAndSync(entries(1, 5));
    await log.close();
    const [name] = await segmentFiles(dir);
    const path = join(dir, name!);
    const size = (await stat(path)).size;
    await truncate(path, size - 3);
    const { log: again, recovery } = await SegmentedLog.open(disk, dir);
    assert.equal(again.lastIndex, 4);
    assert.equal(recovery.truncatedTail?.droppedRecords, 1);
    assert.equal(recovery.truncatedTail?.droppedBytes, size - 3 - recovery.truncatedTail!.offset);
    await again.appendAndSync([entry(5, 1, 'again-5')]);
    assert.deepEqual(texts(await again.read(4, 6)), ['value-4', 'again-5']);
    await again.close();
  });
});

test('garbage appended after the last record is a tail; a flipped byte before valid records is not', async () => {
  await withTempDir(async (dir) => {
    const { log } = await SegmentedLog.open(disk, dir);
    await log.appendAndSync(entries(1, 5));
    await log.close();
    const [name] = await segmentFiles(dir);
    const path = join(dir, name!);
    await appendFile(path, Buffer.alloc(100, 0));
    const { log: again, recovery } = await SegmentedLog.open(disk, dir);
    assert.equal(again.lastIndex, 5);
    assert.equal(recovery.truncatedTail?.droppedBytes, 100);
    await again.close();
    const bytes = await readFile(path);
    const payloadAt = 32 + 25 + 2; // inside the payload of record 1
    assert.ok(payloadAt < bytes.length);
    bytes[payloadAt] = bytes[payloadAt]! ^ 0xff;
    await writeFile(path, bytes);
    await assert.rejects(SegmentedLog.open(disk, dir), (e) => isCairnError(e, 'CAIRN_CORRUPT') && e.message.includes(path) && e.message.includes('offset 32'));
  });
});

test('a failed write fails the log for good with CAIRN_IO; reopen keeps the synced prefix', async () => {
  await withTempDir(async (dir) => {
    const full = new FullDisk();
    const { log } = await SegmentedLog.open(full, dir, { segmentBytesMax: 200 });
    await log.appendAndSync(entries(1, 5));
    full.failing = true;
    await assert.rejects(log.appendAndSync(entries(6, 20)), (e) => isCairnError(e, 'CAIRN_IO') && /ENOSPC/.test(e.message));
    await assert.rejects(log.append([entry(26)]), (e) => isCairnError(e, 'CAIRN_IO'));
    await assert.rejects(log.sync(), (e) => isCairnError(e, 'CAIRN_IO'));
    await log.close();
    full.failing = false;
    const { log: again } = await SegmentedLog.open(full, dir, { segmentBytesMax: 200 });
    assert.ok(again.lastIndex >= 5);
    assert.deepEqual(texts(await again.read(1, 6)), entries(1, 5).map((e) => `value-${e.index}`));
    await again.close();
  });
});

test('a log whose only segment has a torn header continues at that segment’s index', async () => {
  await withTempDir(async (dir) => {
    const { log } = await SegmentedLog.open(disk, dir);
    await log.appendAndSync(entries(1, 5));
    await log.compactPrefix(5);
    await log.close();
    const [name] = await segmentFiles(dir);
    assert.equal(name, 'log-00000000000000000006.seg');
    await truncate(join(dir, name!), 10);
    const { log: again, recovery } = await SegmentedLog.open(disk, dir);
    assert.equal(recovery.truncatedTail?.dropWholeFile, true);
    assert.equal(again.firstIndex, 6);
    assert.equal(again.lastIndex, 5);
    await again.close();
  });
});
