// A brute-force linearizability check, written independently of src/check/ to cross-check it on
// small histories: try every order of every subset of the unknown operations.
import type { Operation, Value } from '../../src/check/index.js';

const INTEGER = /^(0|-?[1-9][0-9]{0,17})$/;

/** Applies op to state; returns the new state, or undefined when its output contradicts it. */
function apply(op: Operation, state: Value): Value | undefined {
  const told = op.status === 'ok';
  switch (op.kind) {
    case 'read':
      return !told || op.output === state ? state : undefined;
    case 'write':
      return op.value;
    case 'cas': {
      const matches = state === op.expected;
      if (told && op.output !== matches) return undefined;
      return matches ? op.value : state;
    }
    case 'delete':
      if (told && op.output === 1 && state === null) return undefined;
      if (told && op.output === 0 && state !== null) return undefined;
      return null;
    case 'incr': {
      const n = state === null ? 0 : INTEGER.test(state) ? Number(state) : null;
      if (n === null) return told ? undefined : state;
      if (told && op.output !== n + op.delta) return undefined;
      return String(n + op.delta);
    }
  }
}

function end(op: Operation): number {
  return op.status === 'unknown' ? Infinity : op.completeTime;
}

/** True when some order of the ok operations and some of the unknown ones is legal (one key). */
export function bruteForceLinearizable(history: readonly Operation[]): boolean {
  const ok = history.filter((o) => o.status === 'ok');
  const unknown = history.filter((o) => o.status === 'unknown' && o.kind !== 'read');
  for (let mask = 0; mask < 1 << unknown.length; mask++) {
    const chosen = [...ok, ...unknown.filter((_, i) => (mask & (1 << i)) !== 0)];
    if (someOrder(chosen, [], null)) return true;
  }
  return false;
}

function someOrder(remaining: readonly Operation[], placed: readonly Operation[], state: Value): boolean {
  if (remaining.length === 0) return true;
  for (const op of remaining) {
    // op may go next only if no other remaining operation completed before op was invoked.
    if (remaining.some((other) => other !== op && end(other) < op.invokeTime)) continue;
    const next = apply(op, state);
    if (next === undefined) continue;
    if (someOrder(remaining.filter((o) => o !== op), [...placed, op], next)) return true;
  }
  return false;
}
