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
// Format 1 (strings only) had no type tag; it is still read. Both directions go in resumable steps
// (the writer is snapshot-writer.ts), so a replica can snapshot a big keyspace without stalling.

import { assert } from '../lib/assert.js';
import { CairnError } from '../lib/errors.js';
import { Db, KvRecord, TEXT_BYTES_MAX, TOMBSTONES_MAX, NO_EXPIRY } from './db.js';
import { ByteReader, type NodeBuffer } from './reader.js';
import { TYPE_TAGS } from './collection.js';
import { decodeCollection } from './collection-codec.js';
import { MIN_KEY_BYTES, MIN_TOMB_BYTES, SNAPSHOT_FORMAT_VERSION, SNAPSHOT_MAGIC } from './snapshot-writer.js';

export { SNAPSHOT_FORMAT_VERSION } from './snapshot-writer.js';
const STRINGS_ONLY_FORMAT_VERSION = 1;
/** Bytes a copying reader copies per unit of a step's budget (a step of 1,000 keys copies 256 KiB). */
const COPY_BYTES_PER_WORK = 256;

/**
 * Reads one database's snapshot in resumable steps: the copy, the header, the key
 * records a budget at a time, then the tombstones and the indexes. The Db it builds is nobody's
 * until the last step returns it. Throws CAIRN_CORRUPT or CAIRN_FORMAT from the step that finds it.
 *
 * String values become latin1 strings (db.ts), so they keep nothing of the buffer; a collection's
 * decoder may keep views into it, so the reader first copies `bytes` (a few hundred KiB per step)
 * and reads the copy: the caller's buffer stays the caller's.
 */
export class DbSnapshotReader {
  private readonly owned: Uint8Array;
  private copiedBytes = 0;
  private r: ByteReader | null = null;
  private readonly db = new Db();
  private nextSeq = 0;
  private keysLeft = 0;
  private tombCount = 0;
  private tagged = true;

  constructor(private readonly bytes: Uint8Array) {
    this.owned = new Uint8Array(bytes.length);
  }

  /** Does about `budget` keys' worth of work; the Db once the snapshot is read, else null. */
  step(budget: number): Db | null {
    assert(budget > 0, 'a step needs a positive budget');
    if (this.copiedBytes < this.bytes.length) {
      const end = Math.min(this.bytes.length, this.copiedBytes + budget * COPY_BYTES_PER_WORK);
      this.owned.set(this.bytes.subarray(this.copiedBytes, end), this.copiedBytes);
      this.copiedBytes = end;
      return null;
    }
    const r = this.r ?? this.readHeader();
    if (this.keysLeft > 0) {
      const count = Math.min(this.keysLeft, budget);
      readRecords(r, this.db, count, this.tagged);
      this.keysLeft -= count;
      return null;
    }
    return this.finish(r);
  }

  private readHeader(): ByteReader {
    const r = new ByteReader(this.owned, 'kv snapshot');
    this.r = r;
    if (r.latin1(8, 'magic') !== SNAPSHOT_MAGIC) r.corrupt('not a Cairn kv snapshot (bad magic)');
    const formatVersion = r.u32('format version');
    if (formatVersion !== SNAPSHOT_FORMAT_VERSION && formatVersion !== STRINGS_ONLY_FORMAT_VERSION) {
      throw new CairnError('CAIRN_FORMAT', `kv snapshot: unknown format version ${formatVersion}`);
    }
    if (r.u32('flags') !== 0) r.corrupt('unknown flags');
    const db = this.db;
    db.versionCounter = r.int('version counter', 0);
    db.tombstoneFloor = r.int('tombstone floor', -Number.MAX_SAFE_INTEGER);
    this.nextSeq = r.int('next sequence number', 1);
    const keyCount = r.int('key count', 0);
    const tombCount = r.int('tombstone count', 0);
    if (keyCount * MIN_KEY_BYTES + tombCount * MIN_TOMB_BYTES > r.remaining) r.corrupt('counts exceed the snapshot size');
    if (tombCount > TOMBSTONES_MAX) r.corrupt(`tombstone count ${tombCount} over ${TOMBSTONES_MAX}`);
    this.keysLeft = keyCount;
    this.tombCount = tombCount;
    this.tagged = formatVersion === SNAPSHOT_FORMAT_VERSION;
    return r;
  }

  private finish(r: ByteReader): Db {
    const db = this.db;
    for (let i = 0; i < this.tombCount; i++) {
      const key = r.latin1(r.u32('tombstone key length'), 'tombstone key');
      const version = r.int('tombstone version', -Number.MAX_SAFE_INTEGER);
      if (db.map.has(key) || db.tombstones.has(key)) r.corrupt('tombstone for a present or repeated key');
      db.tombstones.set(key, version);
    }
    if (r.remaining !== 0) r.corrupt(`${r.remaining} trailing bytes`);
    if (this.nextSeq < db.order.nextSeq) r.corrupt('next sequence number behind a key');
    db.order.nextSeq = this.nextSeq;
    db.rebuildExpiry();
    return db;
  }
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
    if (valid && restoreString(db, key, buf, valueAt, valueBytes, expireAtMs, version, seq)) r.at = at + 24;
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

/** A string record: packed when it has no expiry and is short (db.ts), else a KvRecord. */
function restoreString(db: Db, key: string, buf: NodeBuffer, valueAt: number, valueBytes: number, expireAtMs: number, version: number, seq: number): boolean {
  const short = valueBytes <= TEXT_BYTES_MAX;
  if (short && expireAtMs === NO_EXPIRY) return db.restorePacked(key, buf.subarray(valueAt, valueAt + valueBytes), version, seq);
  const value = short ? buf.latin1Slice(valueAt, valueAt + valueBytes) : buf.subarray(valueAt, valueAt + valueBytes);
  return db.restore(key, new KvRecord(value, expireAtMs, version, seq));
}
