// Words for a failing window: what it is, the furthest order the search found, and why each
// remaining operation of the window could not come next at that point.

import { assert } from '../lib/assert.js';
import { describeOperation } from './describe.js';
import type { Operation } from './history.js';
import { candidates, WILDCARD, type ValueTable } from './model.js';
import type { WindowTest } from './window.js';

const REASONS_MAX = 8;

export function explainWindow(
  key: string,
  ops: readonly Operation[],
  members: readonly number[],
  fromInitialState: boolean,
  test: WindowTest,
): string {
  const { outcome, compiled } = test;
  const { problem, sources } = compiled;
  const optional = problem.ops.length - members.length;
  const start = fromInitialState ? 'from the initial state (key absent)' : 'from any starting value';
  const lines = [
    `Key ${JSON.stringify(key)}: these ${members.length} operations cannot be ordered ${start}, ` +
      `consistently with their real-time intervals and outputs, even letting ${others(optional)} ` +
      `take effect or not.`,
  ];
  if (outcome.verdict !== 'illegal') {
    lines.push(`(The last search of this window ended ${outcome.verdict}: ${outcome.reason ?? 'no reason'}.)`);
    return lines.join('\n');
  }
  const order = outcome.longest?.order ?? [];
  const after = outcome.longest?.values ?? [];
  const value = after.length > 0 ? after[after.length - 1]! : problem.initial;
  const isMember = new Set(members);
  // Other operations in the order are ones the search let take effect on the way.
  const steps = order.map((s) => `#${ops[sources[s]!]!.id}${isMember.has(sources[s]!) ? '' : ' (other, taking effect)'}`);
  lines.push(
    steps.length > 0
      ? `The furthest order found puts ${steps.join(', ')} first, leaving the value ${problem.values.describe(value)}.`
      : `No operation of the window can even go first (starting value: ${problem.values.describe(value)}).`,
  );
  lines.push('Then none of the rest can go next:');
  const done = new Set(order);
  const reasons = stuckReasons(ops, sources, problem.ops.length, done, isMember, value, test);
  lines.push(...reasons.slice(0, REASONS_MAX).map((r) => `  - ${r}`));
  if (reasons.length > REASONS_MAX) lines.push(`  - … and ${reasons.length - REASONS_MAX} more`);
  return lines.join('\n');
}

function others(count: number): string {
  if (count === 0) return 'any other operation';
  return count === 1 ? 'the 1 other overlapping operation' : `the ${count} other overlapping operations`;
}

function stuckReasons(
  ops: readonly Operation[],
  sources: readonly number[],
  count: number,
  done: ReadonlySet<number>,
  isMember: ReadonlySet<number>,
  value: number,
  test: WindowTest,
): string[] {
  const { problem } = test.compiled;
  const position = new Map<number, number>();
  problem.entries.forEach((entry, index) => position.set(entry, index));
  // The earliest return among operations not yet ordered: nothing invoked after it can go next.
  let blocker = -1;
  for (let s = 0; s < count; s++) {
    if (done.has(s)) continue;
    if (blocker === -1 || position.get(count + s)! < position.get(count + blocker)!) blocker = s;
  }
  const out = new Int32Array(2);
  const reasons: string[] = [];
  for (let s = 0; s < count; s++) {
    if (done.has(s) || !isMember.has(sources[s]!)) continue;
    const op = ops[sources[s]!]!;
    if (blocker !== -1 && blocker !== s && position.get(s)! > position.get(count + blocker)!) {
      reasons.push(`${describeOperation(op)} was invoked after #${ops[sources[blocker]!]!.id} completed, so must follow it.`);
    } else if (candidates(problem.ops[s]!, value, problem.values, out) === 0) {
      reasons.push(`${describeOperation(op)} ${rejection(op, value, problem.values)}.`);
    } else {
      reasons.push(`${describeOperation(op)} could go next, but every order from there dead-ends.`);
    }
  }
  return reasons;
}

function assertNever(message: string): never {
  assert(false, message);
}

function rejection(op: Operation, value: number, values: ValueTable): string {
  const now = values.describe(value);
  switch (op.kind) {
    case 'read':
      return `cannot have read that: the value was ${now}`;
    case 'cas':
      return op.output === true ? `cannot have matched: the value was ${now}` : `cannot have missed: the value was ${now}`;
    case 'delete':
      return op.output === 1 ? 'cannot have found the key: it was absent' : `cannot have found the key absent: the value was ${now}`;
    case 'incr': {
      const current = value === WILDCARD ? null : values.integerOf(value);
      return current === null ? `cannot increment ${now}` : `cannot return ${op.output ?? '?'}: ${now} ${op.delta >= 0 ? '+' : '-'} ${Math.abs(op.delta)} = ${current + BigInt(op.delta)}`;
    }
    case 'write':
      return assertNever('a write is always allowed, so it is never rejected');
  }
}
