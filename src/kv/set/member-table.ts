// The hashtable form of a set: an open-addressing table of latin1 member strings, one array slot per
// member (no entry objects: 8 bytes a slot beside the string itself). Robin Hood linear probing with
// backward-shift deletion and a total order on ties makes the layout a function of the members and
// the capacity alone (history-independent), so a set rebuilt from a snapshot iterates exactly as the
// one it came from. SSCAN walks home buckets with Redis's reverse-binary cursor (dict.c dictScan):
// every member present for a whole iteration is returned, whatever grows or shrinks in between.

import { assert } from '../../lib/assert.js';
import type { Prng } from '../../lib/prng.js';

export const TABLE_CAPACITY_MIN = 8;
export const TABLE_CAPACITY_MAX = 1 << 30;
/** Grow past this fill; Robin Hood probing stays short well beyond it. */
const LOAD_MAX = 0.75;
/** Shrink below this fill, as Redis's htNeedsResize (10%). */
const SHRINK_FILL_PERCENT = 10;
const RANDOM_SLOT_TRIES = 64;

/** FNV-1a over the chars with a murmur3 finaliser: stable across processes and replicas. */
export function memberHash(member: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < member.length; i++) h = Math.imul(h ^ member.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The capacity a table of `size` members has: the least power of two it fits in at LOAD_MAX. */
export function capacityFor(size: number): number {
  let capacity = TABLE_CAPACITY_MIN;
  while (size > capacity * LOAD_MAX) capacity *= 2;
  assert(capacity <= TABLE_CAPACITY_MAX, 'set too large for one table');
  return capacity;
}

/** An array of exactly `capacity` empty slots (pushes would leave up to half again spare). */
function emptySlots(capacity: number): (string | undefined)[] {
  return new Array<string | undefined>(capacity).fill(undefined);
}

function reverseBits32(v: number): number {
  let x = v >>> 0;
  x = ((x >>> 1) & 0x55555555) | ((x & 0x55555555) << 1);
  x = ((x >>> 2) & 0x33333333) | ((x & 0x33333333) << 2);
  x = ((x >>> 4) & 0x0f0f0f0f) | ((x & 0x0f0f0f0f) << 4);
  x = ((x >>> 8) & 0x00ff00ff) | ((x & 0x00ff00ff) << 8);
  return ((x >>> 16) | (x << 16)) >>> 0;
}

export class MemberTable {
  private slots: (string | undefined)[];
  private mask: number;
  /** Invariant: the number of defined slots, and size <= capacity * LOAD_MAX. */
  size = 0;
  /** Sum of the members' lengths, for memory estimates. */
  charsTotal = 0;

  constructor(capacity = TABLE_CAPACITY_MIN) {
    assert(capacity >= TABLE_CAPACITY_MIN && capacity <= TABLE_CAPACITY_MAX, 'table capacity out of range');
    assert((capacity & (capacity - 1)) === 0, 'table capacity must be a power of two');
    this.slots = emptySlots(capacity);
    this.mask = capacity - 1;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  /** Whether another `size` members fit at this capacity (a snapshot's claim is checked with it). */
  static fits(size: number, capacity: number): boolean {
    return size <= capacity * LOAD_MAX;
  }

  has(member: string): boolean {
    return this.indexOf(member) !== -1;
  }

  add(member: string): boolean {
    if (this.indexOf(member) !== -1) return false;
    if (this.size + 1 > this.capacity * LOAD_MAX) this.rebuild(this.capacity * 2);
    this.place(member);
    this.size++;
    this.charsTotal += member.length;
    return true;
  }

  delete(member: string): boolean {
    let i = this.indexOf(member);
    if (i === -1) return false;
    const { slots, mask } = this;
    // Backward shift: pull each displaced successor one slot nearer its home; no tombstones.
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const next = slots[j];
      if (next === undefined || (memberHash(next) & mask) === j) break;
      slots[i] = next;
      i = j;
    }
    slots[i] = undefined;
    this.size--;
    this.charsTotal -= member.length;
    assert(this.size >= 0, 'table size went negative');
    if (this.capacity > TABLE_CAPACITY_MIN && this.size * 100 < this.capacity * SHRINK_FILL_PERCENT) this.rebuild(capacityFor(this.size));
    return true;
  }

  /** Members in slot order (SMEMBERS's order). */
  forEach(visit: (member: string) => void): void {
    for (const member of this.slots) if (member !== undefined) visit(member);
  }

  /** A member chosen uniformly. */
  random(prng: Prng): string {
    assert(this.size > 0, 'random member of an empty table');
    const { slots, mask } = this;
    for (let i = 0; i < RANDOM_SLOT_TRIES; i++) {
      const member = slots[prng.int(0, mask)];
      if (member !== undefined) return member;
    }
    const start = prng.int(0, mask); // sparse: walk from a random slot (at most one lap)
    for (let i = 0; ; i = (i + 1) & mask) {
      const member = slots[(start + i) & mask];
      if (member !== undefined) return member;
    }
  }

  /**
   * Visits the members whose home bucket is the cursor's, and returns the next cursor (0 = done),
   * as dictScan on one table. Only the cursor's low 32 bits matter (capacity <= 2^30).
   */
  scan(cursor: number, visit: (member: string) => void): number {
    const { slots, mask } = this;
    const bucket = cursor & mask;
    for (let i = bucket; ; i = (i + 1) & mask) {
      const member = slots[i];
      if (member === undefined) break;
      const home = memberHash(member) & mask;
      if (home === bucket) visit(member);
      else if (((i - home) & mask) < ((i - bucket) & mask)) break; // homes past the bucket: its run is over
      if (((i + 1) & mask) === bucket) break;
    }
    const next = reverseBits32((reverseBits32((cursor | ~mask) >>> 0) + 1) >>> 0);
    return next;
  }

  private indexOf(member: string): number {
    const { slots, mask } = this;
    for (let i = memberHash(member) & mask; ; i = (i + 1) & mask) {
      const occupant = slots[i];
      if (occupant === undefined) return -1;
      if (occupant === member) return i;
    }
  }

  /** Robin Hood insertion; equal probe distances (same home) are ordered by the members themselves. */
  private place(member: string): void {
    const { slots, mask } = this;
    let carry = member;
    let home = memberHash(carry) & mask;
    for (let i = home; ; i = (i + 1) & mask) {
      const occupant = slots[i];
      if (occupant === undefined) {
        slots[i] = carry;
        return;
      }
      const occupantHome = memberHash(occupant) & mask;
      const distance = (i - home) & mask;
      const occupantDistance = (i - occupantHome) & mask;
      if (occupantDistance < distance || (occupantDistance === distance && carry < occupant)) {
        slots[i] = carry;
        carry = occupant;
        home = occupantHome;
      }
    }
  }

  private rebuild(capacity: number): void {
    const old = this.slots;
    this.slots = emptySlots(capacity);
    this.mask = capacity - 1;
    for (const member of old) if (member !== undefined) this.place(member);
  }
}
