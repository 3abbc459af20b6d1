// Sorted-set range commands: ZRANGE (BYSCORE BYLEX REV LIMIT WITHSCORES), ZRANGESTORE, the older
// ZRANGEBYSCORE / ZREVRANGEBYSCORE / ZRANGEBYLEX / ZREVRANGEBYLEX / ZREVRANGE, ZCOUNT, ZLEXCOUNT and
// ZREMRANGEBYRANK / SCORE / LEX: Redis 7.0's zrangeGenericCommand, its option order and errors.

import { errorReply, integerReply, type Reply } from '../lib/reply.js';
import { ERR_NOT_INTEGER, ERR_SYNTAX, parseInt64 } from './args.js';
import { isOption, keyOf } from './bytes.js';
import type { ExecContext } from './command-types.js';
import { WRONGTYPE } from './collection.js';
import { EMPTY_ARRAY, changedZSet, membersReply, readZSet, storeZSet, writeZSet } from './zset/access.js';
import {
  ERR_NOT_FLOAT_RANGE, ERR_NOT_LEX_RANGE, countFrom, firstInRange, lastInRange, parseLexRange, parseScoreRange, type RangeSpec,
} from './zset/range.js';
import { LISTPACK_ENTRIES_MAX, ZSet } from './zset/zset.js';
import type { SpecMaker } from './zsets.js';

const ERR_LIMIT_WITH_RANK = errorReply('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
const ERR_WITHSCORES_BYLEX = errorReply('ERR syntax error, WITHSCORES not supported in combination with BYLEX');

type RangeKind = 'auto' | 'rank' | 'score' | 'lex';
type Direction = 'auto' | 'forward' | 'reverse';

/** The members (and scores) a range selected, in reply order. */
interface Selection {
  readonly members: string[];
  readonly scores: number[];
}

function long(bytes: Uint8Array): number | undefined {
  const value = parseInt64(bytes);
  return value === undefined ? undefined : Number(value);
}

/** Rank range start..end after Redis's clamping, or undefined when empty. */
export function clampRanks(size: number, start: number, end: number): [number, number] | undefined {
  if (start < 0) start += size;
  if (end < 0) end += size;
  if (start < 0) start = 0;
  if (start > end || start >= size) return undefined;
  return [start, Math.min(end, size - 1)];
}

function byRank(z: ZSet, start: number, end: number, reverse: boolean): Selection {
  const out: Selection = { members: [], scores: [] };
  const ranks = clampRanks(z.size, start, end);
  if (ranks === undefined) return out;
  const [a, b] = ranks;
  // ZREVRANGE a b counts from the top: ranks size-1-b .. size-1-a, walked downwards.
  const [lo, hi] = reverse ? [z.size - 1 - b, z.size - 1 - a] : [a, b];
  z.each(lo, hi, reverse, (m, s) => { out.members.push(m); out.scores.push(s); });
  return out;
}

/** genericZrangebyscore / bylex: from the first (or last) pair in range, skip `offset`, take up to `limit`. */
function byRange(z: ZSet, spec: RangeSpec, offset: number, limit: number, reverse: boolean): Selection {
  const out: Selection = { members: [], scores: [] };
  if (offset < 0) return out; // Redis's `while (offset--)` runs off the end
  const start = reverse ? lastInRange(z, spec) : firstInRange(z, spec);
  if (start < 0) return out;
  let skip = offset;
  let left = limit;
  z.walk(start, reverse, (m, s) => {
    if (skip > 0) return skip-- > 0;
    if (left === 0) return false;
    if (!(reverse ? spec.gteMin(m, s) : spec.lteMax(m, s))) return false;
    out.members.push(m);
    out.scores.push(s);
    left--;
    return true;
  });
  return out;
}

interface RangeArgs {
  kind: RangeKind;
  direction: Direction;
  withScores: boolean;
  offset: number;
  limit: number;
}

function parseRangeOptions(argv: readonly Uint8Array[], from: number, store: boolean, o: RangeArgs): Reply | undefined {
  for (let j = from; j < argv.length; j++) {
    const arg = argv[j] as Uint8Array;
    const left = argv.length - j - 1;
    if (!store && isOption(arg, 'withscores')) o.withScores = true;
    else if (isOption(arg, 'limit') && left >= 2) {
      const offset = long(argv[j + 1] as Uint8Array);
      const limit = long(argv[j + 2] as Uint8Array);
      if (offset === undefined || limit === undefined) return ERR_NOT_INTEGER;
      o.offset = offset;
      o.limit = limit;
      j += 2;
    } else if (o.direction === 'auto' && isOption(arg, 'rev')) o.direction = 'reverse';
    else if (o.kind === 'auto' && isOption(arg, 'bylex')) o.kind = 'lex';
    else if (o.kind === 'auto' && isOption(arg, 'byscore')) o.kind = 'score';
    else return ERR_SYNTAX;
  }
  return undefined;
}

/** zrangeGenericCommand: `at` is the source key's index; `dst` the ZRANGESTORE destination. */
function zrangeGeneric(ctx: ExecContext, argv: readonly Uint8Array[], at: number, dst: string | undefined, kind: RangeKind, direction: Direction): Reply {
  const o: RangeArgs = { kind, direction, withScores: false, offset: 0, limit: -1 };
  const bad = parseRangeOptions(argv, at + 3, dst !== undefined, o);
  if (bad !== undefined) return bad;
  const reverse = o.direction === 'reverse';
  const rangeKind = o.kind === 'auto' ? 'rank' : o.kind;
  if (o.limit !== -1 && rangeKind === 'rank') return ERR_LIMIT_WITH_RANK;
  if (o.withScores && rangeKind === 'lex') return ERR_WITHSCORES_BYLEX;
  const swap = reverse && rangeKind !== 'rank';
  const minArg = argv[swap ? at + 2 : at + 1] as Uint8Array;
  const maxArg = argv[swap ? at + 1 : at + 2] as Uint8Array;
  let select: (z: ZSet) => Selection;
  if (rangeKind === 'rank') {
    const start = long(minArg);
    const end = long(maxArg);
    if (start === undefined || end === undefined) return ERR_NOT_INTEGER;
    select = (z) => byRank(z, start, end, reverse);
  } else {
    const spec = rangeKind === 'score' ? parseScoreRange(minArg, maxArg) : parseLexRange(minArg, maxArg);
    if (spec === undefined) return rangeKind === 'score' ? ERR_NOT_FLOAT_RANGE : ERR_NOT_LEX_RANGE;
    select = (z) => byRange(z, spec, o.offset, o.limit, reverse);
  }
  // ZRANGESTORE is a write: it reclaims an expired source, as Redis's lookup does.
  const z = dst === undefined ? readZSet(ctx, argv[at] as Uint8Array) : writeZSet(ctx, keyOf(argv[at] as Uint8Array));
  if (z === null) return WRONGTYPE;
  const selection = z === undefined ? { members: [], scores: [] } : select(z);
  if (dst === undefined) return z === undefined ? EMPTY_ARRAY : membersReply(selection.members, o.withScores ? selection.scores : undefined);
  // zrangeResultBeginStore: a rank range longer than a listpack starts as a skiplist; others as a listpack.
  const stored = new ZSet(rangeKind === 'rank' && selection.members.length > LISTPACK_ENTRIES_MAX);
  selection.members.forEach((m, i) => stored.set(m, selection.scores[i] as number));
  storeZSet(ctx, dst, stored, 'zrangestore');
  return integerReply(stored.size);
}

function rangeCommand(at: number, kind: RangeKind, direction: Direction) {
  return (ctx: ExecContext, argv: readonly Uint8Array[]): Reply => zrangeGeneric(ctx, argv, at, undefined, kind, direction);
}

function zrangestore(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  return zrangeGeneric(ctx, argv, 2, keyOf(argv[1] as Uint8Array), 'auto', 'auto');
}

function countCommand(lex: boolean) {
  return (ctx: ExecContext, argv: readonly Uint8Array[]): Reply => {
    const spec = lex ? parseLexRange(argv[2] as Uint8Array, argv[3] as Uint8Array) : parseScoreRange(argv[2] as Uint8Array, argv[3] as Uint8Array);
    if (spec === undefined) return lex ? ERR_NOT_LEX_RANGE : ERR_NOT_FLOAT_RANGE;
    const z = readZSet(ctx, argv[1] as Uint8Array);
    if (z === null) return WRONGTYPE;
    return integerReply(z === undefined ? 0 : countFrom(z, firstInRange(z, spec), spec));
  };
}

function remRangeCommand(kind: 'rank' | 'score' | 'lex') {
  return (ctx: ExecContext, argv: readonly Uint8Array[]): Reply => {
    let range: ((z: ZSet) => [number, number] | undefined) | undefined;
    if (kind === 'rank') {
      const start = long(argv[2] as Uint8Array);
      const end = long(argv[3] as Uint8Array);
      if (start === undefined || end === undefined) return ERR_NOT_INTEGER;
      range = (z) => clampRanks(z.size, start, end);
    } else {
      const spec = kind === 'lex' ? parseLexRange(argv[2] as Uint8Array, argv[3] as Uint8Array) : parseScoreRange(argv[2] as Uint8Array, argv[3] as Uint8Array);
      if (spec === undefined) return kind === 'lex' ? ERR_NOT_LEX_RANGE : ERR_NOT_FLOAT_RANGE;
      range = (z) => {
        const first = firstInRange(z, spec);
        const count = countFrom(z, first, spec);
        return count === 0 ? undefined : [first, first + count - 1];
      };
    }
    const key = keyOf(argv[1] as Uint8Array);
    const z = writeZSet(ctx, key);
    if (z === null) return WRONGTYPE;
    const ranks = z === undefined ? undefined : range(z);
    if (z === undefined || ranks === undefined) return integerReply(0);
    z.removeRanks(ranks[0], ranks[1]);
    changedZSet(ctx, key, kind === 'rank' ? 'zremrangebyrank' : kind === 'score' ? 'zremrangebyscore' : 'zremrangebylex');
    return integerReply(ranks[1] - ranks[0] + 1);
  };
}

const RANGE_COMPLEXITY = 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.';
const REM_COMPLEXITY = 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.';

export function ZSET_RANGE_SPECS(spec: SpecMaker) {
  return [
    spec('zrange', -4, ['readonly'], '1.2.0', 'Returns members in a sorted set within a range of indexes.', RANGE_COMPLEXITY, rangeCommand(1, 'auto', 'auto')),
    spec('zrangestore', -5, ['write', 'denyoom'], '6.2.0', 'Stores a range of members from sorted set in a key.',
      'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.', zrangestore, [1, 2, 1]),
    spec('zrangebyscore', -4, ['readonly'], '1.0.5', 'Returns members in a sorted set within a range of scores.', RANGE_COMPLEXITY, rangeCommand(1, 'score', 'forward')),
    spec('zrevrangebyscore', -4, ['readonly'], '2.2.0', 'Returns members in a sorted set within a range of scores in reverse order.', RANGE_COMPLEXITY, rangeCommand(1, 'score', 'reverse')),
    spec('zrangebylex', -4, ['readonly'], '2.8.9', 'Returns members in a sorted set within a lexicographical range.', RANGE_COMPLEXITY, rangeCommand(1, 'lex', 'forward')),
    spec('zrevrangebylex', -4, ['readonly'], '2.8.9', 'Returns members in a sorted set within a lexicographical range in reverse order.', RANGE_COMPLEXITY, rangeCommand(1, 'lex', 'reverse')),
    spec('zrevrange', -4, ['readonly'], '1.2.0', 'Returns members in a sorted set within a range of indexes in reverse order.', RANGE_COMPLEXITY, rangeCommand(1, 'rank', 'reverse')),
    spec('zcount', 4, ['readonly', 'fast'], '2.0.0', 'Returns the count of members in a sorted set that have scores within a range.', 'O(log(N)) with N being the number of elements in the sorted set.', countCommand(false)),
    spec('zlexcount', 4, ['readonly', 'fast'], '2.8.9', 'Returns the number of members in a sorted set within a lexicographical range.', 'O(log(N)) with N being the number of elements in the sorted set.', countCommand(true)),
    spec('zremrangebyrank', 4, ['write'], '2.0.0', 'Removes members in a sorted set within a range of indexes. Deletes the sorted set if all members were removed.', REM_COMPLEXITY, remRangeCommand('rank')),
    spec('zremrangebyscore', 4, ['write'], '1.2.0', 'Removes members in a sorted set within a range of scores. Deletes the sorted set if all members were removed.', REM_COMPLEXITY, remRangeCommand('score')),
    spec('zremrangebylex', 4, ['write'], '2.8.9', 'Removes members in a sorted set within a lexicographical range. Deletes the sorted set if all members were removed.', REM_COMPLEXITY, remRangeCommand('lex')),
  ];
}
