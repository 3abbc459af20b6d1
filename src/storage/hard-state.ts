// The Raft hard state { term, votedFor, commitIndex } and the data directory's incarnations (its
// own, and the one first heard from each peer id), kept in one small file replaced atomically.
//
// Layout (little-endian), file HARD_STATE_NAME, format version 2:
//   0  8 bytes magic "CAIRNHST"
//   8  u16 format version, 10 u16 reserved, 12 u32 votedFor byte length (0 with no vote)
//   16 u64 term
//   24 u64 commitIndex
//   32 u8  has vote (0/1), 33 u8 has incarnation (0/1), 34..35 reserved
//   36 u32 peer incarnation count
//   40 8 bytes own incarnation (zero without one)
//   48 votedFor (UTF-8)
//   then per peer: u16 id byte length, id (UTF-8), 8 bytes incarnation
//   end-4 u32 crc32 of everything before it
// Version 1 (written before incarnations) is bytes 0..35 as above without 33..35's flag, then
// votedFor at 36 and the crc: it still loads, with no incarnation and no peers, and the next save
// writes version 2. A directory without an incarnation gets one on its first start (replica.ts).

import { crc32 } from 'node:zlib';
import { assert } from '../lib/assert.js';
import { CairnError } from '../lib/errors.js';
import { PEER_INCARNATIONS_MAX } from '../lib/limits.js';
import type { Disk } from '../io/disk.js';
import { writeFileAtomically } from './atomic-file.js';
import { asciiBytes, readU64, startsWith, viewOf, writeU64 } from './bytes.js';

export interface PeerIncarnationRecord {
  readonly id: string;
  /** 16 lowercase hex digits. */
  readonly incarnation: string;
}

export interface HardState {
  readonly term: number;
  readonly votedFor: string | null;
  readonly commitIndex: number;
  /** The data directory's incarnation (16 lowercase hex digits); absent before it was given one. */
  readonly incarnation?: string;
  /** The incarnation first heard from each peer id; absent or empty when none. */
  readonly peerIncarnations?: readonly PeerIncarnationRecord[];
}

export const HARD_STATE_NAME = 'hardstate';
export const EMPTY_HARD_STATE: HardState = Object.freeze({ term: 0, votedFor: null, commitIndex: 0 });
const MAGIC = asciiBytes('CAIRNHST');
const VERSION = 2;
const VERSION_1 = 1;
const FIXED_BYTES_V1 = 36;
const FIXED_BYTES = 48;
const INCARNATION_BYTES = 8;
/** A node id, voted for or of a peer, in bytes. */
const NODE_ID_BYTES_MAX = 1024;
const INCARNATION_PATTERN = /^[0-9a-f]{16}$/;

function incarnationBytes(incarnation: string): Uint8Array {
  assert(INCARNATION_PATTERN.test(incarnation), 'an incarnation is 16 lowercase hex digits');
  return Buffer.from(incarnation, 'hex');
}

function incarnationText(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export function encodeHardState(state: HardState): Uint8Array {
  const voted = state.votedFor === null ? new Uint8Array(0) : Buffer.from(state.votedFor, 'utf8');
  assert(voted.length <= NODE_ID_BYTES_MAX, 'votedFor is a short node id');
  const peers = (state.peerIncarnations ?? []).map((p) => ({ id: Buffer.from(p.id, 'utf8'), incarnation: incarnationBytes(p.incarnation) }));
  assert(peers.length <= PEER_INCARNATIONS_MAX, 'peer incarnations within the cap');
  const peerBytes = peers.reduce((sum, p) => sum + 2 + p.id.length + INCARNATION_BYTES, 0);
  const out = new Uint8Array(FIXED_BYTES + voted.length + peerBytes + 4);
  const view = viewOf(out);
  out.set(MAGIC, 0);
  view.setUint16(8, VERSION, true);
  view.setUint32(12, voted.length, true);
  writeU64(view, 16, state.term);
  writeU64(view, 24, state.commitIndex);
  view.setUint8(32, state.votedFor === null ? 0 : 1);
  view.setUint8(33, state.incarnation === undefined ? 0 : 1);
  view.setUint32(36, peers.length, true);
  if (state.incarnation !== undefined) out.set(incarnationBytes(state.incarnation), 40);
  out.set(voted, FIXED_BYTES);
  let offset = FIXED_BYTES + voted.length;
  for (const peer of peers) {
    assert(peer.id.length > 0 && peer.id.length <= NODE_ID_BYTES_MAX, 'a peer id is 1..1024 bytes');
    view.setUint16(offset, peer.id.length, true);
    out.set(peer.id, offset + 2);
    out.set(peer.incarnation, offset + 2 + peer.id.length);
    offset += 2 + peer.id.length + INCARNATION_BYTES;
  }
  view.setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

export function decodeHardState(bytes: Uint8Array, path: string): HardState {
  const corrupt = (why: string): CairnError => new CairnError('CAIRN_CORRUPT', `${path}: hard state is damaged (${why})`);
  if (bytes.length < FIXED_BYTES_V1 + 4 || !startsWith(bytes, MAGIC)) throw corrupt('bad header');
  const view = viewOf(bytes);
  if (view.getUint32(bytes.length - 4, true) !== crc32(bytes.subarray(0, bytes.length - 4))) throw corrupt('checksum mismatch');
  const version = view.getUint16(8, true);
  if (version !== VERSION && version !== VERSION_1) throw new CairnError('CAIRN_FORMAT', `${path}: hard state format version ${version} is not supported`);
  const fixedBytes = version === VERSION_1 ? FIXED_BYTES_V1 : FIXED_BYTES;
  const votedBytes = view.getUint32(12, true);
  if (votedBytes > NODE_ID_BYTES_MAX || bytes.length < fixedBytes + votedBytes + 4) throw corrupt('bad length');
  const term = readU64(view, 16);
  const commitIndex = readU64(view, 24);
  if (term < 0 || commitIndex < 0) throw corrupt('value out of range');
  const votedFor = view.getUint8(32) === 0 ? null : Buffer.from(bytes.subarray(fixedBytes, fixedBytes + votedBytes)).toString('utf8');
  if (version === VERSION_1) {
    if (bytes.length !== fixedBytes + votedBytes + 4) throw corrupt('bad length');
    return { term, votedFor, commitIndex };
  }
  const state: { -readonly [K in keyof HardState]: HardState[K] } = { term, votedFor, commitIndex };
  const hasIncarnation = view.getUint8(33);
  if (hasIncarnation > 1) throw corrupt(`incarnation record: bad flag ${hasIncarnation}`);
  if (hasIncarnation === 1) state.incarnation = incarnationText(bytes.subarray(40, 48));
  const peers = decodePeers(bytes, fixedBytes + votedBytes, view.getUint32(36, true), (why) => corrupt(`incarnation record: ${why}`));
  if (peers.length > 0) state.peerIncarnations = peers;
  return state;
}

function decodePeers(bytes: Uint8Array, start: number, count: number, corrupt: (why: string) => CairnError): PeerIncarnationRecord[] {
  if (count > PEER_INCARNATIONS_MAX) throw corrupt(`${count} peers exceed ${PEER_INCARNATIONS_MAX}`);
  const view = viewOf(bytes);
  const end = bytes.length - 4;
  const peers: PeerIncarnationRecord[] = [];
  const seen = new Set<string>();
  let offset = start;
  for (let i = 0; i < count; i++) {
    if (offset + 2 > end) throw corrupt(`peer ${i} runs past the end`);
    const idBytes = view.getUint16(offset, true);
    if (idBytes === 0 || idBytes > NODE_ID_BYTES_MAX || offset + 2 + idBytes + INCARNATION_BYTES > end) throw corrupt(`peer ${i} has a bad length`);
    const id = Buffer.from(bytes.subarray(offset + 2, offset + 2 + idBytes)).toString('utf8');
    if (seen.has(id)) throw corrupt(`peer ${id} appears twice`);
    seen.add(id);
    const incarnation = incarnationText(bytes.subarray(offset + 2 + idBytes, offset + 2 + idBytes + INCARNATION_BYTES));
    peers.push({ id, incarnation });
    offset += 2 + idBytes + INCARNATION_BYTES;
  }
  if (offset !== end) throw corrupt(`${end - offset} bytes after the last peer`);
  return peers;
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

/** Whether two hard states name the same incarnations (own and peers'). */
export function sameIncarnations(a: HardState, b: HardState): boolean {
  if (a.incarnation !== b.incarnation) return false;
  const pa = a.peerIncarnations ?? [];
  const pb = b.peerIncarnations ?? [];
  if (pa === pb) return true;
  if (pa.length !== pb.length) return false;
  return pa.every((p, i) => p.id === pb[i]?.id && p.incarnation === pb[i]?.incarnation);
}
