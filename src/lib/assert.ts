// Invariant checks. A violated invariant is a bug in Cairn, never bad input: it throws
// AssertionError so the process stops rather than serving wrong data.

export class AssertionError extends Error {
  override name = 'AssertionError';
}

export function assert(condition: unknown, message = 'assertion failed'): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/** Marks a branch the type system proves cannot run (exhaustive switches). */
export function unreachable(value: never, message = 'unreachable'): never {
  throw new AssertionError(`${message}: ${String(value)}`);
}
