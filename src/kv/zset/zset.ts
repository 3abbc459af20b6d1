// The sorted set value (TYPE zset). Two encodings, as Redis 7.0 chooses them: 'listpack' while it
// holds at most 128 members of at most 64 bytes (one sorted chunk, members found by a linear scan,
// and a -0 score stored as 0, as listpack stores integral scores as integers), then 'skiplist' for
// good (a member → score Map beside the chunked order of order.ts). Members are latin1 strings.

import { assert } from '../../lib/assert.js';
import type { Collection } from '../collection.js';
import type { ByteWriter } from '../writer.js';
import { Chunk, ScoreOrder } from './order.js';

export const LISTPACK_ENTRIES_MAX = 128;
export const LISTPACK_VALUE_BYTES_MAX = 64;
export const ENCODING_LISTPACK = 0;
export const ENCODING_SKIPLIST = 1;
const MEMORY_SAMPLES = 32;

export class ZSet implements Collection {
  readonly type = 'zset';
  countedBytes = 0;
  /** Member → score in the skiplist encoding; null while listpack. */
  private scores: Map<string, number> | null;
  order: ScoreOrder;

  constructor(skiplist = false, order = new ScoreOrder(), scores: Map<string, number> | null = null) {
    this.order = order;
    this.scores = skiplist ? scores ?? new Map() : null;
  }

  get size(): number {
    return this.order.size;
  }

  get isListpack(): boolean {
    return this.scores === null;
  }

  encoding(): string {
    return this.scores === null ? 'listpack' : 'skiplist';
  }

  /** The score of a member, or undefined. */
  score(member: string): number | undefined {
    if (this.scores !== null) return this.scores.get(member);
    const c = this.order.chunks[0];
    if (c === undefined) return undefined;
    const at = c.members.indexOf(member);
    return at === -1 ? undefined : c.scores[at];
  }

  /** Adds a member or moves it to a new score (zsetAdd's storage part; the caller decided). */
  set(member: string, score: number): void {
    assert(!Number.isNaN(score), 'a zset score is never NaN');
    const current = this.score(member);
    if (current === undefined && this.scores === null) {
      if (this.size + 1 > LISTPACK_ENTRIES_MAX || member.length > LISTPACK_VALUE_BYTES_MAX) this.convertToSkiplist();
    }
    if (current !== undefined) {
      if (current === score) return;
      this.order.remove(current, member);
    }
    const stored = this.scores === null && score === 0 ? 0 : score;
    this.order.insert(stored, member);
    this.scores?.set(member, stored);
  }

  remove(member: string): boolean {
    const current = this.score(member);
    if (current === undefined) return false;
    assert(this.order.remove(current, member), 'member missing from the order');
    this.scores?.delete(member);
    return true;
  }

  /** 0-based rank from the lowest score, or undefined. */
  rank(member: string): number | undefined {
    const current = this.score(member);
    return current === undefined ? undefined : this.order.rankOf(current, member);
  }

  /** Calls fn for ranks start..end inclusive (ascending, or descending if reverse; 0 ≤ start ≤ end < size). */
  each(start: number, end: number, reverse: boolean, fn: (member: string, score: number) => void): void {
    if (start > end) return;
    const chunks = this.order.chunks;
    let [ci, at] = this.order.locateRank(reverse ? end : start);
    for (let left = end - start + 1; left > 0; left--) {
      const c = chunks[ci] as Chunk;
      fn(c.members[at] as string, c.scores[at] as number);
      if (reverse) {
        if (--at < 0 && ci > 0) at = (chunks[--ci] as Chunk).members.length - 1;
      } else if (++at >= c.members.length) {
        ci++;
        at = 0;
      }
    }
  }

  /** Calls fn from `rank` towards the end (or the start if reverse) while it returns true. */
  walk(rank: number, reverse: boolean, fn: (member: string, score: number) => boolean): void {
    if (rank < 0 || rank >= this.size) return;
    const chunks = this.order.chunks;
    let [ci, at] = this.order.locateRank(rank);
    for (;;) {
      const c = chunks[ci] as Chunk;
      if (!fn(c.members[at] as string, c.scores[at] as number)) return;
      if (reverse) {
        if (--at < 0) {
          if (--ci < 0) return;
          at = (chunks[ci] as Chunk).members.length - 1;
        }
      } else if (++at >= c.members.length) {
        if (++ci >= chunks.length) return;
        at = 0;
      }
    }
  }

  /** The pair at a rank. */
  at(rank: number): [string, number] {
    const [ci, at] = this.order.locateRank(rank);
    const c = this.order.chunks[ci] as Chunk;
    return [c.members[at] as string, c.scores[at] as number];
  }

  /** Removes ranks start..end inclusive. */
  removeRanks(start: number, end: number): void {
    if (this.scores !== null) this.each(start, end, false, (member) => this.scores?.delete(member));
    this.order.removeRanks(start, end);
  }

  private convertToSkiplist(): void {
    const scores = new Map<string, number>();
    for (const c of this.order.chunks) for (let i = 0; i < c.members.length; i++) scores.set(c.members[i] as string, c.scores[i] as number);
    this.scores = scores;
  }

  /** zsetConvertToListpackIfNeeded: back to listpack when small enough (*STORE results only). */
  shrinkIfSmall(): void {
    if (this.scores === null || this.size > LISTPACK_ENTRIES_MAX) return;
    let longest = 0;
    for (const member of this.scores.keys()) longest = Math.max(longest, member.length);
    if (longest > LISTPACK_VALUE_BYTES_MAX) return;
    this.scores = null;
    const members: string[] = [];
    const scores: number[] = [];
    // Listpack stores an integral score as an integer: -0 comes back as 0.
    this.each(0, this.size - 1, false, (m, s) => { members.push(m); scores.push(s === 0 ? 0 : s); });
    this.order = ScoreOrder.fromSorted(members, scores);
  }

  clone(): ZSet {
    const members: string[] = [];
    const scores: number[] = [];
    if (this.size > 0) this.each(0, this.size - 1, false, (m, s) => { members.push(m); scores.push(s); });
    const map = this.scores === null ? null : new Map(this.scores);
    return new ZSet(map !== null, ScoreOrder.fromSorted(members, scores), map);
  }

  encode(out: ByteWriter): void {
    out.u8(this.scores === null ? ENCODING_LISTPACK : ENCODING_SKIPLIST);
    out.u32(this.size);
    for (const c of this.order.chunks) {
      for (let i = 0; i < c.members.length; i++) {
        out.latin1(c.members[i] as string);
        out.f64(c.scores[i] as number);
      }
    }
  }

  /**
   * Estimated from a sample of members (as Redis's MEMORY USAGE samples): a string header and its
   * bytes, two array slots per member, and in a skiplist a Map entry and often a boxed score.
   */
  memoryBytes(): number {
    const samples = Math.min(this.size, MEMORY_SAMPLES);
    let sampledChars = 0;
    for (let i = 0; i < samples; i++) sampledChars += (this.at(Math.floor((i * this.size) / samples))[0]).length;
    const averageChars = samples === 0 ? 0 : sampledChars / samples;
    const perMember = 16 + Math.ceil(averageChars / 8) * 8 + 16 + (this.scores === null ? 0 : 64);
    return 64 + Math.round(this.size * perMember);
  }
}
