// Sorted-set commands that add, remove and look up single members: ZADD (NX XX GT LT CH INCR),
// ZINCRBY, ZREM, ZCARD, ZSCORE, ZMSCORE, ZRANK, ZREVRANK, as Redis 7.0's t_zset.c runs them, and
// ZSET_COMMANDS, the whole sorted-set table (ranges, set operations and pops live beside this file).

import { errorReply, integerReply, NULL, type Reply } from '../lib/reply.js';
import { ERR_SYNTAX } from './args.js';
import { isOption, keyOf } from './bytes.js';
import type { CommandSpec, ExecContext } from './command-types.js';
import { NO_EXPIRY } from './db.js';
import { WRONGTYPE } from './collection.js';
import { changedZSet, memberOf, readZSet, scoreReply, writeZSet } from './zset/access.js';
import { parseScore } from './zset/float.js';
import { LISTPACK_VALUE_BYTES_MAX, ZSet } from './zset/zset.js';
import { ZSET_RANGE_SPECS } from './zsets-range.js';
import { ZSET_SETOP_SPECS } from './zsets-setops.js';
import { ZSET_POP_SPECS } from './zsets-pop.js';

export { zsetBlockingKeys } from './zsets-pop.js';

const ERR_NOT_FLOAT = errorReply('ERR value is not a valid float');
const ERR_NAN = errorReply('ERR resulting score is not a number (NaN)');
const ERR_XX_NX = errorReply('ERR XX and NX options at the same time are not compatible');
const ERR_GT_LT_NX = errorReply('ERR GT, LT, and/or NX options at the same time are not compatible');
const ERR_INCR_PAIRS = errorReply('ERR INCR option supports a single increment-element pair');

interface AddFlags {
  nx: boolean;
  xx: boolean;
  gt: boolean;
  lt: boolean;
  ch: boolean;
  incr: boolean;
}

type AddOutcome = 'added' | 'updated' | 'nop' | 'same' | 'nan';

/** zsetAdd's decision for one member; stores the change. `result.score` is the new score. */
function addOne(z: ZSet, member: string, given: number, f: AddFlags, result: { score: number }): AddOutcome {
  const current = z.score(member);
  if (current === undefined) {
    if (f.xx) return 'nop';
    z.set(member, given);
    result.score = given;
    return 'added';
  }
  if (f.nx) return 'nop';
  const score = f.incr ? given + current : given;
  if (Number.isNaN(score)) return 'nan';
  if ((f.lt && score >= current) || (f.gt && score <= current)) return 'nop';
  result.score = score;
  if (score === current) return 'same';
  z.set(member, score);
  return 'updated';
}

function parseAddFlags(argv: readonly Uint8Array[], incr: boolean): [AddFlags, number] {
  const f: AddFlags = { nx: false, xx: false, gt: false, lt: false, ch: false, incr };
  let at = 2;
  for (; at < argv.length; at++) {
    const opt = argv[at] as Uint8Array;
    if (isOption(opt, 'nx')) f.nx = true;
    else if (isOption(opt, 'xx')) f.xx = true;
    else if (isOption(opt, 'ch')) f.ch = true;
    else if (isOption(opt, 'incr')) f.incr = true;
    else if (isOption(opt, 'gt')) f.gt = true;
    else if (isOption(opt, 'lt')) f.lt = true;
    else break;
  }
  return [f, at];
}

function zaddWith(incrCommand: boolean) {
  return (ctx: ExecContext, argv: readonly Uint8Array[]): Reply => {
    const [f, scoreAt] = parseAddFlags(argv, incrCommand);
    const pairsArgs = argv.length - scoreAt;
    if (pairsArgs === 0 || pairsArgs % 2 !== 0) return ERR_SYNTAX;
    if (f.nx && f.xx) return ERR_XX_NX;
    if ((f.gt && f.nx) || (f.lt && f.nx) || (f.gt && f.lt)) return ERR_GT_LT_NX;
    if (f.incr && pairsArgs > 2) return ERR_INCR_PAIRS;
    const scores: number[] = [];
    for (let i = scoreAt; i < argv.length; i += 2) {
      const score = parseScore(argv[i] as Uint8Array);
      if (score === undefined) return ERR_NOT_FLOAT;
      scores.push(score);
    }
    const key = keyOf(argv[1] as Uint8Array);
    let z = writeZSet(ctx, key);
    if (z === null) return WRONGTYPE;
    if (z === undefined) {
      if (f.xx) return f.incr ? NULL : integerReply(0);
      z = new ZSet((argv[scoreAt + 1] as Uint8Array).length > LISTPACK_VALUE_BYTES_MAX);
      ctx.db.setCollection(key, z, NO_EXPIRY);
    }
    let added = 0;
    let updated = 0;
    let processed = 0;
    const result = { score: 0 };
    for (let j = 0; j < scores.length; j++) {
      const outcome = addOne(z, memberOf(argv[scoreAt + 1 + 2 * j] as Uint8Array), scores[j] as number, f, result);
      if (outcome === 'nan') {
        if (added + updated > 0) changedZSet(ctx, key, f.incr ? 'zincr' : 'zadd');
        return ERR_NAN;
      }
      if (outcome === 'added') added++;
      if (outcome === 'updated') updated++;
      if (outcome !== 'nop') processed++;
    }
    if (added + updated > 0) changedZSet(ctx, key, f.incr ? 'zincr' : 'zadd');
    if (f.incr) return processed > 0 ? scoreReply(result.score) : NULL;
    return integerReply(f.ch ? added + updated : added);
  };
}

function zrem(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const key = keyOf(argv[1] as Uint8Array);
  const z = writeZSet(ctx, key);
  if (z === null) return WRONGTYPE;
  if (z === undefined) return integerReply(0);
  let deleted = 0;
  for (let i = 2; i < argv.length && z.size > 0; i++) if (z.remove(memberOf(argv[i] as Uint8Array))) deleted++;
  if (deleted > 0) changedZSet(ctx, key, 'zrem');
  return integerReply(deleted);
}

function zcard(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const z = readZSet(ctx, argv[1] as Uint8Array);
  if (z === null) return WRONGTYPE;
  return integerReply(z === undefined ? 0 : z.size);
}

function zscore(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const z = readZSet(ctx, argv[1] as Uint8Array);
  if (z === null) return WRONGTYPE;
  const score = z?.score(memberOf(argv[2] as Uint8Array));
  return score === undefined ? NULL : scoreReply(score);
}

function zmscore(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const z = readZSet(ctx, argv[1] as Uint8Array);
  if (z === null) return WRONGTYPE;
  const items: Reply[] = [];
  for (let i = 2; i < argv.length; i++) {
    const score = z?.score(memberOf(argv[i] as Uint8Array));
    items.push(score === undefined ? NULL : scoreReply(score));
  }
  return { type: 'array', items };
}

function zrankWith(reverse: boolean) {
  return (ctx: ExecContext, argv: readonly Uint8Array[]): Reply => {
    const z = readZSet(ctx, argv[1] as Uint8Array);
    if (z === null) return WRONGTYPE;
    if (z === undefined) return NULL;
    const rank = z.rank(memberOf(argv[2] as Uint8Array));
    if (rank === undefined) return NULL;
    return integerReply(reverse ? z.size - 1 - rank : rank);
  };
}

function spec(name: string, arity: number, flags: CommandSpec['flags'], since: string, summary: string, complexity: string,
  handler: CommandSpec['handler'], keys: [number, number, number] = [1, 1, 1]): CommandSpec {
  return { name, arity, flags, firstKey: keys[0], lastKey: keys[1], keyStep: keys[2], group: 'sorted-set', since, summary, complexity, handler };
}

const LOG_N = 'O(log(N)) where N is the number of elements in the sorted set.';

export const ZSET_COMMANDS: readonly CommandSpec[] = [
  spec('zadd', -4, ['write', 'denyoom', 'fast'], '1.2.0', 'Adds one or more members to a sorted set, or updates their scores. Creates the key if it doesn\'t exist.',
    'O(log(N)) for each item added, where N is the number of elements in the sorted set.', zaddWith(false)),
  spec('zincrby', 4, ['write', 'denyoom', 'fast'], '1.2.0', 'Increments the score of a member in a sorted set.', LOG_N, zaddWith(true)),
  spec('zrem', -3, ['write', 'fast'], '1.2.0', 'Removes one or more members from a sorted set. Deletes the sorted set if all members were removed.',
    'O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.', zrem),
  spec('zcard', 2, ['readonly', 'fast'], '1.2.0', 'Returns the number of members in a sorted set.', 'O(1)', zcard),
  spec('zscore', 3, ['readonly', 'fast'], '1.2.0', 'Returns the score of a member in a sorted set.', 'O(1)', zscore),
  spec('zmscore', -3, ['readonly', 'fast'], '6.2.0', 'Returns the score of one or more members in a sorted set.',
    'O(N) where N is the number of members being requested.', zmscore),
  spec('zrank', 3, ['readonly', 'fast'], '2.0.0', 'Returns the index of a member in a sorted set ordered by ascending scores.', 'O(log(N))', zrankWith(false)),
  spec('zrevrank', 3, ['readonly', 'fast'], '2.0.0', 'Returns the index of a member in a sorted set ordered by descending scores.', 'O(log(N))', zrankWith(true)),
  ...ZSET_RANGE_SPECS(spec),
  ...ZSET_SETOP_SPECS(spec),
  ...ZSET_POP_SPECS(spec),
];

export type SpecMaker = typeof spec;
