// Sorted-set commands that take members out or pick them: ZPOPMIN, ZPOPMAX, ZMPOP, the blocking
// BZPOPMIN / BZPOPMAX / BZMPOP as Redis runs them inside MULTI (they never block: they pop at once
// or give the timed-out null reply; the server does the waiting), ZRANDMEMBER and ZSCAN.

import { errorReply, NULL, type Reply } from '../lib/reply.js';
import { ERR_NOT_INTEGER, ERR_SYNTAX, parseInt64 } from './args.js';
import { asciiBytes, isOption, keyBytes, keyOf } from './bytes.js';
import type { ExecContext } from './command-types.js';
import { WRONGTYPE } from './collection.js';
import { globMatch } from './glob.js';
import { parseScanOptions } from './listing.js';
import { formatDouble } from '../lib/double-text.js';
import { EMPTY_ARRAY, NULL_ARRAY, changedZSet, memberReply, membersReply, readZSet, scoreReply, writeZSet } from './zset/access.js';
import { timeoutError } from './zset/timeout.js';
import type { ZSet } from './zset/zset.js';
import type { SpecMaker } from './zsets.js';

const ERR_MUST_BE_POSITIVE = errorReply('ERR value is out of range, must be positive');
const ERR_NUMKEYS = errorReply('ERR numkeys should be greater than 0');
const ERR_COUNT = errorReply('ERR count should be greater than 0');
const ERR_OUT_OF_RANGE = errorReply('ERR value is out of range');
const ERR_INVALID_CURSOR = errorReply('ERR invalid cursor');
const LONG_MAX_HALF = 4611686018427387903n;
const LONG_MAX = 9223372036854775807n;
const ERR_COUNT_RANGE = errorReply('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
/**
 * A negative ZRANDMEMBER count repeats members: Redis would try to send that many. Cairn refuses
 * counts beyond this (the reply would exhaust memory on every replica's apply).
 */
const REPEATS_MAX = 10_000_000n;

type Shape = 'flat' | 'pairs' | 'keyFlat' | 'keyNested';

/** genericZpopCommand: pops from the first key that exists; count -1 means "no count given". */
function genericZpop(ctx: ExecContext, keys: readonly Uint8Array[], max: boolean, count: number, shape: Shape, nilWhenNone: boolean): Reply {
  let key: string | undefined;
  let z: ZSet | undefined;
  for (const keyArg of keys) {
    const found = writeZSet(ctx, keyOf(keyArg));
    if (found === undefined) continue;
    if (found === null) return WRONGTYPE;
    key = keyOf(keyArg);
    z = found;
    break;
  }
  if (z === undefined || key === undefined) return nilWhenNone ? NULL_ARRAY : EMPTY_ARRAY;
  if (count === 0) return EMPTY_ARRAY;
  const take = Math.min(count === -1 ? 1 : count, z.size);
  const members: string[] = [];
  const scores: number[] = [];
  const [start, end] = max ? [z.size - take, z.size - 1] : [0, take - 1];
  z.each(start, end, max, (m, s) => { members.push(m); scores.push(s); });
  z.removeRanks(start, end);
  changedZSet(ctx, key, max ? 'zpopmax' : 'zpopmin');
  const flat: Reply[] = members.flatMap((m, i) => [memberReply(m), scoreReply(scores[i] as number)]);
  const keyReply: Reply = { type: 'bulk', value: keyBytes(key) };
  if (shape === 'flat') return { type: 'array', items: flat };
  if (shape === 'pairs') return membersReply(members, scores);
  if (shape === 'keyFlat') return { type: 'array', items: [keyReply, ...flat] };
  const nested: Reply[] = members.map((m, i) => ({ type: 'array', items: [memberReply(m), scoreReply(scores[i] as number)] }));
  return { type: 'array', items: [keyReply, { type: 'array', items: nested }] };
}

function zpopWith(max: boolean) {
  return (ctx: ExecContext, argv: readonly Uint8Array[]): Reply => {
    if (argv.length > 3) return ERR_SYNTAX;
    let count = -1;
    if (argv.length === 3) {
      const parsed = parseInt64(argv[2] as Uint8Array);
      if (parsed === undefined || parsed < 0n) return ERR_MUST_BE_POSITIVE;
      count = Number(parsed);
    }
    return genericZpop(ctx, [argv[1] as Uint8Array], max, count, count === -1 ? 'flat' : 'pairs', false);
  };
}

/** BZPOPMIN / BZPOPMAX key [key ...] timeout, never blocking. */
function bzpopWith(max: boolean) {
  return (ctx: ExecContext, argv: readonly Uint8Array[]): Reply => {
    const bad = timeoutError(argv[argv.length - 1] as Uint8Array, ctx.nowMs);
    if (bad !== undefined) return bad;
    for (let i = 1; i < argv.length - 1; i++) {
      const z = writeZSet(ctx, keyOf(argv[i] as Uint8Array));
      if (z === null) return WRONGTYPE;
      if (z !== undefined && z.size > 0) return genericZpop(ctx, [argv[i] as Uint8Array], max, -1, 'keyFlat', true);
    }
    return NULL_ARRAY;
  };
}

/** ZMPOP numkeys key... MIN|MAX [COUNT n] (at = 1) and BZMPOP timeout numkeys ... (at = 2). */
function zmpopWith(at: number) {
  return (ctx: ExecContext, argv: readonly Uint8Array[]): Reply => {
    const numkeys = parseInt64(argv[at] as Uint8Array);
    if (numkeys === undefined || numkeys < 1n) return ERR_NUMKEYS;
    const whereAt = BigInt(at) + numkeys + 1n;
    if (whereAt >= BigInt(argv.length)) return ERR_SYNTAX;
    const where = argv[Number(whereAt)] as Uint8Array;
    const max = isOption(where, 'max');
    if (!max && !isOption(where, 'min')) return ERR_SYNTAX;
    let count = -1;
    for (let j = Number(whereAt) + 1; j < argv.length; j++) {
      if (count !== -1 || !isOption(argv[j] as Uint8Array, 'count') || j + 1 >= argv.length) return ERR_SYNTAX;
      const parsed = parseInt64(argv[++j] as Uint8Array);
      if (parsed === undefined || parsed < 1n) return ERR_COUNT;
      count = Number(parsed);
    }
    const keys = argv.slice(at + 1, Number(whereAt));
    if (at === 2) {
      const bad = timeoutError(argv[1] as Uint8Array, ctx.nowMs);
      if (bad !== undefined) return bad;
      for (const keyArg of keys) {
        const z = writeZSet(ctx, keyOf(keyArg));
        if (z === null) return WRONGTYPE;
        if (z !== undefined) return genericZpop(ctx, [keyArg], max, count === -1 ? 1 : count, 'keyNested', true);
      }
      return NULL_ARRAY;
    }
    return genericZpop(ctx, keys, max, count === -1 ? 1 : count, 'keyNested', true);
  };
}

/** The keys a blocking sorted-set command waits on (BZPOPMIN, BZPOPMAX, BZMPOP), else undefined. */
export function zsetBlockingKeys(argv: readonly Uint8Array[]): Uint8Array[] | undefined {
  const name = argv[0] === undefined ? '' : keyOf(argv[0]).toLowerCase();
  if (name === 'bzpopmin' || name === 'bzpopmax') return argv.slice(1, -1);
  if (name !== 'bzmpop' || argv[2] === undefined) return undefined;
  const numkeys = parseInt64(argv[2]);
  if (numkeys === undefined || numkeys < 1n || numkeys > BigInt(argv.length - 3)) return undefined;
  return argv.slice(3, 3 + Number(numkeys));
}

function zrandmember(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  if (argv.length === 2) {
    const z = readZSet(ctx, argv[1] as Uint8Array);
    if (z === null) return WRONGTYPE;
    if (z === undefined) return NULL;
    return memberReply(z.at(ctx.prng.int(0, z.size - 1))[0]);
  }
  const parsed = parseInt64(argv[2] as Uint8Array);
  if (parsed === undefined) return ERR_NOT_INTEGER;
  if (parsed < -LONG_MAX) return ERR_COUNT_RANGE;
  if (argv.length > 4 || (argv.length === 4 && !isOption(argv[3] as Uint8Array, 'withscores'))) return ERR_SYNTAX;
  const withScores = argv.length === 4;
  if (withScores && (parsed < -LONG_MAX_HALF - 1n || parsed > LONG_MAX_HALF)) return ERR_OUT_OF_RANGE;
  const z = readZSet(ctx, argv[1] as Uint8Array);
  if (z === null) return WRONGTYPE;
  if (z === undefined || parsed === 0n) return EMPTY_ARRAY;
  if (parsed < -REPEATS_MAX) return ERR_OUT_OF_RANGE;
  const ranks = randomRanks(ctx, z, parsed);
  const members: string[] = [];
  const scores: number[] = [];
  for (const rank of ranks) {
    const [m, s] = z.at(rank);
    members.push(m);
    scores.push(s);
  }
  return membersReply(members, withScores ? scores : undefined);
}

/** Ranks ZRANDMEMBER returns: with repeats for a negative count, else distinct (all of them, top down, when count ≥ size). */
function randomRanks(ctx: ExecContext, z: ZSet, count: bigint): number[] {
  const size = z.size;
  if (count < 0n || count === 1n) {
    const n = Number(count < 0n ? -count : count);
    return Array.from({ length: n }, () => ctx.prng.int(0, size - 1));
  }
  if (count >= BigInt(size)) return Array.from({ length: size }, (_, i) => size - 1 - i);
  const n = Number(count);
  const ranks = Array.from({ length: size }, (_, i) => i);
  for (let i = 0; i < n; i++) {
    const j = ctx.prng.int(i, size - 1);
    [ranks[i], ranks[j]] = [ranks[j] as number, ranks[i] as number];
  }
  return ranks.slice(0, n);
}

/** A score as the listpack or the skiplist gives it to ZSCAN (an integral listpack score is an integer). */
function scanScore(z: ZSet, score: number): Uint8Array {
  const integral = z.isListpack && Number.isInteger(score) && Math.abs(score) <= 2 ** 62;
  return asciiBytes(integral ? BigInt(score).toString() : formatDouble(score));
}

/** parseScanCursorOrReply: strtoul (so "-1" and "+5" are cursors, and "" is 0), no leading space, no trailing bytes. */
function parseScanCursor(bytes: Uint8Array): number | undefined {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  const match = /^[ \t\n\v\f\r]*([+-]?)(\d*)$/.exec(text);
  if (match === null || /^[ \t\n\v\f\r]/.test(text)) return undefined;
  const digits = match[2] as string;
  if (digits === '') return match[1] === '' ? 0 : undefined;
  const value = BigInt(digits);
  if (value > 18446744073709551615n) return undefined;
  const wrapped = match[1] === '-' && value !== 0n ? 18446744073709551616n - value : value;
  return wrapped > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(wrapped);
}

/** ZSCAN: a listpack in one reply; a skiplist by rank from the cursor (duplicates or misses if it changes meanwhile). */
function zscan(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const cursor = parseScanCursor(argv[2] as Uint8Array);
  if (cursor === undefined) return ERR_INVALID_CURSOR;
  const z = readZSet(ctx, argv[1] as Uint8Array);
  if (z === null) return WRONGTYPE;
  const options = z === undefined ? undefined : parseScanOptions(argv, 3, false);
  if (z === undefined) return { type: 'array', items: [{ type: 'bulk', value: asciiBytes('0') }, EMPTY_ARRAY] };
  if (options === undefined || !('count' in options)) return options ?? ERR_SYNTAX;
  const start = z.isListpack ? 0 : Math.min(cursor, z.size);
  const end = z.isListpack ? z.size : Math.min(z.size, start + options.count);
  const items: Reply[] = [];
  const pattern = options.pattern;
  const matchAll = pattern === undefined || (pattern.length === 1 && pattern[0] === 0x2a);
  if (end > start) {
    z.each(start, end - 1, false, (m, s) => {
      const bytes = keyBytes(m);
      if (matchAll === false && !globMatch(options.pattern as Uint8Array, bytes)) return;
      items.push({ type: 'bulk', value: bytes }, { type: 'bulk', value: scanScore(z, s) });
    });
  }
  const next = end >= z.size ? 0 : end;
  return { type: 'array', items: [{ type: 'bulk', value: asciiBytes(String(next)) }, { type: 'array', items }] };
}

export function ZSET_POP_SPECS(spec: SpecMaker) {
  const log = 'O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.';
  const mpop = 'O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.';
  return [
    spec('zpopmin', -2, ['write', 'fast'], '5.0.0', 'Returns the lowest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.', log, zpopWith(false)),
    spec('zpopmax', -2, ['write', 'fast'], '5.0.0', 'Returns the highest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.', log, zpopWith(true)),
    spec('zmpop', -4, ['write'], '7.0.0', 'Returns the highest- or lowest-scoring members from one or more sorted sets after removing them. Deletes the sorted set if the last member was popped.', mpop, zmpopWith(1), [0, 0, 0]),
    spec('bzpopmin', -3, ['write', 'blocking', 'fast'], '5.0.0', 'Removes and returns the member with the lowest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.',
      'O(log(N)) with N being the number of elements in the sorted set.', bzpopWith(false), [1, -2, 1]),
    spec('bzpopmax', -3, ['write', 'blocking', 'fast'], '5.0.0', 'Removes and returns the member with the highest score from one or more sorted sets. Blocks until a member available otherwise.  Deletes the sorted set if the last element was popped.',
      'O(log(N)) with N being the number of elements in the sorted set.', bzpopWith(true), [1, -2, 1]),
    spec('bzmpop', -5, ['write', 'blocking'], '7.0.0', 'Removes and returns a member by score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.', mpop, zmpopWith(2), [0, 0, 0]),
    spec('zrandmember', -2, ['readonly', 'random'], '6.2.0', 'Returns one or more random members from a sorted set.', 'O(N) where N is the number of members returned', zrandmember),
    spec('zscan', -3, ['readonly'], '2.8.0', 'Iterates over members and scores of a sorted set.',
      'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.', zscan),
  ];
}
