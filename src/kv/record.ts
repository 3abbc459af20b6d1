// A key's record: its value (a string's bytes, or a collection), expiry, WATCH version and
// insertion sequence number, and the model of how Redis would hold a string (OBJECT ENCODING, MEMORY
// USAGE). A plain string without expiry is not kept as a record at all (packed.ts); the Db hands out
// a KeyedRecord for it, which becomes the key's record once something changes it in place.

import { Buffer } from 'node:buffer';
import { assert } from '../lib/assert.js';
import type { Collection } from './collection.js';
import { latin1Of } from './bytes.js';

/** Absolute expiry meaning "none". */
export const NO_EXPIRY = -1;

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

/** A record handed out for a packed entry: it knows its key, so the Db can store it when changed in place. */
export class KeyedRecord extends KvRecord {
  constructor(readonly key: string, value: string, version: number, seq: number) {
    super(value, NO_EXPIRY, version, seq);
  }
}
