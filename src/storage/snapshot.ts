// Snapshot files: the state machine at one log index, written atomically, newest valid one loaded.
//
// Layout (little-endian), file snap-<index, 20 digits>.snap:
//   0  8 bytes magic "CAIRNSNP"
//   8  u16 format version, 10 u16 reserved, 12 u32 config byte length
//   16 u64 index          last log index the state includes
//   24 u64 term           term of that entry
//   32 u64 state byte length
//   40 u32 crc32 over bytes 0..40 followed by config and state, 44 u32 reserved
//   48 config bytes (cluster membership; opaque here), then state bytes (opaque here)
//
// A snapshot is as big as the state (a hundred MiB and more), so writing one never copies it and
// never holds the event loop for long: the checksum is computed a chunk at a time (crc32 takes the
// running value), yielding between chunks, then header and config go in one append and the state
// in chunk-sized appends of views into the caller's buffer, whatever the chunk size the same bytes.

import { crc32 } from 'node:zlib';
import { assert } from '../lib/assert.js';
import { CairnError } from '../lib/errors.js';
import type { Disk } from '../io/disk.js';
import { writePartsAtomically } from './atomic-file.js';
import { asciiBytes, readU64, startsWith, viewOf, writeU64 } from './bytes.js';

export interface Snapshot {
  readonly index: number;
  readonly term: number;
  readonly config: Uint8Array;
  readonly state: Uint8Array;
}

export interface SnapshotLoad {
  /** The newest valid snapshot, or null when there is none. */
  readonly snapshot: (Snapshot & { readonly path: string; readonly sizeBytes: number }) | null;
  /** Newer snapshot files that were skipped because they are damaged, with why. */
  readonly skipped: readonly { readonly path: string; readonly reason: string }[];
}

const MAGIC = asciiBytes('CAIRNSNP');
const VERSION = 1;
const HEADER_BYTES = 48;
const NAME_PATTERN = /^snap-(\d{20})\.snap$/;

export function snapshotName(index: number): string {
  assert(Number.isSafeInteger(index) && index >= 0, 'snapshot index is a non-negative integer');
  return `snap-${String(index).padStart(20, '0')}.snap`;
}

/** How a snapshot write paces itself: checksum and append the state `chunkBytes` at a time, `yieldTurn` between checksum chunks. */
export interface SnapshotPace {
  readonly chunkBytes: number;
  readonly yieldTurn: () => Promise<void>;
}

/** A mebibyte: about a millisecond of crc32 here. */
export const SNAPSHOT_CHUNK_BYTES = 1 << 20;

/** Chunks of a mebibyte with microtask yields: the simulator's pace, and the default. */
export const MICROTASK_PACE: SnapshotPace = { chunkBytes: SNAPSHOT_CHUNK_BYTES, yieldTurn: () => Promise.resolve() };

/** Header and config, the checksum field left 0. */
function encodeHead(snapshot: Snapshot): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + snapshot.config.length);
  const view = viewOf(out);
  out.set(MAGIC, 0);
  view.setUint16(8, VERSION, true);
  view.setUint32(12, snapshot.config.length, true);
  writeU64(view, 16, snapshot.index);
  writeU64(view, 24, snapshot.term);
  writeU64(view, 32, snapshot.state.length);
  out.set(snapshot.config, HEADER_BYTES);
  return out;
}

/** The file's checksum (header bytes 0..40, config, state), a chunk of the state at a time with a yield after each. */
async function snapshotCrcStepped(head: Uint8Array, state: Uint8Array, pace: SnapshotPace): Promise<number> {
  assert(pace.chunkBytes > 0, 'a snapshot chunk has a positive size');
  let crc = crc32(head.subarray(HEADER_BYTES), crc32(head.subarray(0, 40)));
  for (let at = 0; at < state.length; at += pace.chunkBytes) {
    crc = crc32(state.subarray(at, at + pace.chunkBytes), crc);
    await pace.yieldTurn();
  }
  return crc;
}

/** The whole file's checksum, in one go (loading). */
function snapshotCrc(bytes: Uint8Array): number {
  return crc32(bytes.subarray(HEADER_BYTES), crc32(bytes.subarray(0, 40)));
}

/** Views of `state`, `chunkBytes` each (the last shorter). */
function* chunksOf(state: Uint8Array, chunkBytes: number): Generator<Uint8Array> {
  for (let at = 0; at < state.length; at += chunkBytes) yield state.subarray(at, at + chunkBytes);
}

/** Decodes a snapshot file; returns a reason instead of throwing when it is damaged. */
export function decodeSnapshot(bytes: Uint8Array, path: string): Snapshot | { reason: string } {
  if (bytes.length < HEADER_BYTES || !startsWith(bytes, MAGIC)) return { reason: 'bad header' };
  const view = viewOf(bytes);
  const version = view.getUint16(8, true);
  if (version !== VERSION) throw new CairnError('CAIRN_FORMAT', `${path}: snapshot format version ${version} is not supported`);
  const configBytes = view.getUint32(12, true);
  const stateBytes = readU64(view, 32);
  if (stateBytes < 0 || bytes.length !== HEADER_BYTES + configBytes + stateBytes) return { reason: 'length mismatch (torn or truncated)' };
  if (view.getUint32(40, true) !== snapshotCrc(bytes)) return { reason: 'checksum mismatch' };
  const index = readU64(view, 16);
  const term = readU64(view, 24);
  if (index < 0 || term < 0) return { reason: 'index or term out of range' };
  const config = bytes.subarray(HEADER_BYTES, HEADER_BYTES + configBytes);
  return { index, term, config, state: bytes.subarray(HEADER_BYTES + configBytes) };
}

/** Snapshot files in `dir`, newest (highest index) first. */
export async function listSnapshots(disk: Disk, dir: string): Promise<{ path: string; index: number }[]> {
  const found: { path: string; index: number }[] = [];
  for (const name of await disk.list(dir)) {
    const match = NAME_PATTERN.exec(name);
    if (match !== null) found.push({ path: `${dir}/${name}`, index: Number(match[1]) });
  }
  return found.sort((a, b) => b.index - a.index);
}

export async function loadNewestSnapshot(disk: Disk, dir: string): Promise<SnapshotLoad> {
  const skipped: { path: string; reason: string }[] = [];
  for (const { path, index } of await listSnapshots(disk, dir)) {
    const bytes = await disk.readFile(path);
    const decoded = bytes === undefined ? { reason: 'vanished' } : decodeSnapshot(bytes, path);
    if (!('reason' in decoded) && decoded.index !== index) skipped.push({ path, reason: `holds index ${decoded.index}, name says ${index}` });
    else if ('reason' in decoded) skipped.push({ path, reason: decoded.reason });
    else return { snapshot: { ...decoded, path, sizeBytes: (bytes as Uint8Array).length }, skipped };
  }
  return { snapshot: null, skipped };
}

/**
 * Writes a snapshot; durable when it resolves. Older snapshots stay until removeSnapshotsBefore.
 * `snapshot.state` must not change until it resolves: the appends read it in place.
 */
export async function writeSnapshotDurably(disk: Disk, dir: string, snapshot: Snapshot, pace: SnapshotPace = MICROTASK_PACE): Promise<number> {
  const head = encodeHead(snapshot);
  viewOf(head).setUint32(40, await snapshotCrcStepped(head, snapshot.state, pace), true);
  await writePartsAtomically(disk, dir, snapshotName(snapshot.index), [head, ...chunksOf(snapshot.state, pace.chunkBytes)]);
  return head.length + snapshot.state.length;
}

/** Removes snapshot files older than `index` (after a newer one is durable). */
export async function removeSnapshotsBefore(disk: Disk, dir: string, index: number): Promise<void> {
  let removed = 0;
  for (const old of await listSnapshots(disk, dir)) {
    if (old.index >= index) continue;
    await disk.remove(old.path);
    removed++;
  }
  if (removed > 0) await disk.syncDir(dir);
}
