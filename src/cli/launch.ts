// How a `cairn server` process starts: with the malloc settings (and any V8 flags) that keep its
// memory near redis-server's (chosen with bench:memory, see BENCHMARKS.md's Memory section): jemalloc
// preloaded where the system has libjemalloc.so.2 (redis-server's allocator, which gives freed
// pages back; glibc's malloc keeps 40-80 MiB of free heap after a big load, which only
// malloc_trim would return), and glibc's malloc tuned where it has not. Both are read once at
// process start — the dynamic linker reads LD_PRELOAD, glibc reads MALLOC_* on its first
// allocation, V8 its flags when the isolate is made — so `cairn server` started from the cairn
// command without them runs itself again with them, once: the re-exec here (server.ts's cliMain;
// its main, which tests' fixtures and bench:server call, runs as it is). The first process stays
// as a thin launcher: it forwards
// SIGINT/SIGTERM/SIGHUP to the server, exits with the server's exit code (or dies by the signal
// that ended it), and if the launcher itself is killed the server sees its lifeline pipe close and
// kills itself too, so nothing is left behind. local-cluster starts its nodes with the settings
// directly (serverSpawnSettings), without a launcher in between.
//
// CAIRN_SERVER_LAUNCHED (set in the server's environment) marks a process that has them; set it
// yourself to run a server without the re-exec. CAIRN_SERVER_NODE_FLAGS, when set, replaces the
// V8 flags (space-separated; none by default: a smaller young generation did not lower the settled
// RSS beyond the run-to-run noise). A malloc variable already in the environment is kept (an empty
// LD_PRELOAD: glibc's malloc), as is a V8 flag the command line or NODE_OPTIONS already gives.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Socket } from 'node:net';

/** V8 flags of a server process (CAIRN_SERVER_NODE_FLAGS replaces them). */
export const SERVER_NODE_FLAGS: readonly string[] = [];

/** Where Debian/Ubuntu (libjemalloc2), Fedora/RHEL and source builds put jemalloc. */
const JEMALLOC_PATHS: readonly string[] = [
  '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2', '/usr/lib/aarch64-linux-gnu/libjemalloc.so.2',
  '/usr/lib64/libjemalloc.so.2', '/usr/lib/libjemalloc.so.2', '/usr/local/lib/libjemalloc.so.2',
];

/** The system's jemalloc, if it has one. */
export function jemallocPath(): string | undefined {
  return JEMALLOC_PATHS.find((path) => existsSync(path));
}

/**
 * glibc malloc settings of a server process, for a system without jemalloc: two arenas instead of
 * eight per core, and a fixed 128 KiB mmap/trim threshold, so that big buffers (a snapshot's
 * encoding) are mapped and given back on free rather than left as free heap that glibc keeps.
 */
export const SERVER_MALLOC_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
  MALLOC_TRIM_THRESHOLD_: '131072',
};

/**
 * jemalloc's settings: a background thread that purges freed pages on its own (as redis-server runs
 * it; without it an idle process, which allocates nothing, keeps them), after a second rather than
 * ten, and straight back to the system (MADV_DONTNEED) rather than lazily (MADV_FREE, still in RSS).
 */
export const JEMALLOC_ENV: Readonly<Record<string, string>> = { MALLOC_CONF: 'background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0' };

export const LAUNCHED_ENV = 'CAIRN_SERVER_LAUNCHED';
export const NODE_FLAGS_ENV = 'CAIRN_SERVER_NODE_FLAGS';
/** The fd of the lifeline pipe in a server started by the launcher. */
const LIFELINE_FD = 3;
const LIFELINE_VALUE = 'lifeline';
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export interface SpawnSettings {
  /** Node's arguments before the script: the caller's execArgv and the server flags it lacks. */
  readonly execArgv: string[];
  readonly env: NodeJS.ProcessEnv;
}

/** The node arguments and environment a server process runs with, from the current process's. */
export function serverSpawnSettings(execArgv: readonly string[], env: NodeJS.ProcessEnv, launchedValue = '1'): SpawnSettings {
  const flags = env[NODE_FLAGS_ENV] === undefined ? SERVER_NODE_FLAGS : env[NODE_FLAGS_ENV].split(' ').filter((f) => f !== '');
  const given = [...execArgv, ...(env['NODE_OPTIONS'] ?? '').split(' ')];
  const missing = flags.filter((flag) => !given.some((g) => flagName(g) === flagName(flag)));
  const serverEnv: NodeJS.ProcessEnv = { ...env, [LAUNCHED_ENV]: launchedValue };
  const jemalloc = jemallocPath();
  const malloc = jemalloc === undefined ? SERVER_MALLOC_ENV : { ...SERVER_MALLOC_ENV, ...JEMALLOC_ENV, LD_PRELOAD: jemalloc };
  for (const [name, value] of Object.entries(malloc)) serverEnv[name] ??= value;
  return { execArgv: [...missing, ...execArgv], env: serverEnv };
}

/** `--max-semi-space-size=1` → `max_semi_space_size` (V8 treats - and _ alike). */
function flagName(flag: string): string {
  return flag.split('=')[0]!.replace(/^--/, '').replaceAll('-', '_');
}

/** Whether this process already runs with the server settings (or was told to run without). */
export function launched(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[LAUNCHED_ENV] !== undefined;
}

/**
 * Runs this process's script again with the same arguments (`argv`: process.argv without node's
 * path) as a child with the server settings, and resolves with its exit code once it exits; if a
 * signal ended it, this process dies by the same signal instead.
 */
export function relaunch(argv: readonly string[]): Promise<number> {
  const { execArgv, env } = serverSpawnSettings(process.execArgv, process.env, LIFELINE_VALUE);
  const child = spawn(process.execPath, [...execArgv, ...argv], { env, stdio: ['inherit', 'inherit', 'inherit', 'pipe'] });
  const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      for (const name of FORWARDED_SIGNALS) process.off(name, forward);
      if (signal !== null) process.kill(process.pid, signal);
      resolve(code ?? 1);
    });
  });
}

/** In a server the launcher started: if the launcher goes away, so does the server (SIGKILL, as it likely was). */
export function holdLifeline(env: NodeJS.ProcessEnv = process.env): void {
  if (env[LAUNCHED_ENV] !== LIFELINE_VALUE) return;
  const lifeline = new Socket({ fd: LIFELINE_FD, readable: true, writable: false });
  const orphaned = (): void => void process.kill(process.pid, 'SIGKILL');
  lifeline.on('end', orphaned).on('close', orphaned).on('error', orphaned);
  lifeline.unref();
}
