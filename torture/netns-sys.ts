// The system side of the namespace network: runs `ip` and `tc`, names what one campaign creates
// (pid-based, so two campaigns can run at once), picks a /24 nobody on the host uses, removes
// what a crashed campaign left behind, and keeps one `ip -batch` shell per namespace for the
// fast route flips that loss needs.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { assert } from '../src/lib/assert.js';
import { CairnError } from '../src/lib/errors.js';

/** One `ip`/`tc` call that takes longer than this is stuck. */
const COMMAND_TIMEOUT_MS = 10_000;
/** Route flips queued for one batch shell before the link is treated as broken. */
const MAX_BATCH_BACKLOG_BYTES = 1024 * 1024;
/** The torture networks' addresses: 10.232.<octet>.0/24, octet chosen per campaign. */
const SUBNET_PREFIX = '10.232';
const NAMESPACE_PATTERN = /^cairn-t(\d+)-n\d+$/;
const BRIDGE_PATTERN = /^ctb(\d+)$/;

export function run(file: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: COMMAND_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error === null) resolve(stdout);
      else reject(new CairnError('CAIRN_IO', `${file} ${args.join(' ')}: ${stderr.trim() || error.message}`));
    });
  });
}

/** Runs `file args` (an `-batch -` invocation) with `lines` on stdin; fails at the first failing line. */
export function runBatch(file: string, args: readonly string[], lines: readonly string[]): Promise<void> {
  assert(lines.every((line) => !line.includes('\n')), 'one command per line');
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { timeout: COMMAND_TIMEOUT_MS, encoding: 'utf8' }, (error, _stdout, stderr) => {
      if (error === null) resolve();
      else reject(new CairnError('CAIRN_IO', `${file} ${args.join(' ')}: ${stderr.trim() || error.message} (batch: ${lines.join('; ').slice(0, 500)})`));
    });
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(lines.map((line) => `${line}\n`).join(''));
  });
}

/** The names one campaign (one process) gives what it creates. */
export class NetnsNames {
  constructor(readonly pid: number) {
    assert(Number.isInteger(pid) && pid > 0, 'a pid is a positive integer');
    assert(pid < 10_000_000, 'pid too long for an interface name');
  }

  namespace(i: number): string {
    return `cairn-t${this.pid}-n${i + 1}`;
  }

  /** The bridge in the campaign's namespace that every node's veth joins. */
  get bridge(): string {
    return `ctb${this.pid}`;
  }

  /** The campaign-side end of node i's veth pair (at most 12 characters). */
  veth(i: number): string {
    return `ctv${this.pid}n${i + 1}`;
  }
}

/** True when this process can create network namespaces (root, iproute2 present, kernel support). */
export async function netnsAvailable(): Promise<boolean> {
  if (process.getuid?.() !== 0) return false;
  const probe = `cairn-t${process.pid}-probe`;
  try {
    await run('ip', ['netns', 'add', probe]);
  } catch {
    return false;
  }
  await run('ip', ['netns', 'del', probe]).catch(() => undefined);
  return true;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes namespaces (and the processes in them) and bridges left by campaigns whose process is
 * gone. Returns what it removed.
 */
export async function sweepLeftovers(): Promise<string[]> {
  const removed: string[] = [];
  const namespaces = (await run('ip', ['netns', 'list'])).split('\n').map((line) => line.split(' ')[0]!).filter((n) => n !== '');
  for (const name of namespaces) {
    const match = NAMESPACE_PATTERN.exec(name);
    if (match === null || alive(Number(match[1]))) continue;
    const pids = (await run('ip', ['netns', 'pids', name]).catch(() => '')).split('\n').map(Number).filter((p) => Number.isInteger(p) && p > 0);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await run('ip', ['netns', 'del', name]).catch(() => undefined);
    removed.push(name);
  }
  const bridges = (await run('ip', ['-o', 'link', 'show', 'type', 'bridge'])).split('\n').map((line) => /^\d+:\s+([^:@\s]+)/.exec(line)?.[1]).filter((n): n is string => n !== undefined);
  for (const name of bridges) {
    const match = BRIDGE_PATTERN.exec(name);
    if (match === null || alive(Number(match[1]))) continue;
    await run('ip', ['link', 'del', name]).catch(() => undefined);
    removed.push(name);
  }
  return removed;
}

/** A 10.232.x.0/24 that no address or route on the host touches, starting from one derived from the pid. */
export async function chooseSubnet(pid: number): Promise<string> {
  const inUse = (await run('ip', ['-4', '-o', 'addr', 'show'])) + (await run('ip', ['-4', 'route', 'show', 'table', 'all']));
  for (let step = 0; step < 250; step++) {
    const octet = ((pid + step) % 250) + 1;
    const subnet = `${SUBNET_PREFIX}.${octet}`;
    if (!inUse.includes(`${subnet}.`)) return subnet;
  }
  throw new CairnError('CAIRN_IO', `every ${SUBNET_PREFIX}.x.0/24 is in use on this host`);
}

/**
 * A long-lived `ip -n NS -force -batch -` that runs each line as it arrives: route flips at tens
 * per second without a process per flip. Errors (a route already gone) are ignored by -force.
 */
export class BatchShell {
  private readonly proc: ChildProcess;
  private closed = false;

  constructor(namespace: string) {
    this.proc = spawn('ip', ['-n', namespace, '-force', '-batch', '-'], { stdio: ['pipe', 'ignore', 'ignore'] });
    this.proc.on('error', () => (this.closed = true));
    this.proc.on('exit', () => (this.closed = true));
    this.proc.stdin!.on('error', () => (this.closed = true));
  }

  send(line: string): void {
    assert(!line.includes('\n'), 'one command per line');
    if (this.closed) throw new CairnError('CAIRN_IO', 'the ip batch shell exited');
    if (this.proc.stdin!.writableLength > MAX_BATCH_BACKLOG_BYTES) throw new CairnError('CAIRN_BUSY', 'the ip batch shell is not keeping up');
    this.proc.stdin!.write(`${line}\n`);
  }

  /** Ends the shell once it has run every line sent. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.proc.stdin!.end();
    return exited;
  }
}
