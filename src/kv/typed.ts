// Typed access to the keyspace for the commands of one value type: find a key's record when it holds
// that type (null when it holds another: the caller answers WRONGTYPE), and after a change in place,
// mark the modification (WATCH versions), raise the command's keyspace event and drop a collection
// that became empty (raising `del`), as Redis does.

import type { Collection, CollectionType } from './collection.js';
import { NO_EXPIRY, type Db, type KvRecord } from './db.js';
import type { KeyEventClass } from './key-events.js';

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
 * After a command changed `record`'s collection in place: a modification for WATCH, the command's
 * keyspace event (`cls`, `event`), and an empty collection (streams excepted, as in Redis) removes
 * the key, raising `del` after the command's event.
 */
export function changedInPlace(db: Db, key: string, record: KvRecord, cls: KeyEventClass, event: string): void {
  const collection = record.collection as Collection;
  db.notify(cls, event, key);
  if (collection.size === 0 && collection.type !== 'stream') {
    db.remove(key);
    db.notify('g', 'del', key);
  } else {
    db.touch(record);
  }
}

/**
 * A store command's result (SINTERSTORE, ZUNIONSTORE, ...): a non-empty `collection` replaces the
 * key and raises `event` (an expired key there is reclaimed first, `expired`, as Redis's setKey
 * looks it up); an empty one deletes the key, expired or not, raising `del` if there was one.
 */
export function storeResult(db: Db, nowMs: number, key: string, collection: Collection, cls: KeyEventClass, event: string): void {
  if (collection.size === 0) {
    if (db.remove(key)) db.notify('g', 'del', key);
    return;
  }
  db.lookupForWrite(key, nowMs);
  db.setCollection(key, collection, NO_EXPIRY);
  db.notify(cls, event, key);
}

/** The collection a record holds, as the type the caller checked it is. */
export function collectionOf<T extends Collection>(record: KvRecord): T {
  return record.collection as T;
}
