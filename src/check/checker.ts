// checkHistory: splits a history by key (a register per key is linearizable exactly when each key
// is, Herlihy & Wing's locality), searches each key within the bounds, and on failure cuts out the
// smallest window of operations that cannot be ordered.

import { CairnError } from '../lib/errors.js';
import { compileKey, type Role } from './compile.js';
import type { CheckFailure, CheckOptions, CheckResult, KeyResult, Operation, Verdict } from './history.js';
import { ABSENT, ValueTable } from './model.js';
import { search, type SearchLimits } from './search.js';
import { validateHistory } from './validate.js';
import { findFailureWindow, testWindow } from './window.js';

export const STATES_MAX_DEFAULT = 5_000_000;
export const MEMORY_BYTES_MAX_DEFAULT = 256 * 1024 * 1024;

/** Share of timeLimitMs the full searches may use; the rest is kept for finding a window. */
const SEARCH_SHARE_OF_TIME = 0.8;

export function checkHistory(history: readonly Operation[], options: CheckOptions = {}): CheckResult {
  validateHistory(history);
  const limits = resolveLimits(options);
  const startMs = options.now?.();
  const searchLimits = startMs === undefined || limits.deadlineMs === Number.POSITIVE_INFINITY
    ? limits
    : { ...limits, deadlineMs: startMs + (limits.deadlineMs - startMs) * SEARCH_SHARE_OF_TIME };
  const byKey = splitByKey(history);
  const checked = [...byKey].map(([key, ops]) => ({ ops, ...checkKey(key, ops, searchLimits) }));
  const failure = findFailure(checked, limits);
  const perKey = checked.map((k) => (failure !== undefined && k.result.key === failure.key ? provenIllegal(k.result) : k.result));
  const verdict: Verdict = perKey.some((k) => k.verdict === 'illegal')
    ? 'illegal'
    : perKey.some((k) => k.verdict === 'unknown')
      ? 'unknown'
      : 'ok';
  const stats = {
    operations: history.length,
    keys: byKey.size,
    statesExplored: perKey.reduce((sum, k) => sum + k.statesExplored, 0),
    ...(startMs !== undefined && options.now !== undefined ? { elapsedMs: options.now() - startMs } : {}),
  };
  return { verdict, perKey, ...(failure !== undefined ? { failure } : {}), stats };
}

interface CheckedKey {
  readonly ops: readonly Operation[];
  readonly result: KeyResult;
  readonly stuckIndex?: number;
}

/**
 * The first illegal key's window. Failing that, a key whose search hit a bound may still hold
 * a window that fails on its own, near where its search got stuck: that proves it illegal.
 */
function findFailure(checked: readonly CheckedKey[], limits: SearchLimits): CheckFailure | undefined {
  const illegal = checked.find((k) => k.result.verdict === 'illegal');
  if (illegal !== undefined) return findFailureWindow(illegal.result.key, illegal.ops, limits, illegal.stuckIndex, true) ?? undefined;
  for (const k of checked) {
    if (k.result.verdict !== 'unknown' || k.stuckIndex === undefined) continue;
    const failure = findFailureWindow(k.result.key, k.ops, limits, k.stuckIndex, false);
    if (failure !== null) return failure;
  }
  return undefined;
}

/** A key whose full search hit a bound, proven illegal by a window that fails on its own. */
function provenIllegal(result: KeyResult): KeyResult {
  if (result.verdict === 'illegal') return result;
  const { reason, ...rest } = result;
  return { ...rest, verdict: 'illegal', reason: `${reason ?? 'bound hit'}; a window that fails on its own proves it illegal` };
}

/**
 * Whether `window` (operations of one key, taken from `history`) can be ordered on its own,
 * letting every other operation of the key that overlaps it take effect or not within its
 * interval; from the initial state (absent) or from any value. This is the test that defines a
 * failing window: 'illegal' here proves the whole history illegal.
 */
export function checkWindow(
  history: readonly Operation[],
  window: readonly Operation[],
  fromInitialState: boolean,
  options: CheckOptions = {},
): Verdict {
  validateHistory(history);
  const [first] = window;
  if (first === undefined) return 'ok';
  const key = first.key;
  const ops = splitByKey(history).get(key) ?? [];
  const members = window.map((op) => {
    const index = ops.indexOf(op);
    if (index < 0) invalid(`window operation #${op.id} is not an operation of key ${JSON.stringify(key)} in the history`);
    return index;
  });
  return testWindow(ops, members, fromInitialState, resolveLimits(options)).outcome.verdict;
}

/** One key's verdict, and the index (into ops) of the operation where an illegal search got stuck. */
function checkKey(key: string, ops: readonly Operation[], limits: SearchLimits): { result: KeyResult; stuckIndex?: number } {
  if (limits.now !== undefined && limits.now() >= limits.deadlineMs) {
    const reason = 'time limit reached before this key was checked';
    return { result: { key, verdict: 'unknown', operations: ops.length, statesExplored: 0, reason } };
  }
  const roles: Role[] = ops.map(() => 'mandatory');
  const { problem, sources } = compileKey(ops, roles, new ValueTable(), ABSENT);
  const outcome = search(problem, limits);
  const result: KeyResult = {
    key,
    verdict: outcome.verdict,
    operations: problem.ops.length,
    statesExplored: outcome.statesExplored,
    ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}),
  };
  return outcome.stuckOp === undefined ? { result } : { result, stuckIndex: sources[outcome.stuckOp] };
}

function resolveLimits(options: CheckOptions): SearchLimits {
  const maxStates = options.maxStates ?? STATES_MAX_DEFAULT;
  const maxMemoryBytes = options.maxMemoryBytes ?? MEMORY_BYTES_MAX_DEFAULT;
  if (!Number.isSafeInteger(maxStates) || maxStates <= 0) invalid(`maxStates must be a positive integer, got ${maxStates}`);
  if (!Number.isSafeInteger(maxMemoryBytes) || maxMemoryBytes <= 0) invalid(`maxMemoryBytes must be a positive integer, got ${maxMemoryBytes}`);
  if (options.timeLimitMs === undefined) return { maxStates, maxMemoryBytes, deadlineMs: Number.POSITIVE_INFINITY, ...nowOf(options) };
  if (options.now === undefined) invalid('timeLimitMs needs a clock: pass options.now (monotonic milliseconds)');
  if (!(options.timeLimitMs > 0)) invalid(`timeLimitMs must be positive, got ${options.timeLimitMs}`);
  return { maxStates, maxMemoryBytes, now: options.now, deadlineMs: options.now() + options.timeLimitMs };
}

function nowOf(options: CheckOptions): { now?: () => number } {
  return options.now !== undefined ? { now: options.now } : {};
}

/** Operations per key, each list sorted by invocation (ties by id), keys in order of first appearance. */
function splitByKey(history: readonly Operation[]): Map<string, Operation[]> {
  const byKey = new Map<string, Operation[]>();
  for (const op of history) {
    const list = byKey.get(op.key);
    if (list === undefined) byKey.set(op.key, [op]);
    else list.push(op);
  }
  for (const list of byKey.values()) list.sort((a, b) => a.invokeTime - b.invokeTime || a.id - b.id);
  return byKey;
}

function invalid(message: string): never {
  throw new CairnError('CAIRN_INVALID_ARGUMENT', `checkHistory: ${message}`);
}
