// Typed access to the keyspace for the commands of one value type: find a key's record when it holds
// that type (null when it holds another: the caller answers WRONGTYPE), and after a change in place,
// mark the modification (WATCH versions) and drop a collection that became empty, as Redis does.

import type { Collection, CollectionType } from './collection.js';
import type { Db, KvRecord } from './db.js';

/** The live record at `key` if it holds `type`; undefined when absent; null when it holds another type. */
export function lookupTyped(db: Db, key: string, nowMs: number, type: CollectionType): KvRecord | undefined | null {
  const record = db.lookup(key, nowMs);
  if (record === undefined) return undefined;
  return record.collection?.type === type ? record : null;
}

/** As lookupTyped, for a write: an expired record is removed first. */
export function lookupTypedForWrite(db: Db, key: string, nowMs: number, type: CollectionType): KvRecord | undefined | null {
  const record = db.lookupForWrite(key, nowMs);
  if (record === undefined) return undefined;
  return record.collection?.type === type ? record : null;
}

/** The live record at `key` if it holds a string; undefined when absent; null when it holds a collection. */
export function lookupString(db: Db, key: string, nowMs: number): KvRecord | undefined | null {
  const record = db.lookup(key, nowMs);
  if (record === undefined) return undefined;
  return record.collection === null ? record : null;
}

/** As lookupString, for a write: an expired record is removed first. */
export function lookupStringForWrite(db: Db, key: string, nowMs: number): KvRecord | undefined | null {
  const record = db.lookupForWrite(key, nowMs);
  if (record === undefined) return undefined;
  return record.collection === null ? record : null;
}

/**
 * After a command changed `record`'s collection in place: a modification for WATCH, and an empty
 * collection (streams excepted, as in Redis) removes the key.
 */
export function changedInPlace(db: Db, key: string, record: KvRecord): void {
  const collection = record.collection as Collection;
  if (collection.size === 0 && collection.type !== 'stream') db.remove(key);
  else db.touch(record);
}

/** The collection a record holds, as the type the caller checked it is. */
export function collectionOf<T extends Collection>(record: KvRecord): T {
  return record.collection as T;
}
