// The leader's view of when keys were last used, for the LRU eviction policies, kept cheaply: no
// field on the record (a million records would pay 8 bytes each) but a bounded Map of the
// TRACKED_KEYS_MAX most recently used keys, in access order, each with an access stamp (a counter,
// not a time). A key not in it — never used on this node since it started tracking, or pushed out
// by newer uses — is idler than every key in it, so it stamps 0. It sees the commands this node's
// own clients run and the writes followers relay to it, not the reads followers serve: it is the
// leader's view, and only the leader evicts.

import { assert } from '../lib/assert.js';

/** Keys whose use is remembered; the idlest beyond it count as never used. About 80 bytes each. */
export const TRACKED_KEYS_MAX = 32_768;

export class AccessClock {
  /** Tagged key (database, key) → stamp, oldest use first. */
  private readonly stamps = new Map<string, number>();
  private lastStamp = 0;

  get size(): number {
    return this.stamps.size;
  }

  /** Notes a use of `key` (a latin1 key string) in database `db`. */
  touch(db: number, key: string): void {
    const tagged = tag(db, key);
    this.stamps.delete(tagged);
    this.stamps.set(tagged, ++this.lastStamp);
    if (this.stamps.size <= TRACKED_KEYS_MAX) return;
    const oldest = this.stamps.keys().next().value;
    assert(oldest !== undefined, 'over the tracked keys limit but empty');
    this.stamps.delete(oldest);
  }

  /** The stamp of the key's last noted use; 0 when not known (idler than every known key). */
  stampOf(db: number, key: string): number {
    return this.stamps.get(tag(db, key)) ?? 0;
  }

  /** Drops a key (evicted or deleted): it no longer needs a place. */
  forget(db: number, key: string): void {
    this.stamps.delete(tag(db, key));
  }

  /** The keys it knows, used longest ago first (a key forgotten meanwhile is skipped, as a Map's iteration does). */
  *oldestFirst(): Generator<{ db: number; key: string }> {
    for (const tagged of this.stamps.keys()) yield untag(tagged);
  }

  clear(): void {
    this.stamps.clear();
  }
}

/** Database 0's keys as they are; others behind a char no latin1 key holds, so tags never collide. */
function tag(db: number, key: string): string {
  return db === 0 ? key : String.fromCharCode(0x100 + db) + key;
}

function untag(tagged: string): { db: number; key: string } {
  const first = tagged.charCodeAt(0);
  return first >= 0x100 ? { db: first - 0x100, key: tagged.slice(1) } : { db: 0, key: tagged };
}
