// The public vocabulary of the linearizability checker: what a recorded operation is, what the
// checker is asked and what it answers. Histories come from simulated clients (src/sim/) and real
// ones (the torture test); both record through HistoryRecorder so the shapes never drift.

/** A register's value: a string, or null when the key is absent. */
export type Value = string | null;

/**
 * How an operation ended, as the client saw it.
 * - ok: it took effect exactly once, between invokeTime and completeTime, and `output` is what
 *   the client was told.
 * - fail: it certainly did not take effect (an error reply such as "not leader" before anything
 *   was proposed). The checker ignores it entirely: it neither changed nor observed the value.
 * - unknown: timeout or lost connection. It may or may not have taken effect, at any moment after
 *   invokeTime (the checker treats its completeTime as +infinity); its output was never seen.
 */
export type OperationStatus = 'ok' | 'fail' | 'unknown';

/**
 * What the client asked for.
 * - read: GET.
 * - write: SET key value.
 * - cas: compare-and-set (`SET key value IFEQ expected`); expected null means "only if absent"
 *   (SET NX). Its output says whether it matched: true = matched and wrote, false = observed a
 *   different value and wrote nothing. A cas that errored without taking effect is status 'fail'.
 * - delete: DEL; the optional output is the count DEL replied (1 if the key existed, else 0).
 * - incr: INCRBY key delta; the output is the new integer. Absent counts as 0; a non-integer
 *   value makes INCR an error (record it as 'fail').
 */
export type OperationInput =
  | { readonly kind: 'read' }
  | { readonly kind: 'write'; readonly value: string }
  | { readonly kind: 'cas'; readonly expected: Value; readonly value: string }
  | { readonly kind: 'delete' }
  | { readonly kind: 'incr'; readonly delta: number };

export type OperationKind = OperationInput['kind'];

/** The output an ok operation of each kind reports (write reports nothing). */
export interface OutputByKind {
  read: Value;
  write: undefined;
  cas: boolean;
  delete: number | undefined;
  incr: number;
}

interface OperationCommon {
  /** Unique within a history; reports refer to operations as #id. */
  readonly id: number;
  /** Which client issued it; one client's operations never overlap in time. */
  readonly clientId: number;
  readonly key: string;
  readonly status: OperationStatus;
  /** When the client sent the request, in any unit (ms, ticks) as long as one history uses one. */
  readonly invokeTime: number;
  /**
   * When the client got the reply (ok, fail) or gave up (unknown). Finite and >= invokeTime; for
   * unknown operations it is only drawn in the report, the search treats it as +infinity.
   */
  readonly completeTime: number;
}

type OperationOf<K extends OperationKind> = OperationCommon &
  Extract<OperationInput, { kind: K }> & {
    /** Present when status is 'ok' (optional for write and delete); absent otherwise. */
    readonly output?: OutputByKind[K];
  };

/** One recorded operation; a discriminated union on `kind`. */
export type Operation = { [K in OperationKind]: OperationOf<K> }[OperationKind];

export type Verdict = 'ok' | 'illegal' | 'unknown';

export interface CheckOptions {
  /**
   * Monotonic milliseconds (pass `performance.now`). Without it the search is bounded only by
   * maxStates and maxMemoryBytes, because this pure layer cannot read the clock itself.
   */
  readonly now?: () => number;
  /**
   * The whole check stops with 'unknown' after this many ms of now(). The full searches get the
   * first 80%; the rest is kept for finding (or, after a bound, still proving) a failing window.
   */
  readonly timeLimitMs?: number;
  /** Most distinct (linearized set, value) states the search of one key may remember. */
  readonly maxStates?: number;
  /** Most bytes the memo of one key's search may hold. */
  readonly maxMemoryBytes?: number;
}

export interface KeyResult {
  readonly key: string;
  readonly verdict: Verdict;
  /** Operations of this key the search considered (fail operations and unknown reads excluded). */
  readonly operations: number;
  readonly statesExplored: number;
  /**
   * Why the verdict is 'unknown' (which bound was hit), or that a key whose search hit a bound
   * was still proven illegal by a window failing on its own; absent otherwise.
   */
  readonly reason?: string;
}

export interface CheckFailure {
  readonly key: string;
  /**
   * A smallest set of operations that cannot be ordered, even letting every other operation of
   * the key take effect or not within its own interval. Sorted by invokeTime.
   */
  readonly window: readonly Operation[];
  /** True when the window also needs the key's initial state (absent) to be illegal. */
  readonly fromInitialState: boolean;
  /** True when removing any one operation (or the initial state) from the window makes it legal. */
  readonly minimal: boolean;
  /** Several sentences a person can read: what was ordered, where the search got stuck and why. */
  readonly explanation: string;
}

export interface CheckStats {
  readonly operations: number;
  readonly keys: number;
  readonly statesExplored: number;
  /** Elapsed ms by options.now; absent when no clock was given. */
  readonly elapsedMs?: number;
}

export interface CheckResult {
  /** illegal if any key is illegal; else unknown if any key hit a bound; else ok. */
  readonly verdict: Verdict;
  readonly perKey: readonly KeyResult[];
  /** The first illegal key's smallest failing window; present exactly when verdict is 'illegal'. */
  readonly failure?: CheckFailure;
  readonly stats: CheckStats;
}
