// What every non-string value type (hash, list, set, sorted set, stream) gives the keyspace: its
// TYPE name, its OBJECT ENCODING, its element count, a deep copy (COPY), its snapshot bytes and an
// estimate of its memory. The record holds one of these in place of string bytes; the type's own
// module owns its in-memory form and its commands.

import { errorReply, type Reply } from '../lib/reply.js';
import type { ByteWriter } from './writer.js';

export type CollectionType = 'hash' | 'list' | 'set' | 'zset' | 'stream';
export type TypeName = 'string' | CollectionType;

export interface Collection {
  readonly type: CollectionType;
  /** Elements held (fields, items, members, entries). A command leaving it at 0 removes the key (streams excepted). */
  readonly size: number;
  /** OBJECT ENCODING's answer ('listpack', 'hashtable', 'quicklist', 'intset', 'skiplist', 'stream'). */
  encoding(): string;
  /** A deep copy that shares nothing mutable with this one. */
  clone(): Collection;
  /** Appends this value's snapshot form; the type's decoder reads exactly these bytes back. */
  encode(out: ByteWriter): void;
  /** Approximate bytes held, for MEMORY USAGE and INFO memory. */
  memoryBytes(): number;
  /** memoryBytes() when the keyspace's size estimate last counted it (Db.datasetBytes); only Db writes it. */
  countedBytes: number;
  /**
   * The elements SORT / SORT_RO read, as latin1 strings: a list's head to tail, a set's in its own
   * iteration order, a sorted set's by rank (ZRANGE 0 -1's order). Lists, sets and sorted sets
   * implement it; a type without it (hash, stream) gets WRONGTYPE from SORT, as in Redis.
   */
  members?(): Iterable<string>;
}

export const WRONGTYPE: Reply = Object.freeze(errorReply('WRONGTYPE Operation against a key holding the wrong kind of value'));

/** Snapshot tags of the value types; 0 is a string. Stable across versions: never renumber. */
export const TYPE_TAGS: Readonly<Record<TypeName, number>> = Object.freeze({
  string: 0, list: 1, set: 2, zset: 3, hash: 4, stream: 5,
});
