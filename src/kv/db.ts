// The keyspace itself: the key → record map, per-key versions (for WATCH), tombstones for deleted
// keys, and the two indexes kept beside the map (insertion order for SCAN, the expiry heap). Every mutation
// of a key goes through set/remove here so the versions and indexes never drift from the map.

import { assert } from '../lib/assert.js';
import type { Collection, TypeName } from './collection.js';
import { ExpiryHeap } from './expiry-heap.js';
import { KeyOrder } from './key-order.js';

const NO_BYTES = new Uint8Array(0);

/**
 * A stored value: string bytes, or a collection (hash, list, ...) with empty bytes. `value` is never written in place below its length (views handed out stay valid).
 * A record restored from a snapshot holds only the span of its value in the snapshot's buffer; the
 * view is made on first read (a million views made up front were a tenth of a reopen).
 */
export class KvRecord {
  /** The value, or null while it is still only the span [spanAt, spanAt + spanBytes) of `spanSource`. */
  private view: Uint8Array | null;
  private spanSource: Uint8Array | null;
  private spanAt: number;
  private spanBytes: number;
  /**
   * Two small facts in one number, to cost no memory per record: spareBytes * 4 + stringForm
   * (both accessors below).
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

  constructor(value: Uint8Array | null, expireAtMs: number, version: number, seq: number) {
    this.view = value;
    this.spanSource = null;
    this.spanAt = 0;
    this.spanBytes = 0;
    this.expireAtMs = expireAtMs;
    this.version = version;
    this.seq = seq;
  }

  /** A record whose value is `byteLength` bytes of `source` from `byteOffset`, viewed only when read. */
  static ofSpan(source: Uint8Array, byteOffset: number, byteLength: number, expireAtMs: number, version: number, seq: number): KvRecord {
    assert(byteOffset >= 0 && byteLength >= 0, 'value span must not be negative');
    assert(byteOffset + byteLength <= source.length, 'value span beyond its source');
    const record = new KvRecord(null, expireAtMs, version, seq);
    record.spanSource = source;
    record.spanAt = byteOffset;
    record.spanBytes = byteLength;
    return record;
  }

  /** Bytes past value.length in value.buffer that belong to this record alone (APPEND growth room). */
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

  get value(): Uint8Array {
    return this.view ?? this.viewSpan();
  }

  set value(value: Uint8Array) {
    this.view = value;
    this.spanSource = null;
  }

  get valueBytes(): number {
    return this.view === null ? this.spanBytes : this.view.length;
  }

  /** Copies the value into `out` at `at` (without making a view of a span). */
  copyValueInto(out: Uint8Array, at: number): void {
    const source = this.spanSource;
    if (this.view === null && source !== null) out.set(source.subarray(this.spanAt, this.spanAt + this.spanBytes), at);
    else out.set(this.value, at);
  }

  private viewSpan(): Uint8Array {
    const source = this.spanSource;
    assert(source !== null, 'a record holds a value or a span');
    const view = new Uint8Array(source.buffer, source.byteOffset + this.spanAt, this.spanBytes);
    this.view = view;
    this.spanSource = null;
    return view;
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
   * Stores a new value of any type, replacing whatever the key held (copying nothing: the caller
   * passes bytes or a collection the store may keep). A collection's record holds no string bytes.
   */
  set(key: string, value: Uint8Array, expireAtMs: number, collection: Collection | null = null): KvRecord {
    assert(expireAtMs === NO_EXPIRY || expireAtMs >= 0, 'expiry must be absolute and non-negative');
    assert(collection === null || value.length === 0, 'a collection record holds no string bytes');
    const version = ++this.versionCounter;
    const existing = this.map.get(key);
    if (existing !== undefined) {
      if (existing.expireAtMs !== NO_EXPIRY) this.expiringCount--;
      existing.value = value;
      existing.collection = collection;
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
    this.setExpiry(key, record, expireAtMs);
    return record;
  }

  /** Stores a collection under a key, replacing whatever it held. */
  setCollection(key: string, collection: Collection, expireAtMs: number): KvRecord {
    return this.set(key, NO_BYTES, expireAtMs, collection);
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
    return true;
  }

  /** Replaces a present string record's value, keeping its expiry (INCR, SETRANGE, ...). */
  replaceValue(record: KvRecord, value: Uint8Array, spareBytes = 0, form: StringForm = StringForm.encoded): void {
    assert(record.collection === null, 'replaceValue on a collection');
    assert(spareBytes >= 0, 'spareBytes must not be negative');
    assert(value.byteOffset + value.length + spareBytes <= value.buffer.byteLength, 'spare bytes beyond the buffer');
    record.value = value;
    record.spareBytes = spareBytes;
    record.stringForm = form;
    this.touch(record);
  }

  /** Marks an in-place change of a record (value or expiry) as a modification. */
  touch(record: KvRecord): void {
    assert(record.version <= this.versionCounter, 'record version ahead of the counter');
    record.version = ++this.versionCounter;
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
    for (const [key, record] of this.map) {
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
