// The cluster under torture: N real node processes (torture/node.ts, the code `cairn server --id
// --peers` runs) on loopback, each in its own temp data dir, whose every peer and relay link to
// another node goes through a LinkProxy, so the nemesis can cut, delay or slow each direction.
// Owns the processes and proxies: kill/restart, pause/resume, and cleanup() that always leaves
// nothing running and removes the temp dir.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assert } from '../src/lib/assert.js';
import { CairnError } from '../src/lib/errors.js';
import type { Prng } from '../src/lib/prng.js';
import { LinkTable } from './links.js';
import { LinkProxy } from './proxy.js';
import { freePort } from '../test/support/free-port.js';

const root = new URL('../', import.meta.url).pathname;
/** A node that has not printed its ready line by then failed to start. */
const READY_TIMEOUT_MS = 60_000;
/** Most stderr kept per node (the tail), for failure messages. */
const MAX_STDERR_CHARS = 100_000;

export interface TortureNode {
  readonly index: number;
  readonly id: string;
  readonly clientPort: number;
  readonly peerPort: number;
  readonly dir: string;
  readonly args: readonly string[];
  proc: ChildProcess | null;
  paused: boolean;
  stdout: string;
  stderr: string;
}


export class TortureCluster {
  private constructor(
    readonly base: string,
    readonly nodes: TortureNode[],
    readonly links: LinkTable,
    private readonly proxies: LinkProxy[],
  ) {}

  /** Starts `size` nodes with proxied links; on any failure everything started is cleaned up. */
  static async start(size: number, prng: Prng, extraArgs: readonly string[] = []): Promise<TortureCluster> {
    assert(size >= 1 && size <= 9, 'cluster size must be within 1..9');
    const base = await mkdtemp(join(tmpdir(), 'cairn-torture-'));
    const links = new LinkTable(size);
    const proxies: LinkProxy[] = [];
    const cluster = new TortureCluster(base, [], links, proxies);
    try {
      const clientPorts: number[] = [];
      const peerPorts: number[] = [];
      for (let i = 0; i < size; i++) {
        clientPorts.push(await freePort());
        peerPorts.push(await freePort());
      }
      for (let i = 0; i < size; i++) {
        const peers: string[] = [];
        const clients: string[] = [];
        for (let j = 0; j < size; j++) {
          if (i === j) {
            peers.push(`n${j + 1}=127.0.0.1:${peerPorts[j]}`);
            clients.push(`n${j + 1}=127.0.0.1:${clientPorts[j]}`);
            continue;
          }
          const peerProxy = await LinkProxy.start(links, i, j, peerPorts[j]!, prng);
          const clientProxy = await LinkProxy.start(links, i, j, clientPorts[j]!, prng);
          proxies.push(peerProxy, clientProxy);
          peers.push(`n${j + 1}=127.0.0.1:${peerProxy.port}`);
          clients.push(`n${j + 1}=127.0.0.1:${clientProxy.port}`);
        }
        const dir = join(base, `n${i + 1}`);
        const args = [
          '--id', `n${i + 1}`, '--port', String(clientPorts[i]), '--peer-port', String(peerPorts[i]),
          '--peers', peers.join(','), '--client-addrs', clients.join(','), '--cluster-id', 'cairn-torture',
          '--dir', dir, ...extraArgs,
        ];
        cluster.nodes.push({ index: i, id: `n${i + 1}`, clientPort: clientPorts[i]!, peerPort: peerPorts[i]!, dir, args, proc: null, paused: false, stdout: '', stderr: '' });
      }
      await Promise.all(cluster.nodes.map((node) => cluster.startNode(node.index)));
    } catch (error) {
      await cluster.cleanup();
      throw error;
    }
    return cluster;
  }

  get size(): number {
    return this.nodes.length;
  }

  /** Spawns node i (again) with its original arguments and waits for its ready line. */
  async startNode(i: number): Promise<void> {
    const node = this.nodes[i]!;
    assert(node.proc === null, `${node.id} is already running`);
    const proc = spawn(process.execPath, ['--import', 'tsx', 'torture/node.ts', ...node.args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    node.proc = proc;
    node.paused = false;
    node.stdout = '';
    proc.stdout!.on('data', (chunk: Buffer) => (node.stdout = (node.stdout + chunk.toString()).slice(-MAX_STDERR_CHARS)));
    proc.stderr!.on('data', (chunk: Buffer) => (node.stderr = (node.stderr + chunk.toString()).slice(-MAX_STDERR_CHARS)));
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

  /** SIGKILL node i and wait until it is gone. */
  async kill(i: number): Promise<void> {
    const node = this.nodes[i]!;
    const proc = node.proc;
    if (proc === null) return;
    node.proc = null;
    node.paused = false;
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGKILL');
    await exited;
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

  /** Kills every node, closes every proxy and removes the data; safe to call more than once. */
  async cleanup(): Promise<void> {
    for (const node of this.nodes) this.resume(node.index);
    await Promise.all(this.nodes.map((node) => this.kill(node.index)));
    await Promise.all(this.proxies.splice(0).map((proxy) => proxy.close()));
    await rm(this.base, { recursive: true, force: true });
  }
}

export { freePort };
