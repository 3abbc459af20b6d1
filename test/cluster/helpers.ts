// Test helpers for real clusters: N node processes (test/cluster/fixtures/run-node.ts, the code
// `cairn server --id --peers` runs) on free ports with temp data dirs, started, killed (-9),
// stopped and restarted one by one; every process is killed and every dir removed in cleanup().
// By default every node gets --client-addrs (overrides naming every member's client port); with
// `announce: true` none does, and the members learn each other's client addresses from the members
// themselves, on ports laid out so that no two nodes share one client/peer port offset.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerReply } from '../../src/resp/reply-parser.js';
import { freePort, RawClient, show, waitFor } from '../server/helpers.js';
import { entryArgs } from '../support/bundled-entry.js';

export { freePort, RawClient, show, waitFor };

const root = new URL('../../', import.meta.url).pathname;

export interface StartOptions {
  /** No --client-addrs, and ports without a common client/peer offset: members announce their addresses. */
  readonly announce?: boolean;
  /** How many of the nodes to start now (the rest with startNode later); all by default. */
  readonly started?: number;
}

export interface NodeHandle {
  readonly id: string;
  /** The client port; a test may move it before restarting the node. */
  port: number;
  readonly peerPort: number;
  /** /health and /metrics. */
  /** Replaced when another process took it before the node bound it (startNode). */
  httpPort: number;
  readonly dir: string;
  proc: ChildProcess | null;
  out: string;
  err: string;
}

export class TestCluster {
  private constructor(
    readonly base: string,
    readonly nodes: NodeHandle[],
    private readonly extraArgs: readonly string[],
    private readonly withClientAddrs: boolean,
  ) {}

  static async start(size: number, extraArgs: readonly string[] = [], options: StartOptions = {}): Promise<TestCluster> {
    const base = await mkdtemp(join(tmpdir(), 'cairn-cluster-test-'));
    const nodes: NodeHandle[] = [];
    const ports = await portLayout(size, options.announce === true);
    for (let i = 1; i <= size; i++) {
      nodes.push({ id: `n${i}`, ...ports[i - 1]!, httpPort: await freePort(), dir: join(base, `n${i}`), proc: null, out: '', err: '' });
    }
    const cluster = new TestCluster(base, nodes, extraArgs, options.announce !== true);
    try {
      await Promise.all(nodes.slice(0, options.started ?? size).map((_, i) => cluster.startNode(i)));
    } catch (error) {
      await cluster.cleanup();
      throw error;
    }
    return cluster;
  }

  get peers(): string {
    return this.nodes.map((n) => `${n.id}=127.0.0.1:${n.peerPort}`).join(',');
  }

  get clientAddrs(): string {
    return this.nodes.map((n) => `${n.id}=127.0.0.1:${n.port}`).join(',');
  }

  /** A further node on fresh ports that joins the running cluster (add it with CLUSTER ADDNODE). */
  async startJoiningNode(clusterId: string): Promise<number> {
    const i = this.nodes.length;
    this.nodes.push({ id: `n${i + 1}`, port: await freePort(), peerPort: await freePort(), httpPort: await freePort(), dir: join(this.base, `n${i + 1}`), proc: null, out: '', err: '' });
    await this.startNode(i, ['--join', '--cluster-id', clusterId]);
    return i;
  }

  /**
   * Spawns node i and resolves once it prints its ready line. Its HTTP port is known to nobody
   * else, so when another process took it between freePort() and the bind (two test files run at
   * once), the node is started again on a fresh one.
   */
  async startNode(i: number, more: readonly string[] = []): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.spawnNode(i, more);
      } catch (error) {
        const node = this.nodes[i]!;
        if (attempt >= 3 || !/cannot listen for HTTP .*EADDRINUSE/.test(node.err.slice(-2000))) throw error;
        node.httpPort = await freePort();
      }
    }
  }

  private async spawnNode(i: number, more: readonly string[]): Promise<void> {
    const node = this.nodes[i]!;
    const args = [
      ...(await entryArgs('test/cluster/fixtures/run-node.ts')),
      '--id', node.id, '--port', String(node.port), '--peer-port', String(node.peerPort), '--http-port', String(node.httpPort),
      '--peers', this.peers, ...(this.withClientAddrs ? ['--client-addrs', this.clientAddrs] : []), '--dir', node.dir, ...this.extraArgs, ...more,
    ];
    const proc = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    node.proc = proc;
    node.out = '';
    proc.stdout.on('data', (chunk: Buffer) => (node.out += chunk.toString()));
    proc.stderr.on('data', (chunk: Buffer) => (node.err = (node.err + chunk.toString()).slice(-200_000)));
    await waitFor(`${node.id} ready`, () => {
      if (proc.exitCode !== null) throw new Error(`${node.id} exited ${proc.exitCode}: ${node.err.slice(-2000)}`);
      return node.out.includes(' ready on ') ? true : undefined;
    }, 30_000);
  }

  /** kill -9 node i and wait for it to be gone. */
  async kill(i: number): Promise<void> {
    await this.signal(i, 'SIGKILL');
  }

  /** SIGTERM node i (graceful: hands leadership over) and wait for it to exit. */
  async stop(i: number): Promise<void> {
    await this.signal(i, 'SIGTERM');
  }

  private async signal(i: number, signal: NodeJS.Signals): Promise<void> {
    const proc = this.nodes[i]!.proc;
    if (proc === null) return;
    this.nodes[i]!.proc = null;
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    await exited;
  }

  live(): number[] {
    return this.nodes.flatMap((n, i) => (n.proc === null ? [] : [i]));
  }

  /** The index of the node every live node agrees leads, once they all do. */
  async leader(timeoutMs = 15_000): Promise<number> {
    return waitFor('one leader every live node agrees on', async () => {
      const leaders = await Promise.all(this.live().map(async (i) => (await this.info(i).catch(() => undefined))?.cairn_leader));
      const first = leaders[0];
      if (first === undefined || first === '' || leaders.some((l) => l !== first)) return undefined;
      const index = this.nodes.findIndex((n) => n.id === first);
      return index >= 0 && this.nodes[index]!.proc !== null ? index : undefined;
    }, timeoutMs);
  }

  /** CLUSTER INFO of node i as fields. */
  async info(i: number): Promise<Record<string, string>> {
    const at = this.extraArgs.indexOf('--requirepass');
    const client = await RawClient.connect(this.nodes[i]!.port);
    let reply: ServerReply;
    try {
      if (at >= 0) await client.call('AUTH', this.extraArgs[at + 1]!);
      reply = await client.call('CLUSTER', 'INFO');
    } finally {
      client.close();
    }
    if (reply.type !== 'bulk') throw new Error(`CLUSTER INFO: ${JSON.stringify(show(reply))}`);
    // Split at the first colon only: a value may hold one (cairn_client_address is host:port).
    return Object.fromEntries(reply.value.toString().split('\r\n').filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]));
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.nodes.map((_, i) => this.kill(i)));
    await rm(this.base, { recursive: true, force: true });
  }
}

/** Client and peer ports; uneven: the client ports handed out in reverse, so every node has its own offset. */
async function portLayout(size: number, uneven: boolean): Promise<{ port: number; peerPort: number }[]> {
  const pairs: { port: number; peerPort: number }[] = [];
  for (let i = 0; i < size; i++) pairs.push({ port: await freePort(), peerPort: await freePort() });
  if (!uneven) return pairs;
  const clientPorts = pairs.map((p) => p.port).reverse();
  const laid = pairs.map((p, i) => ({ port: clientPorts[i]!, peerPort: p.peerPort }));
  if (new Set(laid.map((p) => p.peerPort - p.port)).size !== size) throw new Error(`ports share an offset: ${JSON.stringify(laid)}`);
  return laid;
}

/** One command on a fresh connection. */
export async function call(port: number, ...args: string[]): Promise<ServerReply> {
  const client = await RawClient.connect(port);
  try {
    return await client.call(...args);
  } finally {
    client.close();
  }
}
