// A set value, in Redis 7.0's two encodings: 'intset' (a sorted array of integers, while every member
// is an integer in string2ll form and there are at most 512) and 'hashtable' (a MemberTable of latin1
// strings). A set becomes a hashtable at its first non-integer member or its 513th, and never goes
// back, as in t_set.c; an intset iterates in ascending numeric order, as Redis's does.

import { assert } from '../../lib/assert.js';
import type { Prng } from '../../lib/prng.js';
import type { Collection } from '../collection.js';
import type { ByteReader } from '../reader.js';
import type { ByteWriter } from '../writer.js';
import { intOfMember, searchInts, type IntMember } from './int-member.js';
import { capacityFor, MemberTable, TABLE_CAPACITY_MAX, TABLE_CAPACITY_MIN } from './member-table.js';

/** Redis's set-max-intset-entries default. */
export const INTSET_ENTRIES_MAX = 512;
const ENCODING_INTSET = 1;
const ENCODING_HASHTABLE = 2;
const INT_BYTES = 8;
const STRING_HEADER_BYTES = 16;

export class SetValue implements Collection {
  readonly type = 'set';
  countedBytes = 0;
  /** Ascending and distinct while the set is an intset; null once it is a hashtable. */
  private ints: IntMember[] | null;
  private table: MemberTable | null;

  private constructor(ints: IntMember[] | null, table: MemberTable | null) {
    assert((ints === null) !== (table === null), 'a set has exactly one encoding');
    this.ints = ints;
    this.table = table;
  }

  /** An empty intset (Redis's createIntsetObject: the result sets of SINTER, SUNION, SDIFF). */
  static emptyIntset(): SetValue {
    return new SetValue([], null);
  }

  /** An empty set of the encoding that can hold `firstMember` (setTypeCreate). */
  static createFor(firstMember: string): SetValue {
    return intOfMember(firstMember) === undefined ? new SetValue(null, new MemberTable()) : SetValue.emptyIntset();
  }

  get size(): number {
    return this.ints === null ? (this.table as MemberTable).size : this.ints.length;
  }

  encoding(): string {
    return this.ints === null ? 'hashtable' : 'intset';
  }

  has(member: string): boolean {
    if (this.ints === null) return (this.table as MemberTable).has(member);
    const value = intOfMember(member);
    return value !== undefined && searchInts(this.ints, value) >= 0;
  }

  /** Adds a member; false if it was there. Converts to a hashtable as Redis's setTypeAdd does. */
  add(member: string): boolean {
    const ints = this.ints;
    if (ints === null) return (this.table as MemberTable).add(member);
    const value = intOfMember(member);
    if (value === undefined) {
      this.toTable(1).add(member);
      return true;
    }
    const at = searchInts(ints, value);
    if (at >= 0) return false;
    ints.splice(-at - 1, 0, value);
    if (ints.length > INTSET_ENTRIES_MAX) this.toTable(0);
    return true;
  }

  remove(member: string): boolean {
    const ints = this.ints;
    if (ints === null) return (this.table as MemberTable).delete(member);
    const value = intOfMember(member);
    if (value === undefined) return false;
    const at = searchInts(ints, value);
    if (at < 0) return false;
    ints.splice(at, 1);
    return true;
  }

  /** Every member in iteration order: ascending for an intset, slot order for a hashtable. */
  forEach(visit: (member: string) => void): void {
    if (this.ints === null) (this.table as MemberTable).forEach(visit);
    else for (const value of this.ints) visit(String(value));
  }

  /** The members in iteration order. */
  members(): string[] {
    const out: string[] = [];
    this.forEach((member) => out.push(member));
    return out;
  }

  /** A member chosen uniformly (the set must not be empty). */
  random(prng: Prng): string {
    assert(this.size > 0, 'random member of an empty set');
    if (this.ints === null) return (this.table as MemberTable).random(prng);
    return String(this.ints[prng.int(0, this.ints.length - 1)]);
  }

  /** The hashtable behind a big set, for SSCAN's cursor; null while it is an intset. */
  hashtable(): MemberTable | null {
    return this.table;
  }

  clone(): SetValue {
    if (this.ints !== null) return new SetValue(this.ints.slice(), null);
    const table = this.table as MemberTable;
    const copy = new MemberTable(table.capacity);
    table.forEach((member) => copy.add(member));
    return new SetValue(null, copy);
  }

  encode(out: ByteWriter): void {
    if (this.ints !== null) {
      out.u8(ENCODING_INTSET);
      out.u32(this.ints.length);
      for (const value of this.ints) out.latin1(String(value));
      return;
    }
    const table = this.table as MemberTable;
    out.u8(ENCODING_HASHTABLE);
    out.u32(table.capacity);
    out.u32(table.size);
    table.forEach((member) => out.latin1(member));
  }

  memoryBytes(): number {
    if (this.ints !== null) return 64 + INT_BYTES * this.ints.length;
    const table = this.table as MemberTable;
    return 64 + INT_BYTES * table.capacity + STRING_HEADER_BYTES * table.size + table.charsTotal;
  }

  /** Reads what encode() wrote; throws CAIRN_CORRUPT (through the reader) on anything else. */
  static decode(r: ByteReader): SetValue {
    const encoding = r.u8('set encoding');
    if (encoding === ENCODING_INTSET) return SetValue.decodeIntset(r);
    if (encoding !== ENCODING_HASHTABLE) r.corrupt(`unknown set encoding ${encoding}`);
    const capacity = r.u32('set table capacity');
    const count = r.u32('set size');
    const powerOfTwo = (capacity & (capacity - 1)) === 0;
    if (!powerOfTwo || capacity < TABLE_CAPACITY_MIN || capacity > TABLE_CAPACITY_MAX || !MemberTable.fits(count, capacity)) {
      r.corrupt(`bad set table capacity ${capacity} for ${count} members`);
    }
    const table = new MemberTable(capacity);
    for (let i = 0; i < count; i++) {
      if (!table.add(r.latin1(r.u32('set member length'), 'set member'))) r.corrupt('duplicate set member');
    }
    return new SetValue(null, table);
  }

  private static decodeIntset(r: ByteReader): SetValue {
    const count = r.u32('intset size');
    if (count > INTSET_ENTRIES_MAX) r.corrupt(`intset of ${count} members`);
    const ints: IntMember[] = [];
    for (let i = 0; i < count; i++) {
      const value = intOfMember(r.latin1(r.u32('intset member length'), 'intset member'));
      if (value === undefined) r.corrupt('intset member is not an integer');
      if (ints.length > 0 && !((ints[ints.length - 1] as IntMember) < value)) r.corrupt('intset members out of order');
      ints.push(value);
    }
    return new SetValue(ints, null);
  }

  /** Converts the intset to a hashtable with room for `extra` more members (setTypeConvert). */
  private toTable(extra: number): MemberTable {
    const ints = this.ints;
    assert(ints !== null, 'only an intset converts');
    const table = new MemberTable(capacityFor(ints.length + extra));
    for (const value of ints) table.add(String(value));
    this.table = table;
    this.ints = null;
    return table;
  }
}
