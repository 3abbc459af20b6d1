// -BUSY, as Redis answers while a script runs past busy-reply-threshold: a script applies on every
// replica at once (its entry runs in steps, src/replica/stepped-apply.ts), so a node busy with one
// answers other clients BUSY rather than making them wait unseen. A script in the log runs to its
// end on every replica (or to its instruction limit), so SCRIPT KILL cannot stop it on one node.

import { Buffer } from 'node:buffer';
import { errorReply, type Reply } from '../lib/reply.js';
import { OOM } from './memory-guard.js';

const BUSY = errorReply('BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.');
const UNKILLABLE = errorReply(
  'UNKILLABLE The script runs in the replicated log, on every node alike: it cannot be stopped on one. It ends at its instruction limit (see docs/SCRIPTING.md), or kill the server hard (SHUTDOWN NOSAVE).',
);
/** Commands Redis flags allow-busy: connection and transaction bookkeeping, SHUTDOWN, the KILLs. */
const ALLOWED_WHILE_BUSY = new Set(['auth', 'hello', 'quit', 'reset', 'shutdown', 'multi', 'discard', 'watch', 'unwatch']);

/** The reply instead of running `name` while the state has been busy `busyMs` with one script; undefined to run it. */
export function busyRefusal(name: string, argv: readonly Uint8Array[], busyMs: number, thresholdMs: number): Reply | undefined {
  if (busyMs === 0 || busyMs < thresholdMs || ALLOWED_WHILE_BUSY.has(name)) return undefined;
  if ((name === 'script' || name === 'function') && argv.length === 2 && Buffer.from(argv[1] as Uint8Array).toString('latin1').toLowerCase() === 'kill') return UNKILLABLE;
  return BUSY;
}

/** What a command gets instead of running: BUSY (above), else OOM when maxmemory refuses it; undefined to run it. */
export function refusalBeforeRun(name: string, argv: readonly Uint8Array[], busyMs: number, thresholdMs: number, memoryFull: boolean): Reply | undefined {
  return busyRefusal(name, argv, busyMs, thresholdMs) ?? (memoryFull ? OOM : undefined);
}
