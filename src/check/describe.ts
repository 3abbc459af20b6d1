// One-line descriptions of operations and values, shared by explanations and the timeline report.

import type { Operation, Value } from './history.js';

export function describeValue(value: Value): string {
  return value === null ? 'absent' : JSON.stringify(value);
}

/** What the operation asked and, if it completed ok, what it was told: `incr +1 → 5`. */
export function describeCall(op: Operation): string {
  const told = op.status === 'ok';
  switch (op.kind) {
    case 'read':
      return told ? `read → ${describeValue(op.output ?? null)}` : 'read';
    case 'write':
      return `write ${describeValue(op.value)}`;
    case 'cas': {
      const result = told ? (op.output === true ? ' (matched)' : ' (no match)') : '';
      return `cas ${describeValue(op.expected)} → ${describeValue(op.value)}${result}`;
    }
    case 'delete':
      return told && op.output !== undefined ? `delete → ${op.output}` : 'delete';
    case 'incr':
      return `incr ${op.delta >= 0 ? '+' : ''}${op.delta}${told ? ` → ${op.output}` : ''}`;
  }
}

/** `#12 (client 3, read → "2", [10, 14])`, with the status when it was not ok. */
export function describeOperation(op: Operation): string {
  const status = op.status === 'ok' ? '' : `, ${op.status}`;
  const end = op.status === 'unknown' ? '∞' : String(op.completeTime);
  return `#${op.id} (client ${op.clientId}, ${describeCall(op)}${status}, [${op.invokeTime}, ${end}])`;
}
