// The keyspace itself: the key → record map, per-key versions (for WATCH), tombstones for deleted
// keys, the two indexes kept beside the map (insertion order for SCAN, the expiry heap) and the
// running size estimate maxmemory compares against (datasetBytes, per key dataset-bytes.ts's figure).
// Every mutation of a key goes through set/remove here so the versions, indexes and estimate never
// drift from the map.

import { Buffer } from 'node:buffer';
import { assert } from '../lib/assert.js';
import type { Collection, TypeName } from './collection.js';
import { latin1Of } from './bytes.js';
import { DatasetBytes } from './dataset-bytes.js';
import { ExpiryHeap } from './expiry-heap.js';
import { KeyOrder } from './key-order.js';

/**
 * Values up to this many bytes are held as latin1 strings: a one-byte string costs its length plus
 * 16 bytes, where a Uint8Array with its ArrayBuffer and backing store costs about 300 more. A
 * longer value stays bytes: the overhead is small beside it, and reads hand out the same bytes
 * instead of a copy each (4,000 pipelined GETs of a 1 MiB value must not hold 4 GiB of copies).
 */
export const TEXT_BYTES_MAX = 4096;
/** APPEND joins strings up to this length (V8 caps a string near 2^29 characters); past it, bytes. */
export const TEXT_JOIN_BYTES_MAX = 1 << 28;

/**
 * A stored value: a string's bytes, or a collection (hash, list, ...) with an empty string.
 * A string's bytes are held as a latin1 JS string (one char per byte) or, past TEXT_BYTES_MAX, as
 * a private Uint8Array that nothing writes to again, so every view handed out stays valid; APPEND
 * joins strings (setText) up to TEXT_JOIN_BYTES_MAX.
 * Fields are few on purpose: a million records are a million of these objects.
 */
export class KvRecord {
  private data: string | Uint8Array;
  /**
   * Two small facts of a string in one number: how Redis would hold it and the spare room its sds
   * would keep (spareBytes * 4 + stringForm; accessors below), for OBJECT ENCODING and MEMORY USAGE.
   * A model only: Cairn's own bytes have no spare room.
   */
  private spareAndForm = 0;
  /** Absolute expiry in ms, or NO_EXPIRY. */
  expireAtMs: number;
  /** Changes on every modification of this key. */
  version: number;
  /** Position in insertion order (KeyOrder); fixed while the key exists. */
  seq: number;
  /** The value when it is not a string; null for a string. */
  collection: Collection | null = null;

  constructor(value: Uint8Array | string, expireAtMs: number, version: number, seq: number) {
    this.data = typeof value === 'string' ? value : storedForm(value);
    this.expireAtMs = expireAtMs;
    this.version = version;
    this.seq = seq;
  }

  /** The spare room Redis's sds would keep after this value (APPEND growth), in bytes. */
  get spareBytes(): number {
    return Math.floor(this.spareAndForm / 4);
  }

  set spareBytes(bytes: number) {
    assert(Number.isSafeInteger(bytes) && bytes >= 0, 'spareBytes is a byte count');
    this.spareAndForm = bytes * 4 + (this.spareAndForm % 4);
  }

  /** How Redis would hold this string value (see StringForm); meaningless for a collection. */
  get stringForm(): StringForm {
    return (this.spareAndForm % 4) as StringForm;
  }

  set stringForm(form: StringForm) {
    this.spareAndForm = this.spareAndForm - (this.spareAndForm % 4) + form;
  }

  /**
   * The value's bytes, which the caller may keep: a short text value is copied into a fresh Buffer
   * (from Node's pool: cheap); a long one (APPEND's) becomes the record's bytes, shared by later reads.
   */
  get value(): Uint8Array {
    const data = this.data;
    if (typeof data !== 'string') return data;
    const out = Buffer.allocUnsafe(data.length);
    out.write(data, 0, data.length, 'latin1');
    if (data.length > TEXT_BYTES_MAX) this.data = out; // its own allocation, not a slice of the pool
    return out;
  }

  /** Stores bytes the record may keep or copy (a private copy or a string is made here). */
  set value(value: Uint8Array) {
    this.data = storedForm(value);
  }

  /** The value as a latin1 string (one char per byte). */
  get text(): string {
    const data = this.data;
    return typeof data === 'string' ? data : latin1Of(data, 0, data.length);
  }

  /** Replaces the value with a latin1 string the caller built (APPEND). */
  setText(text: string): void {
    this.data = text.length <= TEXT_JOIN_BYTES_MAX ? text : Buffer.from(text, 'latin1');
  }

  get valueBytes(): number {
    return this.data.length;
  }

  /** Bytes [start, end) of the value, as a copy. */
  valueRange(start: number, end: number): Uint8Array {
    assert(start >= 0 && start <= end && end <= this.data.length, 'value range outside the value');
    const data = this.data;
    return typeof data === 'string' ? Buffer.from(data.slice(start, end), 'latin1') : data.subarray(start, end);
  }

  /** Copies the value into `out` at `at`. */
  copyValueInto(out: Buffer, at: number): void {
    const data = this.data;
    if (typeof data === 'string') out.write(data, at, data.length, 'latin1');
    else out.set(data, at);
  }
}

/**
 * How Redis would hold a string, for OBJECT ENCODING / REFCOUNT and MEMORY USAGE: ENCODED as
 * tryObjectEncoding leaves it (SET, MSET, INCR, ...: 'int', a shared integer, 'embstr' or 'raw'),
 * PLAIN as createStringObject makes it (INCRBYFLOAT: never 'int'), RAW after an edit in place
 * (APPEND to a present key, SETRANGE), UNSHARED an encoded copy (COPY: an 'int' of its own).
 * Not in snapshots: Redis re-encodes every string it loads too.
 */
export const StringForm = Object.freeze({ encoded: 0, plain: 1, raw: 2, unshared: 3 } as const);
export type StringForm = (typeof StringForm)[keyof typeof StringForm];

/** How a record holds bytes: a latin1 string, or past TEXT_BYTES_MAX a private copy. */
function storedForm(bytes: Uint8Array): string | Uint8Array {
  if (bytes.length <= TEXT_BYTES_MAX) return latin1Of(bytes, 0, bytes.length);
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy;
}

export const NO_EXPIRY = -1;
/** Deleted keys whose version is remembered exactly; older ones fall back to the floor. */
export const TOMBSTONES_MAX = 65_536;

export class Db {
  readonly map = new Map<string, KvRecord>();
  readonly order = new KeyOrder();
  readonly expiry = new ExpiryHeap();
  /** Invariant: no version handed out so far (record, tombstone or floor) is greater. */
  versionCounter = 0;
  /** The version of an absent key with no tombstone. Raised when a tombstone is forgotten. */
  tombstoneFloor = 0;
  /** Versions of recently deleted keys, oldest first. Invariant: no key here is in `map`. */
  readonly tombstones = new Map<string, number>();
  /** Records with an expiry; keeps the heap compaction bound honest. */
  expiringCount = 0;
  /** The running size estimate of the keys in `map` (maxmemory's figure). */
  private readonly dataset = new DatasetBytes();

  /** The record if present and not expired at nowMs. Never mutates. */
  lookup(key: string, nowMs: number): KvRecord | undefined {
    const record = this.map.get(key);
    if (record === undefined) return undefined;
    if (record.expireAtMs !== NO_EXPIRY && record.expireAtMs <= nowMs) return undefined;
    return record;
  }

  /** Like lookup, but a write path: an expired record is removed first (keeping its version lineage). */
  lookupForWrite(key: string, nowMs: number): KvRecord | undefined {
    const record = this.map.get(key);
    if (record === undefined) return undefined;
    if (record.expireAtMs !== NO_EXPIRY && record.expireAtMs <= nowMs) {
      this.removeExpired(key, record);
      return undefined;
    }
    return record;
  }

  /**
   * Stores a new value of any type, replacing whatever the key held. String bytes are copied (into
   * a latin1 string), a collection is kept as it is. A collection's record holds no string bytes.
   */
  set(key: string, value: Uint8Array | string, expireAtMs: number, collection: Collection | null = null): KvRecord {
    assert(expireAtMs === NO_EXPIRY || expireAtMs >= 0, 'expiry must be absolute and non-negative');
    assert(collection === null || value.length === 0, 'a collection record holds no string bytes');
    const version = ++this.versionCounter;
    const existing = this.map.get(key);
    if (existing !== undefined) {
      if (existing.expireAtMs !== NO_EXPIRY) this.expiringCount--;
      this.dataset.uncount(existing);
      if (typeof value === 'string') existing.setText(value);
      else existing.value = value;
      existing.collection = collection;
      this.dataset.count(existing);
      existing.spareBytes = 0;
      existing.stringForm = StringForm.encoded;
      existing.version = version;
      this.setExpiry(key, existing, expireAtMs);
      return existing;
    }
    const record = new KvRecord(value, NO_EXPIRY, version, this.order.add(key));
    record.collection = collection;
    this.tombstones.delete(key);
    this.map.set(key, record);
    this.dataset.addKey(key, record);
    this.setExpiry(key, record, expireAtMs);
    return record;
  }

  /** Stores a collection under a key, replacing whatever it held. */
  setCollection(key: string, collection: Collection, expireAtMs: number): KvRecord {
    return this.set(key, '', expireAtMs, collection);
  }

  /**
   * Adds a record read from a snapshot, version and all (no modification happens). Returns false,
   * leaving the Db unusable, if the key was already present (a corrupt snapshot: the caller throws).
   */
  restore(key: string, record: KvRecord): boolean {
    assert(record.version <= this.versionCounter, 'restored version ahead of the counter');
    const sizeBefore = this.map.size;
    this.map.set(key, record); // one hash lookup instead of has() + set()
    if (this.map.size === sizeBefore) return false;
    this.order.restore(key, record.seq);
    if (record.expireAtMs !== NO_EXPIRY) this.expiringCount++;
    this.dataset.addKey(key, record);
    return true;
  }

  /** Replaces a present string record's value, keeping its expiry (INCR, SETRANGE, APPEND, ...); spareBytes and form model Redis's sds (OBJECT, MEMORY USAGE). */
  replaceValue(record: KvRecord, value: Uint8Array | string, spareBytes = 0, form: StringForm = StringForm.encoded): void {
    assert(record.collection === null, 'replaceValue on a collection');
    assert(spareBytes >= 0, 'spareBytes must not be negative');
    this.dataset.uncount(record);
    if (typeof value === 'string') record.setText(value);
    else record.value = value;
    this.dataset.count(record);
    record.spareBytes = spareBytes;
    record.stringForm = form;
    this.touch(record);
  }

  /** Marks an in-place change of a record (value or expiry) as a modification; a collection's figure is recounted. */
  touch(record: KvRecord): void {
    assert(record.version <= this.versionCounter, 'record version ahead of the counter');
    record.version = ++this.versionCounter;
    if (record.collection !== null) this.dataset.noteChanged(record);
  }

  /** Puts a new collection in a present collection record's place (SPOP keeping a few members); the caller touches it. */
  replaceCollection(record: KvRecord, collection: Collection): void {
    assert(record.collection !== null, 'replaceCollection on a string record');
    this.dataset.uncount(record);
    record.collection = collection;
    this.dataset.count(record);
  }

  /** A collection changed in a way WATCH does not see (a stream's consumer groups): its figure is recounted. */
  noteChanged(record: KvRecord): void {
    this.dataset.noteChanged(record);
  }

  /** The running size estimate: every key's figure (dataset-bytes.ts), collections changed since recounted. */
  datasetBytes(): number {
    return this.dataset.total();
  }

  /** Changes the expiry of a present record; counts as a modification. */
  changeExpiry(key: string, record: KvRecord, expireAtMs: number): void {
    assert(this.map.get(key) === record, 'changeExpiry on a record not in the map');
    if (record.expireAtMs !== NO_EXPIRY) this.expiringCount--;
    this.setExpiry(key, record, expireAtMs);
    this.touch(record);
  }

  /** Deletes a key as a modification (DEL, RENAME source, ...). Returns whether it existed. */
  remove(key: string): boolean {
    const record = this.map.get(key);
    if (record === undefined) return false;
    this.drop(key, record);
    this.remember(key, ++this.versionCounter);
    return true;
  }

  /**
   * Deletes a key because its time ran out. Logically it was already absent, so its version stays
   * the one keyVersion reported for the expired record: a WATCH on it does not abort spuriously.
   */
  removeExpired(key: string, record: KvRecord): void {
    assert(record.expireAtMs !== NO_EXPIRY, 'removeExpired on a key without expiry');
    this.drop(key, record);
    this.remember(key, expiredVersion(record.version));
  }

  /** Removes every key; every key's version changes. */
  clear(): void {
    this.map.clear();
    this.dataset.clear();
    this.order.clear();
    this.expiry.clear();
    this.tombstones.clear();
    this.expiringCount = 0;
    this.tombstoneFloor = ++this.versionCounter;
  }

  /** Marks every present key modified (SWAPDB). */
  touchAll(): void {
    for (const record of this.map.values()) record.version = ++this.versionCounter;
  }

  /**
   * Trades the versions of absent keys (tombstones and floor) with `other` (SWAPDB: they belong to
   * the database's number, so a key absent on both sides keeps its version, as Redis leaves its
   * WATCH alone). Keys present on either side are touched by the caller.
   */
  tradeAbsentVersions(other: Db): void {
    const mine = [...this.tombstones];
    const theirs = [...other.tombstones];
    this.tombstones.clear();
    other.tombstones.clear();
    for (const [key, version] of theirs) if (!this.map.has(key)) this.tombstones.set(key, version);
    for (const [key, version] of mine) if (!other.map.has(key)) other.tombstones.set(key, version);
    [this.tombstoneFloor, other.tombstoneFloor] = [other.tombstoneFloor, this.tombstoneFloor];
  }

  /** The version WATCH records: changes whenever the key is modified, expires or is deleted. */
  keyVersion(key: string, nowMs?: number): number {
    const record = this.map.get(key);
    if (record !== undefined) {
      const expired = nowMs !== undefined && record.expireAtMs !== NO_EXPIRY && record.expireAtMs <= nowMs;
      return expired ? expiredVersion(record.version) : record.version;
    }
    return this.tombstones.get(key) ?? this.tombstoneFloor;
  }

  private setExpiry(key: string, record: KvRecord, expireAtMs: number): void {
    record.expireAtMs = expireAtMs;
    if (expireAtMs === NO_EXPIRY) return;
    this.expiringCount++;
    this.expiry.push(expireAtMs, key);
    // Stale heap entries (changed or removed expiries) are dropped lazily; rebuild when they dominate.
    if (this.expiry.size > 2 * this.expiringCount + 1024) this.rebuildExpiry();
  }

  private drop(key: string, record: KvRecord): void {
    if (record.expireAtMs !== NO_EXPIRY) this.expiringCount--;
    this.dataset.removeKey(key, record);
    this.map.delete(key);
    this.order.compactIfSparse(this.map);
    assert(this.expiringCount >= 0, 'expiringCount went negative');
  }

  private remember(key: string, version: number): void {
    this.tombstones.delete(key);
    this.tombstones.set(key, version);
    if (this.tombstones.size <= TOMBSTONES_MAX) return;
    const oldest = this.tombstones.keys().next().value;
    assert(oldest !== undefined, 'tombstones over limit but empty');
    this.tombstones.delete(oldest);
    // The forgotten key now reports the floor, which must differ from anything it reported before.
    this.tombstoneFloor = ++this.versionCounter;
  }

  rebuildExpiry(): void {
    const expireAts: number[] = [];
    const keys: string[] = [];
    // Without a key that expires there is nothing to find: a million-key snapshot decode's last step skips the walk.
    const walk = this.expiringCount > 0 ? this.map : new Map<string, KvRecord>();
    for (const [key, record] of walk) {
      if (record.expireAtMs === NO_EXPIRY) continue;
      expireAts.push(record.expireAtMs);
      keys.push(key);
    }
    this.expiry.rebuild(expireAts, keys);
    assert(this.expiry.size === this.expiringCount, 'expiry heap rebuilt with a wrong count');
  }
}

/** TYPE's answer for a record. */
export function typeNameOf(record: KvRecord): TypeName {
  return record.collection === null ? 'string' : record.collection.type;
}

/** Versions are positive; an expired-but-not-yet-removed record reports a distinct negative one. */
export function expiredVersion(version: number): number {
  return version >= 0 ? -version - 1 : version;
}
