// Bench process housekeeping: free loopback ports, temp dirs and child processes, all registered
// in one Procs object so that a bench kills every child (SIGKILL) and removes every temp dir in
// its `finally`, even when it failed half way. Also polling with a deadline and process CPU time.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assert } from '../../src/lib/assert.js';
import { freePort } from '../../test/support/free-port.js';

const outputTailChars = 20_000;
const pollIntervalMs = 20;


/** Polls `probe` until it returns a value; throws after `timeoutMs` (never sleeps blindly). */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T> {
  assert(timeoutMs > 0, 'waitFor needs a positive timeout');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
  }
}

/** A child process with the tail of its stdout and stderr kept for error messages. */
export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  output(): string;
  alive(): boolean;
}

export class Procs {
  private readonly children = new Set<ChildProcess>();
  private readonly dirs: string[] = [];

  async tempDir(prefix: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  spawn(name: string, command: string, args: readonly string[], cwd?: string): Child {
    const proc = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.add(proc);
    proc.once('exit', () => this.children.delete(proc));
    let tail = '';
    const keep = (chunk: Buffer): void => {
      tail = (tail + chunk.toString()).slice(-outputTailChars);
    };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    return { name, proc, output: () => tail, alive: () => proc.exitCode === null && proc.signalCode === null };
  }

  /** kill -9 and wait until the process is gone. */
  async kill(child: Child): Promise<void> {
    if (!child.alive()) return;
    const exited = new Promise<void>((resolve) => child.proc.once('exit', () => resolve()));
    child.proc.kill('SIGKILL');
    await exited;
    assert(!child.alive(), `${child.name} still alive after SIGKILL`);
  }

  /** Kills every child still running and removes every temp dir. */
  async cleanup(): Promise<void> {
    const running = [...this.children].filter((p) => p.exitCode === null && p.signalCode === null);
    await Promise.all(running.map((p) => new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    })));
    await Promise.all(this.dirs.map((dir) => rm(dir, { recursive: true, force: true })));
    this.dirs.length = 0;
  }

  /** The same, synchronously, for process 'exit' (an uncaught error must not leave children behind). */
  cleanupNow(): void {
    for (const p of this.children) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

const clockTicksPerSecond = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU seconds (user + system, every thread) a process has used, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  assert(Number.isFinite(ticks), `unreadable /proc/${pid}/stat`);
  return ticks / clockTicksPerSecond;
}

/** Resident memory of a process in MB, from /proc/<pid>/status. */
export function rssMegabytes(pid: number): number {
  const kilobytes = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  assert(Number.isFinite(kilobytes), `unreadable /proc/${pid}/status`);
  return kilobytes / 1024;
}

export { freePort };
