// SORT and SORT_RO (Redis 7.0 sort.c sortCommandGeneric): a list, set or sorted set's elements
// sorted numerically or with ALPHA, by themselves or BY a pattern (a string key, or a hash field with
// `->`), in a LIMIT window, answered as themselves or through GET patterns, or STOREd as a list.
// The collection is read through its optional members(); STORE builds the list with RPUSH through
// the dispatcher it is given, so SORT needs nothing of the list type's own module (and refuses to
// STORE, changing nothing, while no RPUSH is registered).

import { assert } from '../lib/assert.js';
import { errorReply, integerReply, NULL, type Reply } from '../lib/reply.js';
import { ERR_NOT_INTEGER, ERR_SYNTAX, parseInt64 } from './args.js';
import { isOption, keyBytes, keyOf } from './bytes.js';
import type { CommandSpec, ExecContext, Handler } from './command-types.js';
import { WRONGTYPE } from './collection.js';
import { compareBinary, compareCollated, hasWildcard, lookupByPattern, sortScore } from './sort-values.js';

const ERR_NOT_DOUBLE = errorReply('ERR One or more scores can\'t be converted into double');
const ERR_NO_LISTS = errorReply('ERR SORT STORE needs the list type, which this build lacks');

/** How SORT reaches the command table without importing it: run a command, and ask whether one exists. */
export interface Dispatcher {
  readonly run: Handler;
  has(name: string): boolean;
}

interface SortOptions {
  desc: boolean;
  alpha: boolean;
  limitStart: number;
  limitCount: number;
  by: string | undefined;
  /** BY a pattern without '*': keep the collection's own order. */
  dontSort: boolean;
  store: string | undefined;
  gets: string[];
  /** SORT (not SORT_RO): applied on every node, so its lookups reclaim expired keys as Redis's do. */
  write: boolean;
}

/** The options after the key, in Redis's order of checks; a Reply when one is wrong. */
function parseOptions(argv: readonly Uint8Array[], readonly: boolean): SortOptions | Reply {
  const o: SortOptions = { desc: false, alpha: false, limitStart: 0, limitCount: -1, by: undefined, dontSort: false, store: undefined, gets: [], write: !readonly };
  for (let j = 2; j < argv.length; j++) {
    const option = argv[j] as Uint8Array;
    const left = argv.length - j - 1;
    if (isOption(option, 'asc')) o.desc = false;
    else if (isOption(option, 'desc')) o.desc = true;
    else if (isOption(option, 'alpha')) o.alpha = true;
    else if (isOption(option, 'limit') && left >= 2) {
      const start = parseInt64(argv[j + 1] as Uint8Array);
      const count = parseInt64(argv[j + 2] as Uint8Array);
      if (start === undefined || count === undefined) return ERR_NOT_INTEGER;
      o.limitStart = clamp(start);
      o.limitCount = clamp(count);
      j += 2;
    } else if (!readonly && isOption(option, 'store') && left >= 1) o.store = keyOf(argv[++j] as Uint8Array);
    else if (isOption(option, 'by') && left >= 1) {
      o.by = keyOf(argv[++j] as Uint8Array);
      o.dontSort = !hasWildcard(o.by);
    } else if (isOption(option, 'get') && left >= 1) o.gets.push(keyOf(argv[++j] as Uint8Array));
    else return ERR_SYNTAX;
  }
  return o;
}

/** LIMIT's numbers only ever meet an element count: clamping keeps them exact where it matters. */
function clamp(value: bigint): number {
  const bound = BigInt(Number.MAX_SAFE_INTEGER);
  return Number(value > bound ? bound : value < -bound ? -bound : value);
}

/** The [start, end] window LIMIT leaves of `length` elements (Redis's sanity checks). */
function window(o: SortOptions, length: number): [number, number] {
  let start = o.limitStart < 0 ? 0 : o.limitStart;
  let end = o.limitCount < 0 ? length - 1 : start + o.limitCount - 1;
  if (start >= length) {
    start = length - 1;
    end = length - 2;
  }
  if (end >= length) end = length - 1;
  return [start, end];
}

interface Sortable {
  readonly element: string;
  score: number;
  /** ALPHA BY's value; null where the BY key is missing (those sort first). */
  compared: string | null;
}

/** The elements in output order: sorted as asked, or in the collection's order when not sorting. */
function ordered(ctx: ExecContext, o: SortOptions, elements: string[], keepsOrder: boolean): Sortable[] | Reply {
  if (o.dontSort) {
    if (keepsOrder && o.desc) elements.reverse();
    return elements.map((element) => ({ element, score: 0, compared: null }));
  }
  const vector: Sortable[] = elements.map((element) => ({ element, score: 0, compared: null }));
  let convertible = true;
  for (const item of vector) {
    const by = o.by === undefined ? item.element : lookupByPattern(ctx.db, ctx.nowMs, o.by, item.element, o.write);
    if (by === undefined) continue;
    if (o.alpha) {
      if (o.by !== undefined) item.compared = by;
      continue;
    }
    const score = sortScore(by);
    if (score === undefined) convertible = false;
    else item.score = score;
  }
  if (!convertible) return ERR_NOT_DOUBLE;
  const compare = comparator(o);
  return vector.sort((a, b) => (o.desc ? -compare(a, b) : compare(a, b)));
}

/** sortCompare: numbers with ties broken by the bytes, or ALPHA by value or by the BY values. */
function comparator(o: SortOptions): (a: Sortable, b: Sortable) => number {
  const text = o.store === undefined ? compareCollated : compareBinary;
  if (!o.alpha) return (a, b) => (a.score > b.score ? 1 : a.score < b.score ? -1 : compareBinary(a.element, b.element));
  if (o.by === undefined) return (a, b) => text(a.element, b.element);
  return (a, b) => {
    if (a.compared === null || b.compared === null) return a.compared === b.compared ? 0 : a.compared === null ? -1 : 1;
    return text(a.compared, b.compared);
  };
}

/** What one element contributes to the output: itself, or one value per GET pattern. */
function outputsOf(ctx: ExecContext, o: SortOptions, element: string): (string | undefined)[] {
  if (o.gets.length === 0) return [element];
  return o.gets.map((pattern) => lookupByPattern(ctx.db, ctx.nowMs, pattern, element, o.write));
}

function sortWith(readonly: boolean, dispatch: Dispatcher): Handler {
  return (ctx: ExecContext, argv: readonly Uint8Array[]): Reply => {
    const o = parseOptions(argv, readonly);
    if ('type' in o) return o;
    // SORT is a write (applied on every node), and reclaims an expired key as Redis's lookup does; SORT_RO only reads.
    const key = keyOf(argv[1] as Uint8Array);
    const record = readonly ? ctx.db.lookup(key, ctx.nowMs) : ctx.db.lookupForWrite(key, ctx.nowMs);
    const collection = record?.collection;
    if (record !== undefined && (collection === null || collection?.members === undefined)) return WRONGTYPE;
    const elements = collection?.members === undefined ? [] : [...collection.members()];
    const isSet = collection?.type === 'set';
    if (o.dontSort && isSet && o.store !== undefined) {
      // A set's own order is not the same on every node, so a stored result is sorted ALPHA.
      o.dontSort = false;
      o.alpha = true;
      o.by = undefined;
    }
    const sorted = ordered(ctx, o, elements, !isSet);
    if ('type' in sorted) return sorted;
    const [start, end] = window(o, sorted.length);
    const outputs: (string | undefined)[] = [];
    for (let j = start; j <= end; j++) outputs.push(...outputsOf(ctx, o, (sorted[j] as Sortable).element));
    if (o.store === undefined) return { type: 'array', items: outputs.map((v) => (v === undefined ? NULL : { type: 'bulk', value: keyBytes(v) })) };
    return store(ctx, dispatch, o.store, outputs);
  };
}

/** STORE: the result replaces the key as a list (RPUSH into an emptied key); no result deletes it. */
function store(ctx: ExecContext, dispatch: Dispatcher, key: string, outputs: readonly (string | undefined)[]): Reply {
  if (outputs.length > 0 && !dispatch.has('rpush')) return ERR_NO_LISTS;
  if (outputs.length === 0) {
    // As Redis's dbDelete: no lookup first, so even an expired key goes as a `del`.
    if (ctx.db.remove(key)) ctx.db.notify('g', 'del', key);
    return integerReply(0);
  }
  const existed = ctx.db.lookupForWrite(key, ctx.nowMs) !== undefined;
  ctx.db.remove(key);
  // The RPUSH is how the list is built, not an event of its own: Redis announces the store alone
  // (and `new` only when the key was absent: an existing one is overwritten).
  const pushed = ctx.db.silently(() => dispatch.run(ctx, [keyBytes('rpush'), keyBytes(key), ...outputs.map((v) => keyBytes(v ?? ''))]));
  assert(pushed.type === 'integer' && pushed.value === outputs.length, 'RPUSH into an emptied key holds every element');
  if (!existed) ctx.db.notify('n', 'new', key);
  ctx.db.notify('l', 'sortstore', key);
  return integerReply(outputs.length);
}

const SORT_SUMMARY = 'O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).';

/** SORT and SORT_RO; `dispatch` runs the RPUSH that STORE builds its list with. */
export function sortCommands(dispatch: Dispatcher): readonly CommandSpec[] {
  return [
    { name: 'sort', arity: -2, flags: ['write', 'denyoom'], firstKey: 1, lastKey: 1, keyStep: 1, group: 'generic', since: '1.0.0',
      summary: 'Sorts the elements in a list, a set, or a sorted set, optionally storing the result.', complexity: SORT_SUMMARY,
      handler: sortWith(false, dispatch) },
    { name: 'sort_ro', arity: -2, flags: ['readonly'], firstKey: 1, lastKey: 1, keyStep: 1, group: 'generic', since: '7.0.0',
      summary: 'Returns the sorted elements of a list, a set, or a sorted set.', complexity: SORT_SUMMARY,
      handler: sortWith(true, dispatch) },
  ];
}
