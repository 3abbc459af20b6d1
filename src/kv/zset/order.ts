// The order of a sorted set: (score, member) pairs sorted by score, then member bytes, held in
// chunks of at most CHUNK_MAX pairs (two parallel arrays each, no object per member), with a
// Fenwick tree over the chunk sizes so rank → position and position → rank are O(log n), and each
// chunk's size and last score in flat typed arrays (the bisection reads no chunk until the last
// step). The tree is rebuilt from the sizes, lazily, after a chunk splits or merges. Plays the part of
// Redis's zskiplist (t_zset.c), without the random levels.

import { assert } from '../../lib/assert.js';

export const CHUNK_MAX = 128;
const CHUNK_MERGE_BELOW = CHUNK_MAX / 4;
const SLOTS_INITIAL = 4;

export class Chunk {
  constructor(readonly members: string[], readonly scores: number[]) {
    assert(members.length === scores.length, 'chunk arrays differ in length');
  }
}

/** Whether (s1, m1) sorts before (s2, m2). */
export function before(s1: number, m1: string, s2: number, m2: string): boolean {
  return s1 < s2 || (s1 === s2 && m1 < m2);
}

export class ScoreOrder {
  /** Invariant: sorted across chunks; no chunk is empty; the list is empty only when size is 0. */
  chunks: Chunk[] = [];
  size = 0;
  /** Each chunk's size and last score, side by side (a cache line holds eight scores): always current. */
  private sizes = new Int32Array(SLOTS_INITIAL);
  private lastScores = new Float64Array(SLOTS_INITIAL);
  /** Fenwick tree over chunk sizes (1-based), valid unless `fenwickStale` (a chunk split or merged). */
  private fenwick = new Int32Array(1);
  private fenwickStale = false;

  static fromSorted(members: string[], scores: number[]): ScoreOrder {
    const order = new ScoreOrder();
    for (let at = 0; at < members.length; at += CHUNK_MAX) {
      order.slotInsert(order.chunks.length);
      order.chunks.push(new Chunk(members.slice(at, at + CHUNK_MAX), scores.slice(at, at + CHUNK_MAX)));
      order.refresh(order.chunks.length - 1);
    }
    order.size = members.length;
    order.fenwickStale = true;
    return order;
  }

  /** Opens slot `ci` in the per-chunk arrays (before the chunk list grows). */
  private slotInsert(ci: number): void {
    const count = this.chunks.length;
    if (count + 1 > this.sizes.length) {
      const sizes = new Int32Array(this.sizes.length * 2);
      const lastScores = new Float64Array(this.sizes.length * 2);
      sizes.set(this.sizes);
      lastScores.set(this.lastScores);
      this.sizes = sizes;
      this.lastScores = lastScores;
    }
    this.sizes.copyWithin(ci + 1, ci, count);
    this.lastScores.copyWithin(ci + 1, ci, count);
    this.fenwickStale = true;
  }

  /** Closes slot `ci` (before the chunk list shrinks). */
  private slotDelete(ci: number): void {
    const count = this.chunks.length;
    this.sizes.copyWithin(ci, ci + 1, count);
    this.lastScores.copyWithin(ci, ci + 1, count);
    this.fenwickStale = true;
  }

  private refresh(ci: number): void {
    const c = this.chunks[ci] as Chunk;
    this.sizes[ci] = c.scores.length;
    this.lastScores[ci] = c.scores[c.scores.length - 1] as number;
  }

  /** The chunk index where (score, member) belongs: the first whose last pair is not before it. */
  private chunkFor(score: number, member: string): number {
    const chunks = this.chunks;
    const lastScores = this.lastScores;
    let lo = 0;
    let hi = chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const lastScore = lastScores[mid] as number;
      let isBefore = lastScore < score;
      if (lastScore === score) {
        const c = chunks[mid] as Chunk;
        isBefore = (c.members[c.members.length - 1] as string) < member;
      }
      if (isBefore) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Position in a chunk of the first pair not before (score, member). */
  private static within(c: Chunk, score: number, member: string): number {
    let lo = 0;
    let hi = c.members.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(c.scores[mid] as number, c.members[mid] as string, score, member)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(score: number, member: string): void {
    if (this.chunks.length === 0) {
      this.slotInsert(0);
      this.chunks.push(new Chunk([member], [score]));
      this.refresh(0);
      this.size = 1;
      return;
    }
    const ci = this.chunkFor(score, member);
    const c = this.chunks[ci] as Chunk;
    const at = ScoreOrder.within(c, score, member);
    c.members.splice(at, 0, member);
    c.scores.splice(at, 0, score);
    this.size++;
    if (c.members.length > CHUNK_MAX) this.split(ci, at);
    else this.adjust(ci, 1);
  }

  /** Removes the pair; returns whether it was there. */
  remove(score: number, member: string): boolean {
    if (this.chunks.length === 0) return false;
    const ci = this.chunkFor(score, member);
    const c = this.chunks[ci] as Chunk;
    const at = ScoreOrder.within(c, score, member);
    if (at >= c.members.length || c.members[at] !== member || c.scores[at] !== score) return false;
    this.removeAt(ci, at, 1);
    return true;
  }

  /** Removes `count` pairs from position `at` of chunk `ci` (all in that chunk). */
  private removeAt(ci: number, at: number, count: number): void {
    const c = this.chunks[ci] as Chunk;
    c.members.splice(at, count);
    c.scores.splice(at, count);
    this.size -= count;
    if (c.members.length === 0) {
      this.slotDelete(ci);
      this.chunks.splice(ci, 1);
    } else if (c.members.length < CHUNK_MERGE_BELOW) this.mergeAround(ci);
    else this.adjust(ci, -count);
  }

  /** Removes the pairs at ranks [start, end] (0-based, inclusive). */
  removeRanks(start: number, end: number): void {
    assert(start >= 0 && end < this.size && start <= end, 'rank range out of bounds');
    let left = end - start + 1;
    while (left > 0) {
      const [ci, at] = this.locateRank(start);
      const take = Math.min(left, (this.chunks[ci] as Chunk).members.length - at);
      this.removeAt(ci, at, take);
      left -= take;
    }
  }

  private split(ci: number, insertedAt: number): void {
    const c = this.chunks[ci] as Chunk;
    const length = c.members.length;
    // Appending past the end of the last chunk (ascending inserts) keeps chunks full.
    const cut = insertedAt === length - 1 && ci === this.chunks.length - 1 ? length - 1 : length >>> 1;
    const right = new Chunk(c.members.splice(cut), c.scores.splice(cut));
    this.slotInsert(ci + 1);
    this.chunks.splice(ci + 1, 0, right);
    this.refresh(ci);
    this.refresh(ci + 1);
  }

  private mergeAround(ci: number): void {
    const c = this.chunks[ci] as Chunk;
    const neighbour = ci + 1 < this.chunks.length ? ci + 1 : ci - 1;
    const n = this.chunks[neighbour];
    if (n === undefined || n.members.length + c.members.length > CHUNK_MAX) {
      this.refresh(ci);
      this.fenwickStale = true;
      return;
    }
    const [first, second] = neighbour > ci ? [c, n] : [n, c];
    for (let i = 0; i < second.members.length; i++) {
      first.members.push(second.members[i] as string);
      first.scores.push(second.scores[i] as number);
    }
    const gone = Math.max(ci, neighbour);
    this.slotDelete(gone);
    this.chunks.splice(gone, 1);
    this.refresh(Math.min(ci, neighbour));
  }

  /** Chunk `ci` changed size by `delta` without splitting or merging. */
  private adjust(ci: number, delta: number): void {
    this.refresh(ci);
    if (this.fenwickStale) return;
    const tree = this.fenwick;
    for (let i = ci + 1; i < tree.length; i += i & -i) tree[i] = (tree[i] as number) + delta;
  }

  /** The Fenwick tree from the sizes array alone (no chunk visited). */
  private rebuild(): void {
    const n = this.chunks.length;
    const tree = this.fenwick.length === n + 1 ? this.fenwick.fill(0) : new Int32Array(n + 1);
    const sizes = this.sizes;
    for (let i = 1; i <= n; i++) {
      tree[i] = (tree[i] as number) + (sizes[i - 1] as number);
      const parent = i + (i & -i);
      if (parent <= n) tree[parent] = (tree[parent] as number) + (tree[i] as number);
    }
    this.fenwick = tree;
    this.fenwickStale = false;
  }

  /** Pairs in chunks before chunk `ci`. */
  private before(ci: number): number {
    if (this.fenwickStale) this.rebuild();
    let sum = 0;
    for (let i = ci; i > 0; i -= i & -i) sum += this.fenwick[i] as number;
    return sum;
  }

  /** [chunk index, position] of the pair at `rank` (0-based, < size). */
  locateRank(rank: number): [number, number] {
    assert(rank >= 0 && rank < this.size, 'rank out of bounds');
    if (this.fenwickStale) this.rebuild();
    const tree = this.fenwick;
    let ci = 0;
    let left = rank;
    let step = 1;
    while (step * 2 < tree.length) step *= 2;
    for (; step > 0; step >>= 1) {
      const next = ci + step;
      if (next < tree.length && (tree[next] as number) <= left) {
        ci = next;
        left -= tree[next] as number;
      }
    }
    return [ci, left];
  }

  /** 0-based rank of a present pair. */
  rankOf(score: number, member: string): number {
    const ci = this.chunkFor(score, member);
    const at = ScoreOrder.within(this.chunks[ci] as Chunk, score, member);
    return this.before(ci) + at;
  }

  /**
   * The number of leading pairs for which `isBefore` holds, assuming it holds for a prefix of the
   * order (binary search over chunks, then within one).
   */
  countWhile(isBefore: (score: number, member: string) => boolean): number {
    const chunks = this.chunks;
    let lo = 0;
    let hi = chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = chunks[mid] as Chunk;
      const last = c.members.length - 1;
      if (isBefore(c.scores[last] as number, c.members[last] as string)) lo = mid + 1;
      else hi = mid;
    }
    if (lo === chunks.length) return this.size;
    const c = chunks[lo] as Chunk;
    let a = 0;
    let b = c.members.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (isBefore(c.scores[mid] as number, c.members[mid] as string)) a = mid + 1;
      else b = mid;
    }
    return this.before(lo) + a;
  }
}
