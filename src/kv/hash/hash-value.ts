// The hash value type: fields and values as latin1 strings (one char per byte) in one Map, which
// keeps insertion order as Redis's listpack does for small hashes. The encoding is a flag: a hash
// starts as 'listpack' and becomes 'hashtable' once it holds more than 128 fields or a field or
// value longer than 64 bytes, never going back (Redis 7.0's thresholds and behaviour). Big hashes
// get a positional index on demand (field-index.ts) for HSCAN cursors and random picks.

import { assert } from '../../lib/assert.js';
import type { Collection } from '../collection.js';
import type { ByteReader } from '../reader.js';
import type { ByteWriter } from '../writer.js';
import { FieldIndex, nextGeneration } from './field-index.js';

/** Redis's hash-max-listpack-entries and hash-max-listpack-value defaults. */
export const LISTPACK_ENTRIES_MAX = 128;
export const LISTPACK_VALUE_BYTES_MAX = 64;

const ENCODING_LISTPACK = 0;
const ENCODING_HASHTABLE = 1;
/** Per-field bytes beyond the characters (Map entry, two string headers, padding), as measured at 1M fields. */
const FIELD_OVERHEAD_BYTES = 64;
const HASH_OVERHEAD_BYTES = 64;
const MEMORY_SAMPLES = 8;

export class HashValue implements Collection {
  readonly type = 'hash' as const;
  countedBytes = 0;
  private readonly fields: Map<string, string>;
  private listpack: boolean;
  /** Positions of the fields of a big hash, built on first need (HSCAN, HRANDFIELD); null until then. */
  private index: FieldIndex | null = null;
  /** The generation of the last index built, so cursors of a dropped index never match a new one. */
  private indexGeneration = 0;

  constructor(fields: Map<string, string> = new Map(), listpack = true) {
    assert(!listpack || fields.size <= LISTPACK_ENTRIES_MAX, 'a listpack hash holds at most 128 fields');
    this.fields = fields;
    this.listpack = listpack;
  }

  get size(): number {
    return this.fields.size;
  }

  get isListpack(): boolean {
    return this.listpack;
  }

  encoding(): string {
    return this.listpack ? 'listpack' : 'hashtable';
  }

  get(field: string): string | undefined {
    return this.fields.get(field);
  }

  has(field: string): boolean {
    return this.fields.has(field);
  }

  /** Fields and values in the hash's order (insertion order; a changed value keeps its place). */
  entries(): IterableIterator<[string, string]> {
    return this.fields.entries();
  }

  fieldNames(): IterableIterator<string> {
    return this.fields.keys();
  }

  /** Redis's hashTypeTryConversion: a listpack becomes a hashtable if any of these is too long for it. */
  fitLengths(lengths: Iterable<number>): void {
    if (!this.listpack) return;
    for (const length of lengths) {
      if (length > LISTPACK_VALUE_BYTES_MAX) {
        this.convert();
        return;
      }
    }
  }

  /** Sets a field (Redis's hashTypeSet, conversions included). Returns true if the field is new. */
  set(field: string, value: string): boolean {
    if (this.listpack && (field.length > LISTPACK_VALUE_BYTES_MAX || value.length > LISTPACK_VALUE_BYTES_MAX)) this.convert();
    const sizeBefore = this.fields.size;
    this.fields.set(field, value);
    const added = this.fields.size !== sizeBefore;
    if (added) this.index?.added(field);
    if (this.listpack && this.fields.size > LISTPACK_ENTRIES_MAX) this.convert();
    return added;
  }

  delete(field: string): boolean {
    const deleted = this.fields.delete(field);
    // Stale entries hold deleted strings: drop an index they dominate rather than keep them alive.
    if (deleted && this.index?.needsRebuild(this.fields.size) === true) this.index = null;
    return deleted;
  }

  /** The positional index of a big hash, rebuilt when deleted fields have come to dominate it. */
  positions(): FieldIndex {
    assert(!this.listpack, 'only a hashtable hash keeps a positional index');
    if (this.index === null) {
      this.indexGeneration = nextGeneration(this.indexGeneration);
      this.index = FieldIndex.of(this.fields.keys(), this.indexGeneration);
    }
    return this.index;
  }

  private convert(): void {
    assert(this.listpack, 'a hashtable never converts back');
    this.listpack = false;
  }

  clone(): HashValue {
    return new HashValue(new Map(this.fields), this.listpack);
  }

  /** An estimate from the first few fields, as Redis's MEMORY USAGE samples (O(1) for any size). */
  memoryBytes(): number {
    let sampledBytes = 0;
    let sampled = 0;
    for (const [field, value] of this.fields) {
      if (sampled === MEMORY_SAMPLES) break;
      sampledBytes += field.length + value.length;
      sampled++;
    }
    const averageBytes = sampled === 0 ? 0 : sampledBytes / sampled;
    return HASH_OVERHEAD_BYTES + Math.round(this.fields.size * (FIELD_OVERHEAD_BYTES + averageBytes));
  }

  /** u8 encoding | u32 count | count × (u32 length | field | u32 length | value), in the hash's order. */
  encode(out: ByteWriter): void {
    out.u8(this.listpack ? ENCODING_LISTPACK : ENCODING_HASHTABLE);
    out.u32(this.fields.size);
    for (const [field, value] of this.fields) {
      out.latin1(field);
      out.latin1(value);
    }
  }

  /** Reads what encode wrote; throws CAIRN_CORRUPT on anything a live hash could not be. */
  static decode(r: ByteReader): HashValue {
    const encoding = r.u8('hash encoding');
    if (encoding !== ENCODING_LISTPACK && encoding !== ENCODING_HASHTABLE) r.corrupt(`bad hash encoding ${encoding}`);
    const listpack = encoding === ENCODING_LISTPACK;
    const count = r.u32('hash field count');
    if (count * 8 > r.remaining) r.corrupt(`hash field count ${count} beyond the bytes left`);
    if (listpack && count > LISTPACK_ENTRIES_MAX) r.corrupt(`listpack hash with ${count} fields`);
    const fields = new Map<string, string>();
    for (let i = 0; i < count; i++) {
      const field = r.latin1(r.u32('hash field length'), 'hash field');
      const value = r.latin1(r.u32('hash value length'), 'hash value');
      if (listpack && (field.length > LISTPACK_VALUE_BYTES_MAX || value.length > LISTPACK_VALUE_BYTES_MAX)) {
        r.corrupt('listpack hash with an over-long field or value');
      }
      fields.set(field, value);
      if (fields.size !== i + 1) r.corrupt('duplicate hash field');
    }
    return new HashValue(fields, listpack);
  }
}
