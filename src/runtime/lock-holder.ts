// Who holds a data folder's LOCK, and whether that process still runs. The LOCK file names its
// holder by pid and by the process's start time (field 22 of /proc/PID/stat, clock ticks since
// boot), so a pid the kernel has since handed to another process is not mistaken for the holder.
// A process killed but not yet reaped by its parent (a zombie, state Z, or X while being reaped)
// holds nothing: the kernel closed its files and it never runs again, so it must not block a
// restart — yet `kill(pid, 0)` succeeds for it. A stopped process (state T) is alive. Without
// /proc (not Linux) liveness falls back to `kill(pid, 0)`, and a LOCK written before start times
// were recorded (a pid alone) is judged by the pid alone.

import { promises as fs } from 'node:fs';
import { assert } from '../lib/assert.js';

export interface LockHolder {
  readonly pid: number;
  /** The holder's start time in clock ticks since boot, as /proc shows it; undefined when unknown. */
  readonly startTicks: string | undefined;
}

type ProcState = { readonly state: string; readonly startTicks: string } | 'gone' | 'unknown';

/** Index of starttime (field 22) among the fields after the command name (field 2). */
const START_FIELD_AFTER_COMM = 22 - 3;
const TICKS_PATTERN = /^\d{1,20}$/;

let self: Promise<LockHolder> | undefined;

/** This process, as it names itself in a LOCK file. */
export function selfHolder(): Promise<LockHolder> {
  self ??= readProcState(process.pid).then((proc) => ({ pid: process.pid, startTicks: typeof proc === 'object' ? proc.startTicks : undefined }));
  return self;
}

export function formatHolder(holder: LockHolder): string {
  assert(Number.isSafeInteger(holder.pid) && holder.pid > 0, 'a holder pid is a positive integer');
  assert(holder.startTicks === undefined || TICKS_PATTERN.test(holder.startTicks), 'start ticks are decimal digits');
  return holder.startTicks === undefined ? `${holder.pid}\n` : `${holder.pid} ${holder.startTicks}\n`;
}

/** The holder a LOCK file's text names, or undefined when the text names none (empty or damaged). */
export function parseHolder(text: string): LockHolder | undefined {
  const [pidText, startTicks, ...rest] = text.trim().split(' ');
  const pid = Number(pidText);
  if (!Number.isSafeInteger(pid) || pid <= 0 || rest.length > 0) return undefined;
  if (startTicks !== undefined && !TICKS_PATTERN.test(startTicks)) return undefined;
  return { pid, startTicks };
}

/** Whether the holder still runs: not gone, not a zombie, and the same process that wrote the LOCK. */
export async function holderAlive(holder: LockHolder): Promise<boolean> {
  const proc = await readProcState(holder.pid);
  if (proc === 'unknown') return signalReaches(holder.pid);
  if (proc === 'gone' || proc.state === 'Z' || proc.state === 'X') return false;
  return holder.startTicks === undefined || holder.startTicks === proc.startTicks;
}

/** The state letter and start time of a process from /proc/PID/stat; 'gone' when it has no entry there. */
async function readProcState(pid: number): Promise<ProcState> {
  let text: string;
  try {
    text = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return (code === 'ENOENT' || code === 'ESRCH') && (await procMounted()) ? 'gone' : 'unknown';
  }
  // The command name (field 2) is in parentheses and may hold spaces and parentheses itself.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0] ?? '';
  const startTicks = fields[START_FIELD_AFTER_COMM] ?? '';
  if (state.length !== 1 || !TICKS_PATTERN.test(startTicks)) return 'unknown';
  return { state, startTicks };
}

async function procMounted(): Promise<boolean> {
  return fs.access(`/proc/${process.pid}/stat`).then(() => true, () => false);
}

function signalReaches(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
