// Rejects malformed histories with a clear CairnError before any search starts: a history comes
// from outside the checker (a file, a client library), so bad shapes are input errors, not bugs.

import { CairnError } from '../lib/errors.js';
import type { Operation } from './history.js';

const KINDS = new Set(['read', 'write', 'cas', 'delete', 'incr']);
const STATUSES = new Set(['ok', 'fail', 'unknown']);

export function validateHistory(history: readonly Operation[]): void {
  if (!Array.isArray(history)) invalid('a history must be an array of operations');
  const ids = new Set<number>();
  for (const op of history) {
    validateOperation(op);
    if (ids.has(op.id)) invalid(`operation id ${op.id} appears twice`);
    ids.add(op.id);
  }
}

function validateOperation(op: Operation): void {
  if (typeof op !== 'object' || op === null) invalid('an operation must be an object');
  const where = `operation #${String(op.id)}`;
  if (!Number.isSafeInteger(op.id)) invalid(`${where}: id must be a safe integer`);
  if (!Number.isSafeInteger(op.clientId)) invalid(`${where}: clientId must be a safe integer`);
  if (typeof op.key !== 'string') invalid(`${where}: key must be a string`);
  if (!KINDS.has(op.kind)) invalid(`${where}: unknown kind ${JSON.stringify(op.kind)}`);
  if (!STATUSES.has(op.status)) invalid(`${where}: unknown status ${JSON.stringify(op.status)}`);
  if (!Number.isFinite(op.invokeTime) || !Number.isFinite(op.completeTime)) {
    invalid(`${where}: invokeTime and completeTime must be finite numbers`);
  }
  if (op.completeTime < op.invokeTime) invalid(`${where}: completes (${op.completeTime}) before it is invoked (${op.invokeTime})`);
  validateInput(op, where);
  if (op.status === 'ok') validateOutput(op, where);
  else if (op.output !== undefined) invalid(`${where}: only an ok operation has an output`);
}

function validateInput(op: Operation, where: string): void {
  switch (op.kind) {
    case 'write':
      if (typeof op.value !== 'string') invalid(`${where}: write needs a string value`);
      return;
    case 'cas':
      if (typeof op.value !== 'string') invalid(`${where}: cas needs a string value`);
      if (op.expected !== null && typeof op.expected !== 'string') invalid(`${where}: cas expected must be a string or null`);
      return;
    case 'incr':
      if (!Number.isSafeInteger(op.delta)) invalid(`${where}: incr delta must be a safe integer`);
      return;
    case 'read':
    case 'delete':
      return;
  }
}

function validateOutput(op: Operation, where: string): void {
  switch (op.kind) {
    case 'read':
      if (op.output !== null && typeof op.output !== 'string') invalid(`${where}: an ok read needs output string or null`);
      return;
    case 'write':
      if (op.output !== undefined) invalid(`${where}: a write has no output`);
      return;
    case 'cas':
      if (typeof op.output !== 'boolean') invalid(`${where}: an ok cas needs output true (matched) or false`);
      return;
    case 'delete':
      if (op.output !== undefined && op.output !== 0 && op.output !== 1) invalid(`${where}: delete output must be 0, 1 or absent`);
      return;
    case 'incr':
      if (!Number.isSafeInteger(op.output)) invalid(`${where}: an ok incr needs the new value as a safe integer`);
      return;
  }
}

function invalid(message: string): never {
  throw new CairnError('CAIRN_INVALID_ARGUMENT', `invalid history: ${message}`);
}
