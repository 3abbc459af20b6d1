// Positions for the fields of a big (hashtable) hash, which a Map cannot give: HSCAN's cursor is a
// position here, HRANDFIELD picks a random position. Built from the Map's order on first need;
// new fields are appended; deleted ones stay as stale entries (their field is no longer in the
// hash, or it was added again further on) until they outnumber the live ones and the index is
// rebuilt under a new generation. A cursor carries its generation, and one from an older index
// starts over: a scan may then return a field twice, never miss one present throughout, as Redis
// promises. The index is a cache, not state: snapshots do not hold it.

import { assert } from '../../lib/assert.js';

/** Positions fit below 2^32; generations below 2^20, so a cursor stays a safe integer. */
const POSITIONS_MAX = 2 ** 32;
const GENERATIONS_MAX = 2 ** 20;
/** Stale entries tolerated beyond the live count before a rebuild. */
const STALE_SLACK = 64;

/** The generation after `generation` (0 = none yet), wrapping within 1..GENERATIONS_MAX. */
export function nextGeneration(generation: number): number {
  return (generation % GENERATIONS_MAX) + 1;
}

export class FieldIndex {
  private constructor(
    private readonly fields: string[],
    /** In 1..GENERATIONS_MAX; never 0, so no cursor but the start is 0. */
    readonly generation: number,
  ) {
    assert(generation >= 1 && generation <= GENERATIONS_MAX, 'generation out of range');
  }

  /** An index of `fields` in order. */
  static of(fields: Iterable<string>, generation: number): FieldIndex {
    return new FieldIndex(Array.from(fields), generation);
  }

  /** Entries, stale ones included. */
  get length(): number {
    return this.fields.length;
  }

  at(position: number): string {
    assert(position >= 0 && position < this.fields.length, 'field position out of range');
    return this.fields[position] as string;
  }

  added(field: string): void {
    assert(this.fields.length < POSITIONS_MAX, 'field index full');
    this.fields.push(field);
  }

  needsRebuild(liveCount: number): boolean {
    return this.fields.length > 2 * liveCount + STALE_SLACK;
  }

  /** The cursor that resumes at `position` (0 at the end: the scan is over). */
  cursorAt(position: number): number {
    return position >= this.fields.length ? 0 : this.generation * POSITIONS_MAX + position;
  }

  /** Where a cursor resumes: its position if it belongs to this generation, else the start. */
  positionOf(cursor: bigint): number {
    const generation = Number(cursor / BigInt(POSITIONS_MAX));
    return generation === this.generation ? Number(cursor % BigInt(POSITIONS_MAX)) : 0;
  }
}
