// The key → entry map of a Db, split over a fixed number of segments (plain Maps) chosen by a
// cheap deterministic hash of the key, so no single Map holds more than about 1/KEY_MAP_SEGMENTS
// of the keyspace. Why: V8 grows a Map by doubling its table and rehashing every entry in one
// synchronous step; at a million keys one such step holds the event loop for hundreds of
// milliseconds (a snapshot decode filling a fresh keyspace, or a live write crossing a power of
// two). A segment's doubling moves 1/256 of that. The segments fill evenly, so together they hold
// about the table space one Map would: no memory is spent on the split.
// This map has no order: the keyspace's order (SCAN, KEYS, snapshots) is KeyOrder's (db.ts).

import { assert } from '../lib/assert.js';

/** Segments per map: a power of two; at 1M keys each holds about 4,000 (a sub-millisecond rehash). */
export const KEY_MAP_SEGMENTS = 256;
/** A long key's hash reads this many chars from each end (and its length): bounded work per lookup. */
const HASHED_CHARS_PER_END = 16;

/** The segment of a key: FNV-1a over its chars (both ends of a long key), then a final mix. */
export function segmentOf(key: string): number {
  const length = key.length;
  let hash = 0x811c9dc5 ^ length;
  if (length <= 2 * HASHED_CHARS_PER_END) {
    for (let i = 0; i < length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  } else {
    for (let i = 0; i < HASHED_CHARS_PER_END; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
    for (let i = length - HASHED_CHARS_PER_END; i < length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  return hash & (KEY_MAP_SEGMENTS - 1);
}

export class KeyMap<V> {
  /** A segment is made when its first key arrives (a small Db costs a few Maps, not 256). */
  private readonly segments: (Map<string, V> | undefined)[] = Array.from({ length: KEY_MAP_SEGMENTS }, () => undefined);
  /** Invariant: the sum of the segments' sizes. */
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(key: string): V | undefined {
    return this.segments[segmentOf(key)]?.get(key);
  }

  has(key: string): boolean {
    return this.segments[segmentOf(key)]?.has(key) === true;
  }

  /** Stores the value at key; returns whether the key is new (one hash lookup for both). */
  set(key: string, value: V): boolean {
    const index = segmentOf(key);
    let segment = this.segments[index];
    if (segment === undefined) {
      segment = new Map<string, V>();
      this.segments[index] = segment;
    }
    const sizeBefore = segment.size;
    segment.set(key, value);
    if (segment.size === sizeBefore) return false;
    this.count++;
    return true;
  }

  /** Removes the key; returns whether it was present. */
  delete(key: string): boolean {
    const deleted = this.segments[segmentOf(key)]?.delete(key) === true;
    if (deleted) this.count--;
    assert(this.count >= 0, 'key map count went negative');
    return deleted;
  }

  clear(): void {
    this.segments.fill(undefined);
    this.count = 0;
  }
}
