// The keyspace's running size estimate (DatasetBytes, kept by each Db), which maxmemory compares
// against, and the per-key figure it sums: what MEMORY USAGE reports for the key — its sds and dict entry plus the value,
// a collection's memoryBytes() — except that a string value counts as SET leaves a non-integer one
// (embstr up to 44 bytes, raw sized to fit beyond), from its length alone, so the figure changes
// only where the Db itself changes a value. An integer string counts up to 32 bytes more than
// MEMORY USAGE says, and APPEND's and SETRANGE's spare room is not counted.

import { assert } from '../lib/assert.js';
import type { KvRecord } from './db.js';
import { allocationBytes, sdsAllocationBytes } from './sds.js';

/** sizeof(robj) and sizeof(dictEntry) on a 64-bit build. */
export const OBJECT_HEADER_BYTES = 16;
export const DICT_ENTRY_BYTES = 24;
/** Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT. */
export const EMBSTR_BYTES_MAX = 44;

/** The key's own bytes: its sds and the dict entry that holds it. */
export function keyEntryBytes(keyLength: number): number {
  return sdsAllocationBytes(keyLength, true) + DICT_ENTRY_BYTES;
}

/** A string value of `valueLength` bytes as SET stores it (embstr, else raw allocated to fit). */
export function setStringBytes(valueLength: number): number {
  if (valueLength <= EMBSTR_BYTES_MAX) return allocationBytes(OBJECT_HEADER_BYTES + 3 + valueLength + 1);
  return OBJECT_HEADER_BYTES + sdsAllocationBytes(valueLength, true);
}

/** Collections changed in place whose figure is recounted lazily; past this many, at once. */
const CHANGED_COLLECTIONS_MAX = 1024;

/**
 * One database's running sum of its keys' figures, kept by Db as keys come, change and go. A
 * string's figure follows from its length; a collection's is its memoryBytes() as last counted
 * (its countedBytes), recounted at the next read after a change in place — commands change a
 * collection many times per entry, and some fill one they just stored without touching it.
 */
export class DatasetBytes {
  /** Invariant: the sum of every key's figure, collections as counted. */
  private countedBytes = 0;
  /** Records whose collection changed since its figure was last counted. */
  private readonly changed = new Set<KvRecord>();

  /** The sum, every changed collection recounted first. */
  total(): number {
    this.recountChanged();
    return this.countedBytes;
  }

  addKey(key: string, record: KvRecord): void {
    this.countedBytes += keyEntryBytes(key.length);
    this.count(record);
  }

  removeKey(key: string, record: KvRecord): void {
    this.uncount(record);
    this.countedBytes -= keyEntryBytes(key.length);
    assert(this.countedBytes >= 0, 'the size estimate went negative');
  }

  /** Adds a record's value: a collection as last counted (0 when new), to be recounted. */
  count(record: KvRecord): void {
    const collection = record.collection;
    if (collection === null) {
      this.countedBytes += setStringBytes(record.valueBytes);
      return;
    }
    this.countedBytes += collection.countedBytes;
    this.noteChanged(record);
  }

  /** Takes a record's value out, as it was counted (call before its value changes). */
  uncount(record: KvRecord): void {
    const collection = record.collection;
    if (collection === null) {
      this.countedBytes -= setStringBytes(record.valueBytes);
      return;
    }
    this.countedBytes -= collection.countedBytes;
    this.changed.delete(record);
  }

  /** A collection record changed, or may change, in place: recounted at the next read. */
  noteChanged(record: KvRecord): void {
    assert(record.collection !== null, 'noteChanged on a string record');
    this.changed.add(record);
    if (this.changed.size > CHANGED_COLLECTIONS_MAX) this.recountChanged();
  }

  clear(): void {
    this.countedBytes = 0;
    this.changed.clear();
  }

  /**
   * A collection lives in one record of one database at a time (RENAME and MOVE remove the source
   * before storing it again), so its countedBytes is this sum's figure for it.
   */
  private recountChanged(): void {
    for (const record of this.changed) {
      const collection = record.collection;
      assert(collection !== null, 'a changed collection record holds a string');
      const bytes = collection.memoryBytes();
      this.countedBytes += bytes - collection.countedBytes;
      collection.countedBytes = bytes;
    }
    this.changed.clear();
  }
}

/** One key's figure in the estimate (the evictor's measure of what deleting it frees). */
export function keyDatasetBytes(key: string, record: KvRecord): number {
  const valueBytes = record.collection === null ? setStringBytes(record.valueBytes) : record.collection.memoryBytes();
  return keyEntryBytes(key.length) + valueBytes;
}
