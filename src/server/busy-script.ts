// -BUSY, SCRIPT KILL and FUNCTION KILL while a script runs past busy-reply-threshold, as Redis 7.0
// answers them (server.c's processCommand, script.c's scriptKill). A script runs either in the log
// (EVAL, FCALL: every replica applies it at once, in steps, src/replica/stepped-apply.ts) or as a
// read on this node alone (EVAL_RO, FCALL_RO, a no-writes script: read-scripts.ts). A node busy
// with one answers other clients BUSY rather than making them wait unseen. A script run as a read
// may be killed, as Redis kills one that has not written; a script in the log runs to its end on
// every replica (or to its instruction limit), so killing it on one node would make them differ.

import { Buffer } from 'node:buffer';
import { errorReply, OK, type Reply } from '../lib/reply.js';
import type { Backend, RunningScript } from './backend.js';
import { OOM } from './memory-guard.js';

const BUSY_EVAL = errorReply('BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.');
const BUSY_FUNCTION = errorReply('BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.');
const UNKILLABLE = errorReply(
  'UNKILLABLE The script runs in the replicated log, on every node alike: it cannot be stopped on one. It ends at its instruction limit (see docs/SCRIPTING.md), or kill the server hard (SHUTDOWN NOSAVE).',
);
/** Commands Redis flags allow-busy (COMMAND's `allow_busy`): connection and transaction bookkeeping, SHUTDOWN; the KILLs and FUNCTION STATS below. */
const ALLOWED_WHILE_BUSY = new Set(['auth', 'hello', 'quit', 'reset', 'shutdown', 'multi', 'discard', 'watch', 'unwatch']);

/** SCRIPT KILL, FUNCTION KILL or FUNCTION STATS (arity as the command table has it: the name and one word), else undefined. */
function busyCommandOf(name: string, argv: readonly Uint8Array[]): 'script kill' | 'function kill' | 'function stats' | undefined {
  if ((name !== 'script' && name !== 'function') || argv.length !== 2) return undefined;
  const sub = Buffer.from(argv[1] as Uint8Array).toString('latin1').toLowerCase();
  if (sub === 'kill') return name === 'script' ? 'script kill' : 'function kill';
  return name === 'function' && sub === 'stats' ? 'function stats' : undefined;
}

/** scriptKill's replies, in its order: UNKILLABLE, then the wrong KILL for the kind, then +OK. */
function kill(running: RunningScript, by: 'eval' | 'function'): Reply {
  if (running.kill === undefined) return UNKILLABLE;
  if (by !== running.kind) return running.kind === 'function' ? BUSY_FUNCTION : BUSY_EVAL;
  running.kill();
  return OK;
}

/**
 * The reply instead of running `name` while the node is busy with a script past `thresholdMs`;
 * undefined to run it. `queued`: the client has commands in flight (the script itself, or commands
 * waiting for it), so this one waits behind them rather than being refused — as redis-server reads
 * nothing more from the script's caller until the script ends; a KILL is answered all the same.
 */
export function busyRefusal(name: string, argv: readonly Uint8Array[], backend: Pick<Backend, 'busyForMs' | 'runningScript'>, thresholdMs: number, queued = false): Reply | undefined {
  const busyMs = backend.busyForMs?.() ?? 0;
  if (busyMs === 0 || ALLOWED_WHILE_BUSY.has(name)) return undefined;
  // Answered at once, also before the threshold (where Redis reads them only once the threshold passes).
  const allowed = busyCommandOf(name, argv);
  if (allowed !== undefined) {
    const running: RunningScript = backend.runningScript?.() ?? { kind: 'eval' };
    if (allowed !== 'function stats') return kill(running, allowed === 'script kill' ? 'eval' : 'function');
    // functionStatsCommand: an EVAL running is answered as slowevalerr.
    if (running.kind === 'eval') return BUSY_EVAL;
    if (running.functionStats !== undefined) return running.functionStats();
  }
  if (busyMs < thresholdMs || queued) return undefined;
  return backend.runningScript?.()?.kind === 'function' ? BUSY_FUNCTION : BUSY_EVAL;
}

/** What a command gets instead of running: BUSY or a KILL's reply (above), else OOM when maxmemory refuses it; undefined to run it. */
export function refusalBeforeRun(name: string, argv: readonly Uint8Array[], backend: Pick<Backend, 'busyForMs' | 'runningScript'>, thresholdMs: number, memoryFull: boolean, queued = false): Reply | undefined {
  return busyRefusal(name, argv, backend, thresholdMs, queued) ?? (memoryFull ? OOM : undefined);
}
