// Set algebra (t_set.c sinterGenericCommand, sunionDiffGenericCommand): SINTER, SINTERCARD,
// SINTERSTORE, SUNION, SUNIONSTORE, SDIFF, SDIFFSTORE. Results are built the way Redis builds them
// (into a set that starts as an intset, SDIFF by whichever of Redis's two algorithms it would pick),
// so a stored result has Redis's encoding and a reply has its order wherever Redis's order is defined.

import { errorReply, integerReply, type Reply } from '../../lib/reply.js';
import { ERR_SYNTAX, parseInt64 } from '../args.js';
import { isOption, keyOf } from '../bytes.js';
import type { ExecContext } from '../command-types.js';
import { WRONGTYPE } from '../collection.js';
import { storeResult } from '../typed.js';
import { memberReply, readSet, wholeSetReply } from './access.js';
import { SetValue } from './set-value.js';

const ZERO = integerReply(0);
const ERR_NUMKEYS = errorReply('ERR numkeys should be greater than 0');
const ERR_NUMKEYS_ARGS = errorReply("ERR Number of keys can't be greater than number of args");
const ERR_LIMIT = errorReply("ERR LIMIT can't be negative");
const LONG_MAX = 9223372036854775807n;

type Sets = (SetValue | undefined)[];

/**
 * The sets at argv[from..to), in order (undefined for a missing key); null at the first key of
 * another type. A store command (`write`) reclaims an expired key as it goes, as Redis's lookup does.
 */
function loadSets(ctx: ExecContext, argv: readonly Uint8Array[], from: number, to: number, write = false): Sets | null {
  const sets: Sets = [];
  for (let i = from; i < to; i++) {
    const key = keyOf(argv[i] as Uint8Array);
    if (write) ctx.db.lookupForWrite(key, ctx.nowMs);
    const set = readSet(ctx, key);
    if (set === null) return null;
    sets.push(set);
  }
  return sets;
}

/**
 * Visits the members of the intersection in the order of the smallest set (ties: the first given),
 * until `visit` returns false. A missing key makes it empty.
 */
function intersect(sets: Sets, visit: (member: string) => boolean): void {
  if (sets.some((set) => set === undefined)) return;
  const bySize = (sets as SetValue[]).slice().sort((a, b) => a.size - b.size);
  const first = bySize[0] as SetValue;
  for (const member of first.members()) {
    if (bySize.every((set) => set === first || set.has(member)) && !visit(member)) return;
  }
}

/** Stores a result at `key` (raising `event`), or deletes the key when it is empty; replies with its size. */
function store(ctx: ExecContext, key: string, result: SetValue, event: string): Reply {
  storeResult(ctx.db, ctx.nowMs, key, result, 's', event);
  return result.size === 0 ? ZERO : integerReply(result.size);
}

export function sinter(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const sets = loadSets(ctx, argv, 1, argv.length);
  if (sets === null) return WRONGTYPE;
  const items: Reply[] = [];
  intersect(sets, (member) => items.push(memberReply(member)) > 0);
  return { type: 'set', items };
}

export function sinterstore(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const sets = loadSets(ctx, argv, 2, argv.length, true);
  if (sets === null) return WRONGTYPE;
  const result = SetValue.emptyIntset();
  intersect(sets, (member) => result.add(member) || true);
  return store(ctx, keyOf(argv[1] as Uint8Array), result, 'sinterstore');
}

export function sintercard(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const numkeys = parseInt64(argv[1] as Uint8Array);
  if (numkeys === undefined || numkeys < 1n || numkeys > LONG_MAX) return ERR_NUMKEYS;
  if (numkeys > BigInt(argv.length - 2)) return ERR_NUMKEYS_ARGS;
  const keysEnd = 2 + Number(numkeys);
  let limit = 0n;
  for (let i = keysEnd; i < argv.length; i++) {
    if (!isOption(argv[i] as Uint8Array, 'limit') || i + 1 >= argv.length) return ERR_SYNTAX;
    const parsed = parseInt64(argv[++i] as Uint8Array);
    if (parsed === undefined || parsed < 0n) return ERR_LIMIT;
    limit = parsed;
  }
  const sets = loadSets(ctx, argv, 2, keysEnd);
  if (sets === null) return WRONGTYPE;
  let cardinality = 0n;
  intersect(sets, () => ++cardinality !== limit);
  return integerReply(Number(cardinality));
}

/** SUNION's and SDIFF's result, built as sunionDiffGenericCommand builds it. */
function unionOrDiff(sets: Sets, op: 'union' | 'diff'): SetValue {
  const result = SetValue.emptyIntset();
  if (op === 'union') {
    for (const set of sets) set?.forEach((member) => result.add(member));
    return result;
  }
  const first = sets[0];
  if (first === undefined) return result;
  const others = sets.slice(1).filter((set): set is SetValue => set !== undefined);
  // Redis's choice: per-member lookups in the other sets (1), or add all then remove (2).
  const algorithmOneWork = Math.floor((first.size * (others.length + 1)) / 2);
  const algorithmTwoWork = others.reduce((sum, set) => sum + set.size, first.size);
  if (algorithmOneWork <= algorithmTwoWork) {
    first.forEach((member) => {
      if (!others.some((set) => set === first || set.has(member))) result.add(member);
    });
    return result;
  }
  first.forEach((member) => result.add(member));
  for (const set of others) {
    if (result.size === 0) break;
    set.forEach((member) => result.remove(member));
  }
  return result;
}

function unionOrDiffReply(op: 'union' | 'diff') {
  return (ctx: ExecContext, argv: readonly Uint8Array[]): Reply => {
    const sets = loadSets(ctx, argv, 1, argv.length);
    if (sets === null) return WRONGTYPE;
    return wholeSetReply(unionOrDiff(sets, op));
  };
}

function unionOrDiffStore(op: 'union' | 'diff') {
  return (ctx: ExecContext, argv: readonly Uint8Array[]): Reply => {
    const sets = loadSets(ctx, argv, 2, argv.length, true);
    if (sets === null) return WRONGTYPE;
    return store(ctx, keyOf(argv[1] as Uint8Array), unionOrDiff(sets, op), op === 'union' ? 'sunionstore' : 'sdiffstore');
  };
}

export const sunion = unionOrDiffReply('union');
export const sdiff = unionOrDiffReply('diff');
export const sunionstore = unionOrDiffStore('union');
export const sdiffstore = unionOrDiffStore('diff');

/** SPOP's answer when the count covers the whole set: the set as SUNION of its one key returns it. */
export function unionOfOne(set: SetValue): SetValue {
  return unionOrDiff([set], 'union');
}
