// The snapshot format of the keyspace: everything that replicas must agree on (values, expiries,
// per-key versions, tombstones and the version counters), so a restored state behaves and
// re-encodes byte for byte like the one it came from. Indexes (SCAN buckets, expiry heap) are rebuilt.
//
// Layout (little-endian), format 2:
//   header  "CAIRNKV\0" | u32 format version | u32 flags (0)
//           f64 versionCounter | f64 tombstoneFloor | f64 nextSeq | f64 keyCount | f64 tombstoneCount
//   keys    keyCount × (u32 keyBytes | key | u8 type tag | u32 valueBytes | value | f64 expireAtMs (-1 = none) | f64 version | f64 seq)
//   tombs   tombstoneCount × (u32 keyBytes | key | f64 version)
// A string's value is its bytes; another type's is its collection's encoding (collection-codec.ts).
// Format 1 (strings only) had no type tag; it is still read.

import { Buffer } from 'node:buffer';
import { assert } from '../lib/assert.js';
import { CairnError } from '../lib/errors.js';
import { Db, KvRecord, TEXT_BYTES_MAX, TOMBSTONES_MAX, NO_EXPIRY } from './db.js';
import { ByteReader } from './reader.js';
import { TYPE_TAGS, type Collection } from './collection.js';
import { decodeCollection, encodeCollection, tagOf } from './collection-codec.js';

const MAGIC = 'CAIRNKV\u0000';
export const SNAPSHOT_FORMAT_VERSION = 2;
const STRINGS_ONLY_FORMAT_VERSION = 1;
const HEADER_BYTES = 8 + 4 + 4 + 8 * 5;
const MIN_KEY_BYTES = 4 + 1 + 4 + 8 + 8 + 8;
const MIN_TOMB_BYTES = 4 + 8;

export function encodeSnapshot(db: Db): Uint8Array {
  let totalBytes = HEADER_BYTES;
  const encoded = new Map<KvRecord, Uint8Array>();
  for (const [key, record] of db.map) {
    let valueBytes = record.valueBytes;
    if (record.collection !== null) {
      const bytes = encodeCollection(record.collection);
      encoded.set(record, bytes);
      valueBytes = bytes.length;
    }
    totalBytes += MIN_KEY_BYTES + key.length + valueBytes;
  }
  for (const key of db.tombstones.keys()) totalBytes += MIN_TOMB_BYTES + key.length;
  const out = Buffer.allocUnsafe(totalBytes);
  let at = out.write(MAGIC, 0, 'latin1');
  at = out.writeUInt32LE(SNAPSHOT_FORMAT_VERSION, at);
  at = out.writeUInt32LE(0, at);
  at = out.writeDoubleLE(db.versionCounter, at);
  at = out.writeDoubleLE(db.tombstoneFloor, at);
  at = out.writeDoubleLE(db.order.nextSeq, at);
  at = out.writeDoubleLE(db.map.size, at);
  at = out.writeDoubleLE(db.tombstones.size, at);
  for (const [key, record] of db.map) {
    at = out.writeUInt32LE(key.length, at);
    at += out.write(key, at, 'latin1');
    const collectionBytes = encoded.get(record);
    if (collectionBytes === undefined) {
      at = out.writeUInt8(TYPE_TAGS.string, at);
      const valueBytes = record.valueBytes;
      at = out.writeUInt32LE(valueBytes, at);
      record.copyValueInto(out, at);
      at += valueBytes;
    } else {
      at = out.writeUInt8(tagOf((record.collection as Collection).type), at);
      at = out.writeUInt32LE(collectionBytes.length, at);
      out.set(collectionBytes, at);
      at += collectionBytes.length;
    }
    at = out.writeDoubleLE(record.expireAtMs, at);
    at = out.writeDoubleLE(record.version, at);
    at = out.writeDoubleLE(record.seq, at);
  }
  for (const [key, version] of db.tombstones) {
    at = out.writeUInt32LE(key.length, at);
    at += out.write(key, at, 'latin1');
    at = out.writeDoubleLE(version, at);
  }
  assert(at === totalBytes, 'snapshot size computed wrongly');
  return out;
}

/**
 * String values become latin1 strings (db.ts), so they keep nothing of the buffer; a collection's
 * decoder may keep views into it. 'copy' (the default) makes that buffer a copy of `bytes`; 'adopt'
 * uses `bytes` itself, for a caller that hands them over and never reads or writes them again
 * (recovery, with a snapshot file it just read).
 */
export function decodeSnapshot(bytes: Uint8Array, ownership: 'copy' | 'adopt' = 'copy'): Db {
  let owned = bytes;
  if (ownership === 'copy') {
    owned = new Uint8Array(bytes.length);
    owned.set(bytes);
  }
  const r = new ByteReader(owned, 'kv snapshot');
  if (r.latin1(8, 'magic') !== MAGIC) r.corrupt('not a Cairn kv snapshot (bad magic)');
  const formatVersion = r.u32('format version');
  if (formatVersion !== SNAPSHOT_FORMAT_VERSION && formatVersion !== STRINGS_ONLY_FORMAT_VERSION) {
    throw new CairnError('CAIRN_FORMAT', `kv snapshot: unknown format version ${formatVersion}`);
  }
  if (r.u32('flags') !== 0) r.corrupt('unknown flags');
  const db = new Db();
  db.versionCounter = r.int('version counter', 0);
  db.tombstoneFloor = r.int('tombstone floor', -Number.MAX_SAFE_INTEGER);
  const nextSeq = r.int('next sequence number', 1);
  const keyCount = r.int('key count', 0);
  const tombCount = r.int('tombstone count', 0);
  if (keyCount * MIN_KEY_BYTES + tombCount * MIN_TOMB_BYTES > r.remaining) r.corrupt('counts exceed the snapshot size');
  if (tombCount > TOMBSTONES_MAX) r.corrupt(`tombstone count ${tombCount} over ${TOMBSTONES_MAX}`);
  readRecords(r, db, keyCount, formatVersion === SNAPSHOT_FORMAT_VERSION);
  for (let i = 0; i < tombCount; i++) {
    const key = r.latin1(r.u32('tombstone key length'), 'tombstone key');
    const version = r.int('tombstone version', -Number.MAX_SAFE_INTEGER);
    if (db.map.has(key) || db.tombstones.has(key)) r.corrupt('tombstone for a present or repeated key');
    db.tombstones.set(key, version);
  }
  if (r.remaining !== 0) r.corrupt(`${r.remaining} trailing bytes`);
  if (nextSeq < db.order.nextSeq) r.corrupt('next sequence number behind a key');
  db.order.nextSeq = nextSeq;
  db.rebuildExpiry();
  return db;
}

/**
 * The key records, the hot loop of a reopen. Each record is read inline with its checks; a record
 * that fails any of them is re-read by readRecord from its start, which names exactly what is wrong.
 */
function readRecords(r: ByteReader, db: Db, keyCount: number, tagged: boolean): void {
  const minKeyBytes = tagged ? MIN_KEY_BYTES : MIN_KEY_BYTES - 1;
  const buf = r.buf;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  const endAt = buf.length;
  for (let i = 0; i < keyCount; i++) {
    let at = r.at;
    if (endAt - at < minKeyBytes) {
      readRecord(r, db, tagged);
      continue;
    }
    const keyBytes = view.getUint32(at, true);
    at += 4;
    if (endAt - at < minKeyBytes - 4 + keyBytes) {
      readRecord(r, db, tagged);
      continue;
    }
    const key = buf.latin1Slice(at, at + keyBytes);
    at += keyBytes;
    if (tagged && buf[at] !== TYPE_TAGS.string) {
      readRecord(r, db, tagged); // collections take the checked path: their decoding dominates anyway
      continue;
    }
    if (tagged) at += 1;
    const valueBytes = view.getUint32(at, true);
    at += 4;
    if (endAt - at < 24 + valueBytes) {
      readRecord(r, db, tagged);
      continue;
    }
    const valueAt = at;
    at += valueBytes;
    const expireAtMs = view.getFloat64(at, true);
    const version = view.getFloat64(at + 8, true);
    const seq = view.getFloat64(at + 16, true);
    const valid =
      Number.isSafeInteger(expireAtMs) && expireAtMs >= NO_EXPIRY &&
      Number.isSafeInteger(version) && version >= 0 && version <= db.versionCounter &&
      Number.isSafeInteger(seq) && seq >= db.order.nextSeq;
    const value = valueBytes <= TEXT_BYTES_MAX ? buf.latin1Slice(valueAt, valueAt + valueBytes) : buf.subarray(valueAt, valueAt + valueBytes);
    if (valid && db.restore(key, new KvRecord(value, expireAtMs, version, seq))) r.at = at + 24;
    else readRecord(r, db, tagged); // names the failed check (a repeated key fails restore again)
  }
}

/** One key record with every check named; throws CAIRN_CORRUPT for the first that fails. */
function readRecord(r: ByteReader, db: Db, tagged: boolean): void {
  const key = r.latin1(r.u32('key length'), 'key');
  const tag = tagged ? r.u8('type tag') : TYPE_TAGS.string;
  const value = r.view(r.u32('value length'), 'value');
  const expireAtMs = r.int('expiry', NO_EXPIRY);
  const version = r.int('key version', 0);
  const seq = r.int('key sequence number', 1);
  if (version > db.versionCounter) r.corrupt(`key version ${version} ahead of the counter`);
  if (seq < db.order.nextSeq) r.corrupt('key sequence numbers out of order');
  const record = new KvRecord(tag === TYPE_TAGS.string ? value : '', expireAtMs, version, seq);
  if (tag !== TYPE_TAGS.string) record.collection = decodeCollection(tag, value);
  if (!db.restore(key, record)) r.corrupt('repeated key');
}

