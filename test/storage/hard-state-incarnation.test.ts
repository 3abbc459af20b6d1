// The hard state file's incarnation record (format version 2): the data directory's own
// incarnation and the one first heard from each peer id round-trip; a version 1 file (written
// before incarnations) still opens, and a Raft storage over it starts under a new incarnation
// that the next start keeps; a damaged incarnation record is a clear CAIRN_CORRUPT error.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { isCairnError } from '../../src/lib/errors.js';
import { NodeDisk } from '../../src/runtime/disk.js';
import { decodeHardState, encodeHardState, loadHardState, saveHardStateDurably } from '../../src/storage/hard-state.js';
import { withTempDir } from './helpers.js';

const disk = new NodeDisk();

/** A version 1 hard state file { term 7, votedFor n2, commitIndex 41 }, as the build before incarnations wrote it. */
const VERSION_1_FILE = '434149524e485354010000000200000007000000000000002900000000000000010000006e323a375227';

test('a version 1 hard state (before incarnations) still loads, with no incarnation', async () => {
  await withTempDir(async (dir) => {
    await writeFile(join(dir, 'hardstate'), Buffer.from(VERSION_1_FILE, 'hex'));
    assert.deepEqual(await loadHardState(disk, dir), { term: 7, votedFor: 'n2', commitIndex: 41 });
  });
});

test('incarnations round-trip in version 2, and a save over version 1 upgrades the file', async () => {
  await withTempDir(async (dir) => {
    await writeFile(join(dir, 'hardstate'), Buffer.from(VERSION_1_FILE, 'hex'));
    const state = {
      term: 8, votedFor: 'n2', commitIndex: 50, incarnation: '0123456789abcdef',
      peerIncarnations: [{ id: 'n1', incarnation: 'ffffffffffffffff' }, { id: 'nœud-3', incarnation: '0000000000000001' }],
    };
    await saveHardStateDurably(disk, dir, state);
    assert.deepEqual(await loadHardState(disk, dir), state);
    const bytes = await readFile(join(dir, 'hardstate'));
    assert.equal(bytes.readUInt16LE(8), 2);
    // No vote, no peers: still exact.
    const bare = { term: 0, votedFor: null, commitIndex: 0, incarnation: '00000000000000aa' };
    assert.deepEqual(decodeHardState(encodeHardState(bare), 'x'), bare);
  });
});

/** Re-seals a file after an edit, so that only the edited field is wrong. */
function reseal(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
  return bytes;
}

test('a damaged incarnation record is a clear error, never a wrong map', () => {
  const state = { term: 3, votedFor: null, commitIndex: 2, incarnation: '0123456789abcdef', peerIncarnations: [{ id: 'n1', incarnation: '00000000000000ff' }] };
  const good = encodeHardState(state);
  const expectCorrupt = (bytes: Uint8Array, pattern: RegExp): void => {
    assert.throws(() => decodeHardState(bytes, '/data/hardstate'), (e: unknown) => isCairnError(e, 'CAIRN_CORRUPT') && pattern.test(e.message) && e.message.includes('/data/hardstate'));
  };
  // A flipped bit anywhere: the checksum.
  const flipped = Uint8Array.from(good);
  flipped[45] = flipped[45]! ^ 1;
  expectCorrupt(flipped, /checksum/);
  // A peer count the bytes cannot hold (checksum valid).
  const count = Uint8Array.from(good);
  new DataView(count.buffer).setUint32(36, 2, true);
  expectCorrupt(reseal(count), /incarnation record: peer 1 runs past the end/);
  // A bad flag.
  const flag = Uint8Array.from(good);
  flag[33] = 7;
  expectCorrupt(reseal(flag), /incarnation record: bad flag/);
  // A peer id length of zero.
  const empty = Uint8Array.from(good);
  new DataView(empty.buffer).setUint16(48, 0, true);
  expectCorrupt(reseal(empty), /incarnation record: peer 0 has a bad length/);
  // Far too many peers.
  const many = Uint8Array.from(good);
  new DataView(many.buffer).setUint32(36, 1_000_000, true);
  expectCorrupt(reseal(many), /exceed/);
});
