// Record framing for log segments: one log entry per record, checksummed, self-describing.
//
// Layout (little-endian), RECORD_HEADER_BYTES = 25:
//   0  u32 crc32          zlib.crc32 over bytes 4..end (everything after itself, length included)
//   4  u32 payloadBytes   length of the payload that follows the header
//   8  u8  kind           record type (the entry kind; meaning belongs to the layer above)
//   9  u64 index          log index
//   17 u64 term           Raft term
//   25 payload            arbitrary bytes
// A record is valid only when its length is in range, it fits in the file and the CRC matches.

import { crc32 } from 'node:zlib';
import { assert } from '../lib/assert.js';
import { readU64, viewOf, writeU64 } from './bytes.js';

export const RECORD_HEADER_BYTES = 25;
/** The largest payload a record may carry; a larger length field is damage, never an allocation. */
export const RECORD_PAYLOAD_BYTES_MAX = 64 * 1024 * 1024;
export const RECORD_KIND_MAX = 255;

/** One Raft log entry. `kind` is the record type; `data` is opaque to storage. */
export interface LogEntry {
  readonly index: number;
  readonly term: number;
  readonly kind: number;
  readonly data: Uint8Array;
}

export function recordBytes(entry: LogEntry): number {
  return RECORD_HEADER_BYTES + entry.data.length;
}

/** Writes one record into `target` at `offset`; returns the offset just past it. */
export function encodeRecordInto(target: Uint8Array, offset: number, entry: LogEntry): number {
  assert(Number.isInteger(entry.kind) && entry.kind >= 0, 'record kind must be a non-negative integer');
  assert(entry.kind <= RECORD_KIND_MAX, 'record kind must fit one byte');
  assert(entry.data.length <= RECORD_PAYLOAD_BYTES_MAX, 'record payload too large');
  const end = offset + RECORD_HEADER_BYTES + entry.data.length;
  assert(end <= target.length, 'record does not fit the target buffer');
  const view = viewOf(target);
  view.setUint32(offset + 4, entry.data.length, true);
  view.setUint8(offset + 8, entry.kind);
  writeU64(view, offset + 9, entry.index);
  writeU64(view, offset + 17, entry.term);
  target.set(entry.data, offset + RECORD_HEADER_BYTES);
  view.setUint32(offset, crc32(target.subarray(offset + 4, end)), true);
  return end;
}

export function encodeRecords(entries: readonly LogEntry[]): Uint8Array {
  let total = 0;
  for (const entry of entries) total += recordBytes(entry);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const entry of entries) offset = encodeRecordInto(out, offset, entry);
  assert(offset === total, 'encoded size mismatch');
  return out;
}

export type DecodeResult =
  | { readonly ok: true; readonly entry: LogEntry; readonly endOffset: number }
  | { readonly ok: false; readonly reason: string };

/**
 * Decodes the record at `offset` of `bytes` (which ends where the file ends). Never throws on bad
 * bytes: damage is returned as a reason so the caller can decide between tail and middle.
 * The entry's data is a view into `bytes`, not a copy.
 */
export function decodeRecord(bytes: Uint8Array, offset: number, view: DataView = viewOf(bytes)): DecodeResult {
  assert(offset >= 0 && offset <= bytes.length, 'decode offset out of range');
  assert(view.byteLength === bytes.length, 'the view covers the bytes');
  if (bytes.length - offset < RECORD_HEADER_BYTES) return { ok: false, reason: 'incomplete record header' };
  const payloadBytes = view.getUint32(offset + 4, true);
  if (payloadBytes > RECORD_PAYLOAD_BYTES_MAX) return { ok: false, reason: `length ${payloadBytes} over the limit` };
  const end = offset + RECORD_HEADER_BYTES + payloadBytes;
  if (end > bytes.length) return { ok: false, reason: 'record runs past the end of the file' };
  if (view.getUint32(offset, true) !== crc32(bytes.subarray(offset + 4, end))) return { ok: false, reason: 'checksum mismatch' };
  const index = readU64(view, offset + 9);
  const term = readU64(view, offset + 17);
  if (index < 0 || term < 0) return { ok: false, reason: 'index or term out of range' };
  const entry = { index, term, kind: view.getUint8(offset + 8), data: bytes.subarray(offset + RECORD_HEADER_BYTES, end) };
  return { ok: true, entry, endOffset: end };
}

/** Reads the index field of a possible record without validating it (for the tail scan). */
export function peekRecordIndex(bytes: Uint8Array, offset: number, view: DataView): number {
  if (bytes.length - offset < RECORD_HEADER_BYTES) return -1;
  return readU64(view, offset + 9);
}
