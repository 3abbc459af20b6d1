// File formats: record framing and checksums, segment headers, hard state and snapshot files.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { isCairnError } from '../../src/lib/errors.js';
import { NodeDisk } from '../../src/runtime/disk.js';
import { decodeRecord, encodeRecords, RECORD_HEADER_BYTES } from '../../src/storage/record.js';
import { decodeSegmentHeader, encodeSegmentHeader } from '../../src/storage/segment-file.js';
import { EMPTY_HARD_STATE, loadHardState, saveHardStateDurably } from '../../src/storage/hard-state.js';
import { loadNewestSnapshot, removeSnapshotsBefore, writeSnapshotDurably } from '../../src/storage/snapshot.js';
import { entry, withTempDir } from './helpers.js';

const disk = new NodeDisk();

test('a record round-trips and every single-byte flip is caught', () => {
  const bytes = encodeRecords([{ index: 2 ** 40, term: 9, kind: 3, data: Uint8Array.from([0, 10, 32, 255]) }]);
  assert.equal(bytes.length, RECORD_HEADER_BYTES + 4);
  const decoded = decodeRecord(bytes, 0);
  assert.ok(decoded.ok);
  assert.deepEqual([decoded.entry.index, decoded.entry.term, decoded.entry.kind, [...decoded.entry.data]], [2 ** 40, 9, 3, [0, 10, 32, 255]]);
  for (let offset = 0; offset < bytes.length; offset++) {
    for (const mask of [0x01, 0x80, 0xff]) {
      const damaged = Uint8Array.from(bytes);
      damaged[offset] = damaged[offset]! ^ mask;
      assert.equal(decodeRecord(damaged, 0).ok, false, `flip ${mask} at ${offset}`);
    }
  }
  assert.equal(decodeRecord(bytes.subarray(0, bytes.length - 1), 0).ok, false, 'a short record is incomplete');
});

test('a huge length field is damage, not an allocation', () => {
  const bytes = encodeRecords([entry(1)]);
  new DataView(bytes.buffer).setUint32(4, 0xffff_fff0, true);
  const decoded = decodeRecord(bytes, 0);
  assert.ok(!decoded.ok && /over the limit/.test(decoded.reason));
});

test('segment headers carry a checksum and a version', () => {
  const header = encodeSegmentHeader(77);
  assert.deepEqual(decodeSegmentHeader(header, 'x'), { firstIndex: 77, resetsLog: false });
  assert.deepEqual(decodeSegmentHeader(encodeSegmentHeader(78, 1), 'x'), { firstIndex: 78, resetsLog: true });
  const damaged = Uint8Array.from(header);
  damaged[17] = damaged[17]! ^ 1;
  assert.ok('reason' in decodeSegmentHeader(damaged, 'x'));
  const future = Uint8Array.from(header);
  future[8] = 2; // version 2, with a matching checksum
  const view = new DataView(future.buffer);
  view.setUint32(28, crc32(future.subarray(0, 28)), true);
  assert.throws(() => decodeSegmentHeader(future, 'x'), (e) => isCairnError(e, 'CAIRN_FORMAT'));
});

test('hard state is saved atomically, reloads, and damage is reported', async () => {
  await withTempDir(async (dir) => {
    assert.deepEqual(await loadHardState(disk, dir), EMPTY_HARD_STATE);
    await saveHardStateDurably(disk, dir, { term: 5, votedFor: 'node-2', commitIndex: 41 });
    await saveHardStateDurably(disk, dir, { term: 6, votedFor: null, commitIndex: 42 });
    assert.deepEqual(await loadHardState(disk, dir), { term: 6, votedFor: null, commitIndex: 42 });
    assert.deepEqual((await readdir(dir)).sort(), ['hardstate']);
    const path = join(dir, 'hardstate');
    const bytes = await readFile(path);
    bytes[20] = bytes[20]! ^ 1;
    await writeFile(path, bytes);
    await assert.rejects(loadHardState(disk, dir), (e) => isCairnError(e, 'CAIRN_CORRUPT') && e.message.includes(path));
  });
});

test('the newest valid snapshot loads; a damaged newer one is skipped and reported', async () => {
  await withTempDir(async (dir) => {
    const config = Uint8Array.from([1, 2]);
    await writeSnapshotDurably(disk, dir, { index: 10, term: 2, config, state: Buffer.from('ten') });
    await writeSnapshotDurably(disk, dir, { index: 20, term: 3, config, state: Buffer.from('twenty') });
    let load = await loadNewestSnapshot(disk, dir);
    assert.equal(load.snapshot?.index, 20);
    assert.equal(Buffer.from(load.snapshot!.state).toString(), 'twenty');
    assert.deepEqual([...load.snapshot!.config], [1, 2]);
    const newest = load.snapshot!.path;
    const bytes = await readFile(newest);
    await writeFile(newest, bytes.subarray(0, bytes.length - 2));
    load = await loadNewestSnapshot(disk, dir);
    assert.equal(load.snapshot?.index, 10);
    assert.equal(load.skipped[0]?.path, newest);
    await removeSnapshotsBefore(disk, dir, 20);
    assert.deepEqual(await readdir(dir), ['snap-00000000000000000020.snap']);
  });
});

test('NodeDisk turns file-system errors into CAIRN_IO naming the path and the errno', async () => {
  await withTempDir(async (dir) => {
    const notADir = join(dir, 'plain-file');
    await writeFile(notADir, 'x');
    const path = join(notADir, 'segment');
    await assert.rejects(disk.openFile(path), (e) => isCairnError(e, 'CAIRN_IO') && e.message.includes(path) && e.message.includes('ENOTDIR'));
    await assert.rejects(disk.mkdirp(join(notADir, 'sub')), (e) => isCairnError(e, 'CAIRN_IO') && e.message.includes('plain-file'));
    assert.equal(await disk.readFile(join(dir, 'missing')), undefined);
    assert.deepEqual(await disk.list(join(dir, 'missing')), []);
  });
});
