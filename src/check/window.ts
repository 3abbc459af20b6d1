// Cuts the smallest window out of a key's illegal history. A window is a set of operations that
// must be ordered with what they observed, starting either from the key's initial state (absent)
// or from any value at all, while every other operation overlapping the window may take effect or
// not after its invocation. Such a set failing proves the whole history illegal. The search
// below: a contiguous window grown backwards from where the full search got stuck (or a
// shortest failing prefix), trimmed at both ends by binary search, then passes dropping single
// operations until none can go, which ends at a 1-minimal window.

import { compileKey, effectiveCompleteTime, isRelevant, type CompiledKey, type Role } from './compile.js';
import { explainWindow } from './explain.js';
import type { CheckFailure, Operation } from './history.js';
import { ABSENT, ValueTable, WILDCARD } from './model.js';
import { search, type SearchLimits, type SearchOutcome } from './search.js';

export interface WindowTest {
  readonly outcome: SearchOutcome;
  readonly compiled: CompiledKey;
}

/**
 * Tests whether the operations at `members` (indexes into `ops`, one key's operations) can be
 * ordered, letting every other relevant operation that overlaps them take effect or not.
 */
export function testWindow(
  ops: readonly Operation[],
  members: readonly number[],
  fromInitialState: boolean,
  limits: SearchLimits,
  recordLongest = false,
): WindowTest {
  const chosen = new Set(members);
  let spanStart = fromInitialState ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  let spanEnd = Number.NEGATIVE_INFINITY;
  for (const i of chosen) {
    spanStart = Math.min(spanStart, ops[i]!.invokeTime);
    spanEnd = Math.max(spanEnd, effectiveCompleteTime(ops[i]!));
  }
  const roles: Role[] = ops.map((op, i) => {
    if (chosen.has(i)) return 'mandatory';
    const overlaps = op.invokeTime <= spanEnd && effectiveCompleteTime(op) >= spanStart;
    return overlaps ? 'optional' : 'excluded';
  });
  const compiled = compileKey(ops, roles, new ValueTable(), fromInitialState ? ABSENT : WILDCARD);
  return { outcome: search(compiled.problem, limits, recordLongest), compiled };
}

/**
 * The smallest failing window of a key. `ops` sorted by invokeTime; `stuckIndex` (an index into
 * ops, from the full search) is where to look first. When the full search proved the key
 * illegal, some window always fails, so with `proven` the whole prefix is the fallback. When it
 * hit a bound instead, only windows around the stuck point are tried (a failing one proves the
 * key illegal after all), and null means none was found.
 */
export function findFailureWindow(
  key: string,
  ops: readonly Operation[],
  limits: SearchLimits,
  stuckIndex: number | undefined,
  proven: boolean,
): CheckFailure | null {
  const relevant = ops.flatMap((op, i) => (isRelevant(op) ? [i] : []));
  let exact = true;
  const fails = (members: readonly number[], fromInitialState: boolean): boolean => {
    const { outcome } = testWindow(ops, members, fromInitialState, limits);
    if (outcome.verdict === 'unknown') exact = false;
    return outcome.verdict === 'illegal';
  };
  const found = growAroundStuck(ops, relevant, stuckIndex, fails) ?? (proven ? shrinkPrefix(relevant, fails) : null);
  if (found === null) return null;
  let { members, fromInitialState } = found;
  // Drop single operations (and the initial state) while the rest still fails, until a whole
  // pass drops nothing: then removing any one of them makes the window pass. Each pass but the
  // last shrinks the window, so there are at most as many passes as members.
  for (let dropped = true; dropped; ) {
    dropped = false;
    if (fromInitialState && fails(members, false)) {
      fromInitialState = false;
      dropped = true;
    }
    for (const member of [...members]) {
      const without = members.filter((m) => m !== member);
      if (without.length > 0 && fails(without, fromInitialState)) {
        members = without;
        dropped = true;
      }
    }
  }
  const final = testWindow(ops, members, fromInitialState, limits, true);
  if (final.outcome.verdict !== 'illegal') exact = false;
  return {
    key,
    window: members.map((i) => ops[i]!),
    fromInitialState,
    minimal: exact,
    explanation: explainWindow(key, ops, members, fromInitialState, final),
  };
}

type Fails = (members: readonly number[], fromInitialState: boolean) => boolean;

interface Found {
  readonly members: readonly number[];
  readonly fromInitialState: boolean;
}

/**
 * Windows from any starting value that end where the full search got stuck, doubling backwards
 * until one fails; then trimmed at both ends. Anomalies are usually local, so this tests small
 * windows first instead of whole prefixes. Null when none fails.
 */
function growAroundStuck(ops: readonly Operation[], relevant: readonly number[], stuckIndex: number | undefined, fails: Fails): Found | null {
  const stuck = stuckIndex === undefined ? -1 : relevant.indexOf(stuckIndex);
  if (stuck < 0) return null;
  // Everything invoked before the stuck operation returned may be part of the anomaly.
  const stuckEnd = effectiveCompleteTime(ops[stuckIndex!]!);
  let last = stuck;
  while (last + 1 < relevant.length && ops[relevant[last + 1]!]!.invokeTime <= stuckEnd) last++;
  for (let size = 2; ; size *= 2) {
    const first = Math.max(0, stuck - size + 1);
    if (fails(relevant.slice(first, last + 1), false)) {
      const end = smallestTrue(first, last, (k) => fails(relevant.slice(first, k + 1), false));
      const start = largestTrue(first, end, (j) => fails(relevant.slice(j, end + 1), false));
      return { members: relevant.slice(start, end + 1), fromInitialState: false };
    }
    if (first === 0) return null;
  }
}

/** Fallback: the shortest failing prefix from the initial state, then its shortest failing tail. */
function shrinkPrefix(relevant: readonly number[], fails: Fails): Found {
  const end = smallestTrue(0, relevant.length - 1, (k) => fails(relevant.slice(0, k + 1), true));
  const fromInitialState = !fails(relevant.slice(0, end + 1), false);
  const start = largestTrue(0, end, (j) => fails(relevant.slice(j, end + 1), fromInitialState));
  return { members: relevant.slice(start, end + 1), fromInitialState };
}

/** The smallest x in [lo, hi] with predicate(x), given predicate(hi) and monotone (false…true). */
function smallestTrue(lo: number, hi: number, predicate: (x: number) => boolean): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (predicate(mid)) hi = mid;
    else lo = mid + 1;
  }
  return hi;
}

/** The largest x in [lo, hi] with predicate(x), given predicate(lo) and monotone (true…false). */
function largestTrue(lo: number, hi: number, predicate: (x: number) => boolean): number {
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (predicate(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
