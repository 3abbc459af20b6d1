// The Raft hard state { term, votedFor, commitIndex }, kept in one small file replaced atomically.
//
// Layout (little-endian), file HARD_STATE_NAME:
//   0  8 bytes magic "CAIRNHST"
//   8  u16 format version, 10 u16 reserved, 12 u32 votedFor byte length (0 with no vote)
//   16 u64 term
//   24 u64 commitIndex
//   32 u8  has vote (0/1), 33..35 reserved
//   36 votedFor (UTF-8)
//   end-4 u32 crc32 of everything before it

import { crc32 } from 'node:zlib';
import { assert } from '../lib/assert.js';
import { CairnError } from '../lib/errors.js';
import type { Disk } from '../io/disk.js';
import { writeFileAtomically } from './atomic-file.js';
import { asciiBytes, readU64, startsWith, viewOf, writeU64 } from './bytes.js';

export interface HardState {
  readonly term: number;
  readonly votedFor: string | null;
  readonly commitIndex: number;
}

export const HARD_STATE_NAME = 'hardstate';
export const EMPTY_HARD_STATE: HardState = Object.freeze({ term: 0, votedFor: null, commitIndex: 0 });
const MAGIC = asciiBytes('CAIRNHST');
const VERSION = 1;
const FIXED_BYTES = 36;
const VOTED_FOR_BYTES_MAX = 1024;

export function encodeHardState(state: HardState): Uint8Array {
  const voted = state.votedFor === null ? new Uint8Array(0) : Buffer.from(state.votedFor, 'utf8');
  assert(voted.length <= VOTED_FOR_BYTES_MAX, 'votedFor is a short node id');
  const out = new Uint8Array(FIXED_BYTES + voted.length + 4);
  const view = viewOf(out);
  out.set(MAGIC, 0);
  view.setUint16(8, VERSION, true);
  view.setUint32(12, voted.length, true);
  writeU64(view, 16, state.term);
  writeU64(view, 24, state.commitIndex);
  view.setUint8(32, state.votedFor === null ? 0 : 1);
  out.set(voted, FIXED_BYTES);
  view.setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

export function decodeHardState(bytes: Uint8Array, path: string): HardState {
  const corrupt = (why: string): CairnError => new CairnError('CAIRN_CORRUPT', `${path}: hard state is damaged (${why})`);
  if (bytes.length < FIXED_BYTES + 4 || !startsWith(bytes, MAGIC)) throw corrupt('bad header');
  const view = viewOf(bytes);
  const votedBytes = view.getUint32(12, true);
  if (votedBytes > VOTED_FOR_BYTES_MAX || bytes.length !== FIXED_BYTES + votedBytes + 4) throw corrupt('bad length');
  if (view.getUint32(bytes.length - 4, true) !== crc32(bytes.subarray(0, bytes.length - 4))) throw corrupt('checksum mismatch');
  const version = view.getUint16(8, true);
  if (version !== VERSION) throw new CairnError('CAIRN_FORMAT', `${path}: hard state format version ${version} is not supported`);
  const term = readU64(view, 16);
  const commitIndex = readU64(view, 24);
  if (term < 0 || commitIndex < 0) throw corrupt('value out of range');
  const votedFor = view.getUint8(32) === 0 ? null : Buffer.from(bytes.subarray(FIXED_BYTES, FIXED_BYTES + votedBytes)).toString('utf8');
  return { term, votedFor, commitIndex };
}

/** The persisted hard state, or EMPTY_HARD_STATE when none was ever saved. */
export async function loadHardState(disk: Disk, dir: string): Promise<HardState> {
  const path = `${dir}/${HARD_STATE_NAME}`;
  const bytes = await disk.readFile(path);
  return bytes === undefined ? EMPTY_HARD_STATE : decodeHardState(bytes, path);
}

/** Durable when it resolves (temp file, fdatasync, rename, folder fsync). */
export async function saveHardStateDurably(disk: Disk, dir: string, state: HardState): Promise<void> {
  assert(Number.isSafeInteger(state.term) && state.term >= 0, 'term is a non-negative integer');
  assert(Number.isSafeInteger(state.commitIndex) && state.commitIndex >= 0, 'commitIndex is a non-negative integer');
  await writeFileAtomically(disk, dir, HARD_STATE_NAME, encodeHardState(state));
}
