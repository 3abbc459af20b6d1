// ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD, as Redis 7.0's
// zunionInterDiffGenericCommand runs them: numkeys checked, every key looked up (WRONGTYPE) before
// the options (WEIGHTS, AGGREGATE, WITHSCORES, LIMIT) are parsed, inputs taken smallest first, a
// NaN from inf × 0 or inf − inf counted as 0, and a stored result back to listpack when it is small.

import { errorReply, integerReply, type Reply } from '../lib/reply.js';
import { ERR_NOT_INTEGER, ERR_SYNTAX, parseInt64 } from './args.js';
import { isOption, keyOf } from './bytes.js';
import type { ExecContext } from './command-types.js';
import { WRONGTYPE } from './collection.js';
import { membersReply, storeZSet } from './zset/access.js';
import { parseScore } from './zset/float.js';
import { before, ScoreOrder } from './zset/order.js';
import { EMPTY_SOURCE, setSource, zsetSource, type Source } from './zset/sources.js';
import { ZSet } from './zset/zset.js';
import type { ZSet as ZSetType } from './zset/zset.js';
import type { SpecMaker } from './zsets.js';

type SetOp = 'union' | 'inter' | 'diff';
type Aggregate = 'sum' | 'min' | 'max';

const ERR_WEIGHT = errorReply('ERR weight value is not a float');
const ERR_LIMIT = errorReply('ERR LIMIT can\'t be negative');

interface SetOpOptions {
  aggregate: Aggregate;
  withScores: boolean;
  limit: number;
}

function aggregate(target: number, value: number, how: Aggregate): number {
  if (how === 'sum') {
    const sum = target + value;
    return Number.isNaN(sum) ? 0 : sum;
  }
  if (how === 'min') return value < target ? value : target;
  return value > target ? value : target;
}

const ERR_SET_INPUT = errorReply('ERR a set as input needs the set type to offer has() and members() (zset/sources.ts)');

/** Looks every input up: WRONGTYPE for anything but a zset or a set. A store command (`write`) reclaims an expired key, as Redis's lookup does. */
function lookupSources(ctx: ExecContext, keys: readonly Uint8Array[], write: boolean): Source[] | Reply {
  const sources: Source[] = [];
  for (const keyArg of keys) {
    const record = write ? ctx.db.lookupForWrite(keyOf(keyArg), ctx.nowMs) : ctx.db.lookup(keyOf(keyArg), ctx.nowMs);
    const collection = record?.collection ?? null;
    if (record === undefined) sources.push({ ...EMPTY_SOURCE });
    else if (collection?.type === 'zset') sources.push(zsetSource(collection as ZSetType));
    else if (collection?.type !== 'set') return WRONGTYPE;
    else {
      const set = setSource(collection);
      if (set === undefined) return ERR_SET_INPUT;
      sources.push(set);
    }
  }
  return sources;
}

function parseOptions(argv: readonly Uint8Array[], from: number, sources: Source[], op: SetOp, store: boolean, card: boolean): SetOpOptions | Reply {
  const o: SetOpOptions = { aggregate: 'sum', withScores: false, limit: 0 };
  let j = from;
  while (j < argv.length) {
    const remaining = argv.length - j;
    const arg = argv[j] as Uint8Array;
    if (op !== 'diff' && !card && remaining >= sources.length + 1 && isOption(arg, 'weights')) {
      j++;
      for (const source of sources) {
        const weight = parseScore(argv[j++] as Uint8Array);
        if (weight === undefined) return ERR_WEIGHT;
        source.weight = weight;
      }
    } else if (op !== 'diff' && !card && remaining >= 2 && isOption(arg, 'aggregate')) {
      const how = argv[j + 1] as Uint8Array;
      if (isOption(how, 'sum')) o.aggregate = 'sum';
      else if (isOption(how, 'min')) o.aggregate = 'min';
      else if (isOption(how, 'max')) o.aggregate = 'max';
      else return ERR_SYNTAX;
      j += 2;
    } else if (!store && !card && isOption(arg, 'withscores')) {
      o.withScores = true;
      j++;
    } else if (card && remaining >= 2 && isOption(arg, 'limit')) {
      const limit = parseInt64(argv[j + 1] as Uint8Array);
      if (limit === undefined || limit < 0n) return ERR_LIMIT;
      o.limit = Number(limit);
      j += 2;
    } else return ERR_SYNTAX;
  }
  return o;
}

function union(sources: readonly Source[], how: Aggregate): Map<string, number> {
  const out = new Map<string, number>();
  for (const source of sources) {
    source.each((member, score) => {
      let weighted = source.weight * score;
      if (Number.isNaN(weighted)) weighted = 0;
      const existing = out.get(member);
      out.set(member, existing === undefined ? weighted : aggregate(existing, weighted, how));
    });
  }
  return out;
}

/** The intersection, or (cardOnly) just its size, stopping at `limit` when that is not 0. */
function inter(sources: readonly Source[], how: Aggregate, cardOnly: boolean, limit: number): Map<string, number> | number {
  const out = new Map<string, number>();
  let count = 0;
  const [first, ...rest] = sources as [Source, ...Source[]];
  let done = false;
  first.each((member, score) => {
    if (done) return;
    let total = first.weight * score;
    if (Number.isNaN(total)) total = 0;
    for (const other of rest) {
      const found = other.find(member);
      if (found === undefined) return;
      total = aggregate(total, found * other.weight, how);
    }
    if (!cardOnly) out.set(member, total);
    else if (++count === limit) done = true;
  });
  return cardOnly ? count : out;
}

function diff(sources: readonly Source[]): Map<string, number> {
  const [first, ...rest] = sources as [Source, ...Source[]];
  const out = new Map<string, number>();
  first.each((member, score) => {
    if (!rest.some((other) => other.find(member) !== undefined)) out.set(member, score);
  });
  return out;
}

/** The result as a zset built like Redis's dstzset: a skiplist, back to listpack if small when stored. */
function toZSet(result: Map<string, number>): ZSet {
  const pairs = [...result].sort(([m1, s1], [m2, s2]) => (before(s1, m1, s2, m2) ? -1 : 1));
  const order = ScoreOrder.fromSorted(pairs.map((p) => p[0]), pairs.map((p) => p[1]));
  return new ZSet(true, order, result);
}

/** The keyspace event each store command raises on its destination. */
const STORE_EVENTS: Readonly<Record<SetOp, string>> = { union: 'zunionstore', inter: 'zinterstore', diff: 'zdiffstore' };

function setOpCommand(op: SetOp, store: boolean, card: boolean, name: string) {
  return (ctx: ExecContext, argv: readonly Uint8Array[]): Reply => {
    const numkeysAt = store ? 2 : 1;
    const numkeys = parseInt64(argv[numkeysAt] as Uint8Array);
    if (numkeys === undefined) return ERR_NOT_INTEGER;
    if (numkeys < 1n) return errorReply(`ERR at least 1 input key is needed for '${name}' command`);
    if (numkeys > BigInt(argv.length - numkeysAt - 1)) return ERR_SYNTAX;
    const keysEnd = numkeysAt + 1 + Number(numkeys);
    const sources = lookupSources(ctx, argv.slice(numkeysAt + 1, keysEnd), store);
    if (!Array.isArray(sources)) return sources;
    const o = parseOptions(argv, keysEnd, sources, op, store, card);
    if ('type' in o) return o;
    if (op !== 'diff') sources.sort((a, b) => a.size - b.size); // stable, as glibc's qsort (a merge sort) is here
    if (op === 'inter' && (sources[0] as Source).size === 0) return card ? integerReply(0) : finish(ctx, argv, op, store, new Map(), o.withScores);
    if (card) return integerReply(inter(sources, o.aggregate, true, o.limit) as number);
    const result = op === 'union' ? union(sources, o.aggregate) : op === 'inter' ? inter(sources, o.aggregate, false, 0) as Map<string, number> : diff(sources);
    return finish(ctx, argv, op, store, result, o.withScores);
  };
}

function finish(ctx: ExecContext, argv: readonly Uint8Array[], op: SetOp, store: boolean, result: Map<string, number>, withScores: boolean): Reply {
  const z = toZSet(result);
  if (store) {
    z.shrinkIfSmall();
    storeZSet(ctx, keyOf(argv[1] as Uint8Array), z, STORE_EVENTS[op]);
    return integerReply(z.size);
  }
  const members: string[] = [];
  const scores: number[] = [];
  if (z.size > 0) z.each(0, z.size - 1, false, (m, s) => { members.push(m); scores.push(s); });
  return membersReply(members, withScores ? scores : undefined);
}

const UNION_COMPLEXITY = 'O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.';
const INTER_COMPLEXITY = 'O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.';
const DIFF_COMPLEXITY = 'O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.';

export function ZSET_SETOP_SPECS(spec: SpecMaker) {
  const none: [number, number, number] = [0, 0, 0];
  const dst: [number, number, number] = [1, 1, 1];
  return [
    spec('zunion', -3, ['readonly'], '6.2.0', 'Returns the union of multiple sorted sets.', UNION_COMPLEXITY, setOpCommand('union', false, false, 'zunion'), none),
    spec('zinter', -3, ['readonly'], '6.2.0', 'Returns the intersect of multiple sorted sets.', INTER_COMPLEXITY, setOpCommand('inter', false, false, 'zinter'), none),
    spec('zdiff', -3, ['readonly'], '6.2.0', 'Returns the difference between multiple sorted sets.', DIFF_COMPLEXITY, setOpCommand('diff', false, false, 'zdiff'), none),
    spec('zunionstore', -4, ['write', 'denyoom'], '2.0.0', 'Stores the union of multiple sorted sets in a key.', UNION_COMPLEXITY, setOpCommand('union', true, false, 'zunionstore'), dst),
    spec('zinterstore', -4, ['write', 'denyoom'], '2.0.0', 'Stores the intersect of multiple sorted sets in a key.', INTER_COMPLEXITY, setOpCommand('inter', true, false, 'zinterstore'), dst),
    spec('zdiffstore', -4, ['write', 'denyoom'], '6.2.0', 'Stores the difference of multiple sorted sets in a key.', DIFF_COMPLEXITY, setOpCommand('diff', true, false, 'zdiffstore'), dst),
    spec('zintercard', -3, ['readonly'], '7.0.0', 'Returns the number of members of the intersect of multiple sorted sets.',
      'O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.', setOpCommand('inter', false, true, 'zintercard'), none),
  ];
}
