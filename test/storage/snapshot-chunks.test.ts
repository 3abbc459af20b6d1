// Snapshot files written in chunks (the checksum a chunk at a time with yields between, the state
// appended in chunk-sized views): the bytes are the documented layout whatever the chunk size, the
// write yields as often as it should, and a file holding only part of the chunks — cut at any
// chunk boundary, or with a chunk never written (zeros) — is never loaded as a valid snapshot.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { NodeDisk } from '../../src/runtime/disk.js';
import { loadNewestSnapshot, writeSnapshotDurably, type SnapshotPace } from '../../src/storage/snapshot.js';
import { withTempDir } from './helpers.js';

const disk = new NodeDisk();
const config = Uint8Array.from([7, 8, 9]);

/** The layout of docs/STORAGE.md built in one buffer, independently of the writer. */
function referenceFile(index: number, term: number, state: Uint8Array): Buffer {
  const out = Buffer.alloc(48 + config.length + state.length);
  out.write('CAIRNSNP', 0, 'latin1');
  out.writeUInt16LE(1, 8);
  out.writeUInt32LE(config.length, 12);
  out.writeBigUInt64LE(BigInt(index), 16);
  out.writeBigUInt64LE(BigInt(term), 24);
  out.writeBigUInt64LE(BigInt(state.length), 32);
  out.set(config, 48);
  out.set(state, 48 + config.length);
  out.writeUInt32LE(crc32(out.subarray(48), crc32(out.subarray(0, 40))), 40);
  return out;
}

function stateOf(sizeBytes: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: sizeBytes }, (_, i) => (i * 31 + seed) & 0xff);
}

function countingPace(chunkBytes: number): SnapshotPace & { yields: number } {
  const pace = { chunkBytes, yields: 0, yieldTurn: async (): Promise<void> => void pace.yields++ };
  return pace;
}

test('a snapshot written in chunks is the one-buffer layout, whatever the chunk size, and yields once per chunk', async () => {
  await withTempDir(async (dir) => {
    const state = stateOf(10_000, 3);
    for (const chunkBytes of [1, 7, 4096, 10_000, 1 << 20]) {
      const pace = countingPace(chunkBytes);
      const index = chunkBytes;
      const sizeBytes = await writeSnapshotDurably(disk, dir, { index, term: 4, config, state }, pace);
      const file = await readFile(`${dir}/snap-${String(index).padStart(20, '0')}.snap`);
      assert.deepEqual(file, referenceFile(index, 4, state), `chunks of ${chunkBytes}`);
      assert.equal(sizeBytes, file.length);
      assert.equal(pace.yields, Math.ceil(state.length / chunkBytes), `chunks of ${chunkBytes}: one yield per checksum chunk`);
    }
  });
});

test('an empty state is written with a header and config only', async () => {
  await withTempDir(async (dir) => {
    const pace = countingPace(16);
    await writeSnapshotDurably(disk, dir, { index: 1, term: 1, config, state: new Uint8Array(0) }, pace);
    const load = await loadNewestSnapshot(disk, dir);
    assert.equal(load.snapshot?.index, 1);
    assert.equal(load.snapshot?.state.length, 0);
    assert.equal(pace.yields, 0);
  });
});

test('a snapshot holding only some of its chunks (cut at a boundary, or a chunk left as zeros) is skipped for the older one', async () => {
  await withTempDir(async (dir) => {
    const chunkBytes = 1000;
    await writeSnapshotDurably(disk, dir, { index: 10, term: 1, config, state: stateOf(2500, 1) }, countingPace(chunkBytes));
    const state = stateOf(5500, 2);
    await writeSnapshotDurably(disk, dir, { index: 20, term: 2, config, state }, countingPace(chunkBytes));
    const path = `${dir}/snap-00000000000000000020.snap`;
    const whole = await readFile(path);
    const stateAt = 48 + config.length;
    const damaged: { what: string; bytes: Buffer }[] = [{ what: 'header only', bytes: whole.subarray(0, 48) }];
    for (let chunk = 0; chunk * chunkBytes < state.length; chunk++) {
      damaged.push({ what: `cut after ${chunk} chunks`, bytes: whole.subarray(0, stateAt + chunk * chunkBytes) });
      const hole = Buffer.from(whole);
      hole.fill(0, stateAt + chunk * chunkBytes, Math.min(whole.length, stateAt + (chunk + 1) * chunkBytes));
      damaged.push({ what: `chunk ${chunk} never written`, bytes: hole });
    }
    for (const { what, bytes } of damaged) {
      await writeFile(path, bytes);
      const load = await loadNewestSnapshot(disk, dir);
      assert.equal(load.snapshot?.index, 10, `${what}: the older snapshot loads`);
      assert.equal(load.skipped[0]?.path, path, `${what}: the damaged one is reported`);
    }
    await writeFile(path, whole);
    assert.equal((await loadNewestSnapshot(disk, dir)).snapshot?.index, 20, 'the whole file loads');
  });
});
