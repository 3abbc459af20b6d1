// The cluster under torture: N real node processes (torture/node.ts, the code `cairn server --id
// --peers` runs) each in its own temp data dir, on a TortureNet (network namespaces, or fault
// proxies on loopback) that the nemesis can cut, slow or thin per direction. Owns the processes:
// start/kill/restart, pause/resume, remove-and-rejoin for membership faults, and cleanup() that
// always leaves nothing running and removes the temp dir and the network.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assert } from '../src/lib/assert.js';
import { CairnError } from '../src/lib/errors.js';
import type { Prng } from '../src/lib/prng.js';
import type { HostPort, NetMode, TortureNet } from './net.js';
import { NetnsNet } from './net-netns.js';
import { netnsAvailable } from './netns-sys.js';
import { ProxyNet } from './net-proxy.js';

const root = new URL('../', import.meta.url).pathname;
/** A node that has not printed its ready line by then failed to start. */
const READY_TIMEOUT_MS = 60_000;
/** Most stdout/stderr kept per node (the tail), for failure messages. */
const MAX_OUTPUT_CHARS = 100_000;
/** Every node gets this cluster id: the derived one hashes --peers, which proxies make differ per node. */
const CLUSTER_ID = 'cairn-torture';

export interface TortureNode {
  readonly index: number;
  /** n<index+1>, or n<index+1>r<k> after the k-th time it was removed and rejoined (a removed id never comes back). */
  id: string;
  /** How often this node was removed and rejoined under a new id. */
  rejoins: number;
  readonly client: HostPort;
  readonly dir: string;
  /** The flags it (re)starts with; replaced when it rejoins under a new id. */
  args: readonly string[];
  proc: ChildProcess | null;
  paused: boolean;
  stdout: string;
  stderr: string;
}

const DATA_DIR_PATTERN = /^cairn-torture-(\d+)-/;

/** Removes data dirs (cairn-torture-<pid>-*) of campaigns whose process is gone. */
async function sweepDataDirs(log: (line: string) => void): Promise<void> {
  for (const name of await readdir(tmpdir())) {
    const match = DATA_DIR_PATTERN.exec(name);
    if (match === null) continue;
    try {
      process.kill(Number(match[1]), 0);
      continue; // its campaign still runs
    } catch {
      await rm(join(tmpdir(), name), { recursive: true, force: true });
      log(`removed the data dir of a crashed campaign: ${name}`);
    }
  }
}

/** `auto` picks netns when this process can create namespaces, else proxy. */
export type NetChoice = NetMode | 'auto';

export class TortureCluster {
  private cleaned = false;

  private constructor(
    readonly base: string,
    readonly nodes: TortureNode[],
    readonly net: TortureNet,
    private readonly extraArgs: readonly string[],
  ) {}

  /** Starts `size` nodes on the chosen network; on any failure everything started is cleaned up. */
  static async start(size: number, prng: Prng, extraArgs: readonly string[] = [], netChoice: NetChoice = 'auto', log: (line: string) => void = () => undefined): Promise<TortureCluster> {
    assert(size >= 1 && size <= 9, 'cluster size must be within 1..9');
    const useNetns = netChoice === 'netns' || (netChoice === 'auto' && (await netnsAvailable()));
    if (netChoice === 'netns' && !(await netnsAvailable())) {
      throw new CairnError('CAIRN_INVALID_ARGUMENT', '--net netns needs root and a working `ip netns` (use --net proxy)');
    }
    let net: TortureNet;
    try {
      net = useNetns ? await NetnsNet.start(size, prng, log) : await ProxyNet.start(size, prng);
    } catch (error) {
      // A kernel with namespaces but without htb or u32 (some containers): proxies still work.
      if (netChoice !== 'auto' || !useNetns) throw error;
      log(`network namespaces unusable here (${error instanceof Error ? error.message : String(error)}); using fault proxies`);
      net = await ProxyNet.start(size, prng);
    }
    let base: string;
    try {
      await sweepDataDirs(log);
      base = await mkdtemp(join(tmpdir(), `cairn-torture-${process.pid}-`));
    } catch (error) {
      await net.cleanup();
      throw error;
    }
    const cluster = new TortureCluster(base, [], net, extraArgs);
    try {
      for (let i = 0; i < size; i++) {
        const dir = join(base, `n${i + 1}`);
        cluster.nodes.push({ index: i, id: `n${i + 1}`, rejoins: 0, client: net.clientAddress(i), dir, args: [], proc: null, paused: false, stdout: '', stderr: '' });
      }
      for (let i = 0; i < size; i++) cluster.nodes[i]!.args = cluster.flagsFor(i);
      await Promise.all(cluster.nodes.map((node) => cluster.startNode(node.index)));
    } catch (error) {
      await cluster.cleanup();
      throw error;
    }
    return cluster;
  }

  /** Node i's flags under the ids the nodes have now (extra flags as the cluster was started with). */
  private flagsFor(i: number): string[] {
    const node = this.nodes[i]!;
    return ['--id', node.id, ...this.net.nodeFlags(i, this.nodes.map((n) => n.id)), '--cluster-id', CLUSTER_ID, '--dir', node.dir, ...this.extraArgs];
  }

  get size(): number {
    return this.nodes.length;
  }

  /** Spawns node i (again) with its original arguments plus `more`, and waits for its ready line. */
  async startNode(i: number, more: readonly string[] = []): Promise<void> {
    const node = this.nodes[i]!;
    assert(node.proc === null, `${node.id} is already running`);
    assert(!this.cleaned, 'the cluster was cleaned up');
    const { file, args } = this.net.command(i, [process.execPath, '--import', 'tsx', 'torture/node.ts', ...node.args, ...more]);
    const proc = spawn(file, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    node.proc = proc;
    node.paused = false;
    node.stdout = '';
    proc.on('error', (error) => (node.stderr += `\nspawn: ${error.message}`));
    proc.stdout!.on('data', (chunk: Buffer) => (node.stdout = (node.stdout + chunk.toString()).slice(-MAX_OUTPUT_CHARS)));
    proc.stderr!.on('data', (chunk: Buffer) => (node.stderr = (node.stderr + chunk.toString()).slice(-MAX_OUTPUT_CHARS)));
    const deadlineMs = Date.now() + READY_TIMEOUT_MS;
    while (!node.stdout.includes(' ready on ')) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new CairnError('CAIRN_IO', `${node.id} exited (${proc.exitCode ?? proc.signalCode}) before it was ready: ${node.stderr.slice(-2000)}`);
      }
      if (Date.now() > deadlineMs) throw new CairnError('CAIRN_TIMEOUT', `${node.id} not ready within ${READY_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  isUp(i: number): boolean {
    return this.nodes[i]!.proc !== null;
  }

  /** Sends `signal` (SIGKILL by default) to node i and waits until it is gone. */
  async kill(i: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const node = this.nodes[i]!;
    const proc = node.proc;
    if (proc === null) return;
    node.proc = null;
    if (proc.exitCode !== null || proc.signalCode !== null) {
      node.paused = false;
      return;
    }
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    if (node.paused && signal !== 'SIGKILL') proc.kill('SIGCONT');
    node.paused = false;
    proc.kill(signal);
    // A graceful stop that hangs is finished off.
    const timer = signal === 'SIGKILL' ? null : setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await exited;
    if (timer !== null) clearTimeout(timer);
  }

  /** Stops node i and deletes its data dir (a member removed for good before it rejoins). */
  async wipe(i: number): Promise<void> {
    await this.kill(i, 'SIGTERM');
    await rm(this.nodes[i]!.dir, { recursive: true, force: true });
  }

  /** Gives the stopped node i the next fresh id (n<i+1>r<k>) and flags naming it, and starts it with --join. */
  async rejoin(i: number): Promise<void> {
    const node = this.nodes[i]!;
    assert(node.proc === null, `${node.id} must be stopped before it rejoins`);
    node.rejoins++;
    node.id = `n${i + 1}r${node.rejoins}`;
    node.args = this.flagsFor(i);
    await this.startNode(i, ['--join']);
  }

  /** SIGSTOP node i: it keeps its sockets but answers nothing until resumed. */
  pause(i: number): void {
    const node = this.nodes[i]!;
    assert(node.proc !== null, `${node.id} is not running`);
    assert(!node.paused, `${node.id} is already paused`);
    node.proc.kill('SIGSTOP');
    node.paused = true;
  }

  resume(i: number): void {
    const node = this.nodes[i]!;
    if (node.proc === null || !node.paused) return;
    node.proc.kill('SIGCONT');
    node.paused = false;
  }

  /** Kills every node, removes the network and the data; safe to call more than once. */
  async cleanup(): Promise<void> {
    if (this.cleaned) return;
    this.cleaned = true;
    for (const node of this.nodes) this.resume(node.index);
    await Promise.all(this.nodes.map((node) => this.kill(node.index)));
    await this.net.cleanup();
    await rm(this.base, { recursive: true, force: true });
  }
}
