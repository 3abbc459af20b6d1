// The keyspace itself: the key → entry map (key-map.ts: segmented, so it never rehashes a million keys at once), per-key versions (for WATCH), tombstones for deleted
// keys, the two indexes kept beside the map (insertion order for SCAN, the expiry heap) and the
// running size estimate maxmemory compares against (datasetBytes, per key dataset-bytes.ts's figure).
// Every mutation of a key goes through set/remove here so the versions, indexes and estimate never
// drift from the map.
// An entry is a KvRecord (record.ts), or for a plain string without expiry a packed string (packed.ts)
// that holds the version and sequence number itself; lookups hand out a KeyedRecord for it, which
// becomes the key's record once a change in place (replaceValue, touch, changeExpiry) needs one.

import { Buffer } from 'node:buffer';
import { latin1Of } from './bytes.js';
import { assert } from '../lib/assert.js';
import type { Collection, TypeName } from './collection.js';
import { DatasetBytes } from './dataset-bytes.js';
import { ExpiryHeap } from './expiry-heap.js';
import { VALUE_EVENTS, type KeyEventClass, type KeyEventRecorder } from './key-events.js';
import { KeyMap } from './key-map.js';
import { KeyOrder } from './key-order.js';
import { KeyedRecord, KvRecord, NO_EXPIRY, StringForm, TEXT_BYTES_MAX } from './record.js';
import { PACKED_HEADER_CHARS_MAX, pack, packedSeq, packedValue, packedValueBytes, packedVersion, repack } from './packed.js';

export { KeyedRecord, KvRecord, NO_EXPIRY, StringForm, TEXT_BYTES_MAX, TEXT_JOIN_BYTES_MAX } from './record.js';

/** Deleted keys whose version is remembered exactly; older ones fall back to the floor. */
export const TOMBSTONES_MAX = 65_536;

/** A key's entry: its record, or a plain string packed with its version and sequence number. */
export type Entry = KvRecord | string;

export class Db {
  /** Invariant: a string entry is a packed plain string (no expiry, StringForm.encoded, no spare room). */
  readonly map = new KeyMap<Entry>();
  readonly order = new KeyOrder((key) => this.seqOf(key));
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
  /** This database's index (SELECT's), which its keyspace events name; kept by Databases. */
  index = 0;
  /** Where this database's keyspace events go (the state's recorder); none for a detached Db. */
  events: KeyEventRecorder | undefined;
  /** Where entries are packed (packed.ts). */
  private readonly packScratch = Buffer.allocUnsafe(PACKED_HEADER_CHARS_MAX + TEXT_BYTES_MAX);

  /** Raises a keyspace event on `key` of this database (Redis's notifyKeyspaceEvent): call it after the change. */
  notify(cls: KeyEventClass, event: string, key: string): void {
    if (this.events === undefined) return;
    // A change that sets a whole string value carries it (the change feed's `value`): one latin1 copy.
    const entry = VALUE_EVENTS.has(event) ? this.map.get(key) : undefined;
    const text = typeof entry === 'string' ? packedValue(entry) : entry?.collection === null ? latin1Of(entry.value, 0, entry.value.length) : undefined;
    this.events.record(this.index, cls, event, key, text);
  }

  /** `set` ($) on a key the caller has just stored `value` under as a string: as notify, without looking the key up again for the value. */
  notifySet(key: string, value: Uint8Array): void {
    if (this.events === undefined) return;
    this.events.record(this.index, '$', 'set', key, latin1Of(value, 0, value.length));
  }

  /** Runs `change` without recording its keyspace events (a step of a command that raises its own). */
  silently<T>(change: () => T): T {
    const events = this.events;
    this.events = undefined;
    try {
      return change();
    } finally {
      this.events = events;
    }
  }

  /** The record if present and not expired at nowMs. Never mutates. */
  lookup(key: string, nowMs: number): KvRecord | undefined {
    const record = this.peek(key);
    if (record === undefined) return undefined;
    if (record.expireAtMs !== NO_EXPIRY && record.expireAtMs <= nowMs) return undefined;
    return record;
  }

  /** Like lookup, but a write path: an expired record is removed first (keeping its version lineage). */
  lookupForWrite(key: string, nowMs: number): KvRecord | undefined {
    const record = this.peek(key);
    if (record === undefined) return undefined;
    if (record.expireAtMs !== NO_EXPIRY && record.expireAtMs <= nowMs) {
      this.removeExpired(key, record);
      return undefined;
    }
    return record;
  }

  /** Whether the key is there, as lookupForWrite would find it (an expired record is removed first), without unpacking a packed entry. */
  presentForWrite(key: string, nowMs: number): boolean {
    const entry = this.map.get(key);
    if (entry === undefined) return false;
    return typeof entry === 'string' || this.lookupForWrite(key, nowMs) !== undefined;
  }

  /** The record at key, expired or not (a KeyedRecord for a packed entry). Never mutates. */
  peek(key: string): KvRecord | undefined {
    const entry = this.map.get(key);
    if (typeof entry !== 'string') return entry;
    return new KeyedRecord(key, packedValue(entry), packedVersion(entry), packedSeq(entry));
  }

  /** GET's answer without handing out a record: the value's bytes, undefined when absent, null when a collection. */
  stringValue(key: string, nowMs: number): Uint8Array | undefined | null {
    const entry = this.map.get(key);
    if (typeof entry === 'string') return Buffer.from(packedValue(entry), 'latin1');
    if (entry === undefined || (entry.expireAtMs !== NO_EXPIRY && entry.expireAtMs <= nowMs)) return undefined;
    return entry.collection === null ? entry.value : null;
  }

  /** Whether the key is present and not expired at nowMs, without handing out a record. */
  has(key: string, nowMs: number): boolean {
    const entry = this.map.get(key);
    if (entry === undefined) return false;
    return typeof entry === 'string' || entry.expireAtMs === NO_EXPIRY || entry.expireAtMs > nowMs;
  }

  /** The key's insertion sequence number (KeyOrder), or undefined when absent. */
  seqOf(key: string): number | undefined {
    const entry = this.map.get(key);
    return typeof entry === 'string' ? packedSeq(entry) : entry?.seq;
  }

  /**
   * Stores a new value of any type, replacing whatever the key held. String bytes are copied (into
   * a latin1 string), a collection is kept as it is. A collection's record holds no string bytes.
   * spareBytes and form model Redis's sds (OBJECT ENCODING, MEMORY USAGE). A key that was absent
   * raises `new` (Redis's dbAdd), before the command's own event.
   */
  set(key: string, value: Uint8Array | string, expireAtMs: number, collection: Collection | null = null, spareBytes = 0, form: StringForm = StringForm.encoded): void {
    assert(expireAtMs === NO_EXPIRY || expireAtMs >= 0, 'expiry must be absolute and non-negative');
    assert(collection === null || value.length === 0, 'a collection record holds no string bytes');
    const version = ++this.versionCounter;
    const existing = this.map.get(key);
    const packable = collection === null && expireAtMs === NO_EXPIRY && spareBytes === 0 && form === StringForm.encoded && value.length <= TEXT_BYTES_MAX;
    if (typeof existing === 'object') {
      if (existing.expireAtMs !== NO_EXPIRY) this.expiringCount--;
      this.dataset.uncount(existing);
      if (packable) {
        this.map.set(key, pack(this.packScratch, version, existing.seq, value));
        this.dataset.countString(value.length);
        return;
      }
      // In place: whoever holds the record sees the new value.
      if (typeof value === 'string') existing.setText(value);
      else existing.value = value;
      existing.collection = collection;
      existing.version = version;
      this.dataset.count(existing);
      this.model(existing, spareBytes, form);
      this.setExpiry(key, existing, expireAtMs);
      return;
    }
    if (existing === undefined) this.dataset.addKeyBytes(key.length);
    else this.dataset.uncountString(packedValueBytes(existing));
    const seq = existing === undefined ? this.order.add(key) : packedSeq(existing);
    if (existing === undefined) this.tombstones.delete(key);
    if (packable) {
      this.map.set(key, pack(this.packScratch, version, seq, value));
      this.dataset.countString(value.length);
      if (existing === undefined) this.notify('n', 'new', key);
      return;
    }
    const record = new KvRecord(value, NO_EXPIRY, version, seq);
    record.collection = collection;
    this.model(record, spareBytes, form);
    this.map.set(key, record);
    this.dataset.count(record);
    this.setExpiry(key, record, expireAtMs);
    if (existing === undefined) this.notify('n', 'new', key);
  }

  /** Stores a collection under a key, replacing whatever it held. */
  setCollection(key: string, collection: Collection, expireAtMs: number): void {
    this.set(key, '', expireAtMs, collection);
  }

  /**
   * Adds a record read from a snapshot, version and all (no modification happens). Returns false,
   * leaving the Db unusable, if the key was already present (a corrupt snapshot: the caller throws).
   * A plain string without expiry is packed.
   */
  restore(key: string, record: KvRecord): boolean {
    assert(record.version <= this.versionCounter, 'restored version ahead of the counter');
    const packable = record.collection === null && record.expireAtMs === NO_EXPIRY && record.valueBytes <= TEXT_BYTES_MAX;
    // One hash lookup instead of has() + set().
    if (!this.map.set(key, packable ? pack(this.packScratch, record.version, record.seq, record.text) : record)) return false;
    this.order.restore(key, record.seq);
    if (record.expireAtMs !== NO_EXPIRY) this.expiringCount++;
    this.dataset.addKey(key, record);
    return true;
  }

  /** As restore, for a plain string without expiry whose bytes are `value` (the snapshot reader's hot path). */
  restorePacked(key: string, value: Uint8Array, version: number, seq: number): boolean {
    assert(version <= this.versionCounter, 'restored version ahead of the counter');
    assert(value.length <= TEXT_BYTES_MAX, 'a packed value is short');
    if (!this.map.set(key, pack(this.packScratch, version, seq, value))) return false;
    this.order.restore(key, seq);
    this.dataset.addKeyBytes(key.length);
    this.dataset.countString(value.length);
    return true;
  }

  /** Replaces a present string record's value, keeping its expiry (INCR, SETRANGE, APPEND, ...); spareBytes and form model Redis's sds (OBJECT, MEMORY USAGE). */
  replaceValue(record: KvRecord, value: Uint8Array | string, spareBytes = 0, form: StringForm = StringForm.encoded): void {
    assert(record.collection === null, 'replaceValue on a collection');
    this.own(record);
    this.dataset.uncount(record);
    if (typeof value === 'string') record.setText(value);
    else record.value = value;
    this.dataset.count(record);
    this.model(record, spareBytes, form);
    this.touch(record);
  }

  /** Marks an in-place change of a record (value or expiry) as a modification; a collection's figure is recounted. */
  touch(record: KvRecord): void {
    assert(record.version <= this.versionCounter, 'record version ahead of the counter');
    this.own(record);
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
    this.own(record);
    assert(this.map.get(key) === record, 'changeExpiry on a record not in the map');
    if (record.expireAtMs !== NO_EXPIRY) this.expiringCount--;
    this.setExpiry(key, record, expireAtMs);
    this.touch(record);
  }

  /** Deletes a key as a modification (DEL, RENAME source, ...). Returns whether it existed. */
  remove(key: string): boolean {
    const entry = this.map.get(key);
    if (entry === undefined) return false;
    this.drop(key, entry);
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
    this.notify('x', 'expired', key);
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

  /** FLUSHDB: clear, and a database that held keys raises Cairn's whole-database event `flushdb` (Redis publishes none). */
  flush(): void {
    const held = this.map.size > 0;
    this.clear();
    if (held) this.notify('*', 'flushdb', '');
  }

  /** The present keys (expired or not) in insertion order: KEYS's order, and a snapshot's. */
  keys(): IterableIterator<string> {
    return this.order.keys();
  }

  /** The present keys with their entries, in insertion order. The Db must not change meanwhile. */
  *entries(): IterableIterator<[string, Entry]> {
    for (const key of this.order.keys()) {
      const entry = this.map.get(key);
      assert(entry !== undefined, 'a key in the order is in the map');
      yield [key, entry];
    }
  }

  /** Marks every present key modified (SWAPDB), in insertion order. */
  touchAll(): void {
    for (const [key, entry] of this.entries()) {
      if (typeof entry === 'string') this.map.set(key, repack(this.packScratch, entry, ++this.versionCounter));
      else entry.version = ++this.versionCounter;
    }
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
    const entry = this.map.get(key);
    if (typeof entry === 'string') return packedVersion(entry);
    if (entry !== undefined) {
      const expired = nowMs !== undefined && entry.expireAtMs !== NO_EXPIRY && entry.expireAtMs <= nowMs;
      return expired ? expiredVersion(entry.version) : entry.version;
    }
    return this.tombstones.get(key) ?? this.tombstoneFloor;
  }

  /** A KeyedRecord handed out for a packed entry becomes the key's record (a change in place follows). */
  private own(record: KvRecord): void {
    if (!(record instanceof KeyedRecord)) return;
    const entry = this.map.get(record.key);
    if (entry === record) return;
    assert(typeof entry === 'string' && packedVersion(entry) === record.version, 'a record handed out for a key changed since');
    this.map.set(record.key, record);
  }

  private model(record: KvRecord, spareBytes: number, form: StringForm): void {
    assert(spareBytes >= 0, 'spareBytes must not be negative');
    record.spareBytes = spareBytes;
    record.stringForm = form;
  }

  private setExpiry(key: string, record: KvRecord, expireAtMs: number): void {
    record.expireAtMs = expireAtMs;
    if (expireAtMs === NO_EXPIRY) return;
    this.expiringCount++;
    this.expiry.push(expireAtMs, key);
    // Stale heap entries (changed or removed expiries) are dropped lazily; rebuild when they dominate.
    if (this.expiry.size > 2 * this.expiringCount + 1024) this.rebuildExpiry();
  }

  private drop(key: string, entry: Entry): void {
    if (typeof entry === 'object' && entry.expireAtMs !== NO_EXPIRY) this.expiringCount--;
    if (typeof entry === 'object') this.dataset.removeKey(key, entry);
    else this.dataset.removeStringKey(key.length, packedValueBytes(entry));
    this.order.remove(key, typeof entry === 'string' ? packedSeq(entry) : entry.seq, this.map.size - 1);
    this.map.delete(key);
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
    const walk = this.expiringCount > 0 ? this.entries() : [];
    for (const [key, entry] of walk) {
      if (typeof entry === 'string' || entry.expireAtMs === NO_EXPIRY) continue;
      expireAts.push(entry.expireAtMs);
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
