// Writes one database's snapshot (the layout is in snapshot.ts) in resumable steps, so a caller can
// encode a million keys a few thousand at a time and let other work run between steps. Two passes
// over the keys: measure (the total size, with each collection encoded once), then write into a
// buffer the caller allocates (several databases and a caller's header share one). The Db must not
// change between the first step and the last: the passes iterate its maps.

import type { Buffer } from 'node:buffer';
import { assert } from '../lib/assert.js';
import { NO_EXPIRY, type Db, type Entry, type KvRecord } from './db.js';
import { packedSeq, packedValue, packedValueBytes, packedVersion } from './packed.js';
import { TYPE_TAGS, type Collection } from './collection.js';
import { encodeCollection, tagOf } from './collection-codec.js';

export const SNAPSHOT_MAGIC = 'CAIRNKV\u0000';
export const SNAPSHOT_FORMAT_VERSION = 2;
export const SNAPSHOT_HEADER_BYTES = 8 + 4 + 4 + 8 * 5;
/** A key record's fixed part: key length, type tag, value length, expiry, version, sequence number. */
export const MIN_KEY_BYTES = 4 + 1 + 4 + 8 + 8 + 8;
export const MIN_TOMB_BYTES = 4 + 8;

/** How much work a key is for a step's budget: one, or a collection's element count (its encoding walks them all). */
function workOf(entry: Entry): number {
  return typeof entry === 'string' || entry.collection === null ? 1 : Math.max(1, entry.collection.size);
}

export class DbSnapshotWriter {
  private sizeBytes = SNAPSHOT_HEADER_BYTES;
  private measured = false;
  private readonly encoded = new Map<KvRecord, Uint8Array>();
  private readonly measuring: Iterator<[string, Entry]>;
  private writing: Iterator<[string, Entry]> | null = null;
  private out: Buffer | null = null;
  private startAt = 0;
  private at = 0;
  private written = false;

  constructor(private readonly db: Db) {
    this.measuring = db.entries();
  }

  /** The snapshot's size, once measure() returned true. */
  get totalBytes(): number {
    assert(this.measured, 'snapshot size asked before it was measured');
    return this.sizeBytes;
  }

  /** Measures keys until about `budget` work is done; true once the size is known. */
  measure(budget: number): boolean {
    assert(budget > 0, 'a step needs a positive budget');
    if (this.measured) return true;
    let work = 0;
    while (work < budget) {
      const next = this.measuring.next();
      if (next.done === true) {
        for (const key of this.db.tombstones.keys()) this.sizeBytes += MIN_TOMB_BYTES + key.length;
        this.measured = true;
        return true;
      }
      const [key, record] = next.value;
      if (typeof record === 'string') {
        this.sizeBytes += MIN_KEY_BYTES + key.length + packedValueBytes(record);
        work++;
        continue;
      }
      let valueBytes = record.valueBytes;
      if (record.collection !== null) {
        const bytes = encodeCollection(record.collection);
        this.encoded.set(record, bytes);
        valueBytes = bytes.length;
      }
      this.sizeBytes += MIN_KEY_BYTES + key.length + valueBytes;
      work += workOf(record);
    }
    return false;
  }

  /** Starts the write pass: the snapshot goes into out[at, at + totalBytes). */
  begin(out: Buffer, at: number): void {
    assert(this.measured, 'written before measured');
    assert(this.out === null, 'write pass begun twice');
    assert(at + this.sizeBytes <= out.length, 'snapshot does not fit its buffer');
    const db = this.db;
    this.out = out;
    this.startAt = at;
    at += out.write(SNAPSHOT_MAGIC, at, 'latin1');
    at = out.writeUInt32LE(SNAPSHOT_FORMAT_VERSION, at);
    at = out.writeUInt32LE(0, at);
    at = out.writeDoubleLE(db.versionCounter, at);
    at = out.writeDoubleLE(db.tombstoneFloor, at);
    at = out.writeDoubleLE(db.order.nextSeq, at);
    at = out.writeDoubleLE(db.map.size, at);
    at = out.writeDoubleLE(db.tombstones.size, at);
    this.at = at;
    this.writing = db.entries();
  }

  /** Writes keys until about `budget` work is done; true once the whole snapshot is written. */
  write(budget: number): boolean {
    assert(budget > 0, 'a step needs a positive budget');
    const out = this.out;
    const writing = this.writing;
    assert(out !== null && writing !== null, 'write before begin');
    if (this.written) return true;
    let work = 0;
    while (work < budget) {
      const next = writing.next();
      if (next.done === true) {
        this.writeTombstones(out);
        return true;
      }
      this.writeRecord(out, next.value[0], next.value[1]);
      work += workOf(next.value[1]);
    }
    return false;
  }

  private writeRecord(out: Buffer, key: string, entry: Entry): void {
    let at = out.writeUInt32LE(key.length, this.at);
    at += out.write(key, at, 'latin1');
    if (typeof entry === 'string') {
      this.at = writePacked(out, at, entry);
      return;
    }
    const record = entry;
    const collectionBytes = this.encoded.get(record);
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
    this.at = out.writeDoubleLE(record.seq, at);
  }

  private writeTombstones(out: Buffer): void {
    let at = this.at;
    for (const [key, version] of this.db.tombstones) {
      at = out.writeUInt32LE(key.length, at);
      at += out.write(key, at, 'latin1');
      at = out.writeDoubleLE(version, at);
    }
    assert(at === this.startAt + this.sizeBytes, 'snapshot size computed wrongly');
    this.at = at;
    this.written = true;
    this.encoded.clear();
  }
}

/** A packed entry's record after its key: as a string record without expiry; returns where it ends. */
function writePacked(out: Buffer, at: number, packed: string): number {
  at = out.writeUInt8(TYPE_TAGS.string, at);
  const value = packedValue(packed);
  at = out.writeUInt32LE(value.length, at);
  at += out.write(value, at, 'latin1');
  at = out.writeDoubleLE(NO_EXPIRY, at);
  at = out.writeDoubleLE(packedVersion(packed), at);
  return out.writeDoubleLE(packedSeq(packed), at);
}
