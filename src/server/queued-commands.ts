// The rules for a client's commands that the session applies but need none of its state: which
// commands run before AUTH and inside MULTI, which queued commands become EXEC's log entry, and in
// which database each of them runs.

import { KV_COMMANDS } from '../kv/commands.js';
import { parseDbIndex } from '../kv/databases.js';
import type { TableEntry } from './command-table.js';

export interface QueuedCommand {
  readonly entry: TableEntry;
  readonly argv: readonly Buffer[];
}

/** Commands a client may send before authenticating (Redis's no-auth flag). */
export const allowedBeforeAuth = new Set(['auth', 'hello', 'quit', 'reset']);
/** Commands that act at once even inside MULTI instead of being queued. */
export const runsInsideMulti = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

/** The database of each of EXEC's entry commands: the selected one, as changed by SELECTs queued before it. */
export function entryDbs(commands: readonly QueuedCommand[], startDb: number): number[] {
  let db = startDb;
  const dbs: number[] = [];
  for (const command of commands) {
    if (inEntry(command)) dbs.push(db);
    else if (command.entry.meta.name === 'select') {
      const index = parseDbIndex(command.argv[1]!);
      if (typeof index === 'number') db = index;
    }
  }
  return dbs;
}

/** Commands the server answers but kv applies from the entry (pubsub-commands.ts): inside MULTI they join EXEC's entry. */
const appliedByKv = new Set(['publish', 'spublish']);

/** A queued command that becomes part of EXEC's log entry: a kv command (not CLUSTER, not a connection command). */
export function inEntry(command: QueuedCommand): boolean {
  return (command.entry.kind === 'data' || appliedByKv.has(command.entry.meta.name)) && KV_COMMANDS.has(command.entry.meta.name);
}

export function argvBytes(argv: readonly Uint8Array[]): number {
  let bytes = 0;
  for (const arg of argv) bytes += arg.length;
  return bytes;
}
