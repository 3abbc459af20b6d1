// The arguments SegmentedLog (log.ts) refuses, as pure functions of the range the log holds: each
// returns the CAIRN_INVALID_ARGUMENT error to reject with, or null when the call is valid.

import { CairnError } from '../lib/errors.js';
import { RECORD_KIND_MAX, RECORD_PAYLOAD_BYTES_MAX, type LogEntry } from './record.js';

/** What the checks need to know of the log. */
export interface HeldRange {
  readonly dir: string;
  readonly firstIndex: number;
  readonly lastIndex: number;
  term(index: number): number | undefined;
}

/** Entries must start inside [firstIndex, lastIndex + 1], be consecutive, with terms that never fall. */
export function appendRefusal(log: HeldRange, entries: readonly LogEntry[]): CairnError | null {
  const first = entries[0];
  if (first === undefined) return null;
  if (first.index < log.firstIndex || first.index > log.lastIndex + 1) {
    return invalid(`log ${log.dir}: cannot append index ${first.index}; the log holds [${log.firstIndex}, ${log.lastIndex}]`);
  }
  let term = first.index > log.firstIndex ? (log.term(first.index - 1) ?? 0) : 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as LogEntry;
    const refusal = entryRefusal(entry, first.index + i, term);
    if (refusal !== null) return refusal;
    term = entry.term;
  }
  return null;
}

function entryRefusal(entry: LogEntry, index: number, termBefore: number): CairnError | null {
  if (entry.index !== index) return invalid('appended entries must have consecutive indexes');
  if (entry.term < termBefore) return invalid(`entry ${entry.index} has term ${entry.term}, lower than ${termBefore} before it`);
  if (!Number.isSafeInteger(entry.term)) return invalid(`entry ${entry.index} has term ${entry.term}, not a safe integer`);
  if (!Number.isInteger(entry.kind) || entry.kind < 0 || entry.kind > RECORD_KIND_MAX) return invalid(`entry ${entry.index} has kind ${entry.kind}, outside 0..${RECORD_KIND_MAX}`);
  if (entry.data.length > RECORD_PAYLOAD_BYTES_MAX) return invalid(`entry ${entry.index} holds ${entry.data.length} bytes, over the ${RECORD_PAYLOAD_BYTES_MAX}-byte record limit`);
  return null;
}

/** A suffix may be cut from any held index on (or past the end, which cuts nothing). */
export function truncateRefusal(log: HeldRange, fromIndex: number): CairnError | null {
  if (Number.isSafeInteger(fromIndex) && fromIndex >= log.firstIndex) return null;
  return invalid(`log ${log.dir}: cannot truncate from ${fromIndex}; the log starts at ${log.firstIndex}`);
}

/** A read covers held indexes only: firstIndex <= fromIndex <= toIndexExclusive <= lastIndex + 1. */
export function rangeRefusal(log: HeldRange, fromIndex: number, toIndexExclusive: number): CairnError | null {
  const integers = Number.isSafeInteger(fromIndex) && Number.isSafeInteger(toIndexExclusive);
  if (integers && fromIndex >= log.firstIndex && fromIndex <= toIndexExclusive && toIndexExclusive <= log.lastIndex + 1) return null;
  return invalid(`log ${log.dir}: range [${fromIndex}, ${toIndexExclusive}) is outside [${log.firstIndex}, ${log.lastIndex + 1})`);
}

function invalid(message: string): CairnError {
  return new CairnError('CAIRN_INVALID_ARGUMENT', message);
}
