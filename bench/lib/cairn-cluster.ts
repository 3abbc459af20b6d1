// A Cairn cluster for the bench: N replicated node processes (runClusterNode, what
// `cairn server --id --peers` runs, started through the bench script's `--node` mode) on free loopback ports with temp data dirs, default timings and fsync always.
// Members are killed (-9) and restarted on their data dirs for the failover rounds; every
// process and dir belongs to the caller's Procs, which removes them.
import { join } from 'node:path';
import { assert } from '../../src/lib/assert.js';
import type { BenchCluster, KvConnection } from './kv-connection.js';
import { MemberProcesses, startTimeoutMs } from './member-processes.js';
import { freePort, waitFor, type Child, type Procs } from './procs.js';
import { RespConnection } from './resp-connection.js';

const infoTimeoutMs = 2_000;

interface CairnMember {
  readonly id: string;
  readonly port: number;
  readonly peerPort: number;
  readonly dir: string;
  child: Child | null;
}

/** Extra flags per member (peer TLS files), and the name the bench prints. */
export interface CairnVariant {
  readonly name: string;
  memberArgs(id: string): readonly string[];
}

const plainVariant: CairnVariant = { name: 'cairn', memberArgs: () => [] };

export class CairnCluster extends MemberProcesses<CairnMember> implements BenchCluster {
  readonly name: string;

  private constructor(
    procs: Procs,
    members: CairnMember[],
    private readonly nodeCommand: readonly string[],
    readonly callTimeoutMs: number,
    private readonly variant: CairnVariant,
  ) {
    super(procs, members);
    this.name = variant.name;
  }

  /** Starts `size` members; `nodeCommand` (node's arguments up to the node flags) runs runClusterNode. */
  static async start(procs: Procs, size: number, callTimeoutMs: number, nodeCommand: readonly string[], variant: CairnVariant = plainVariant): Promise<CairnCluster> {
    assert(nodeCommand.length > 0, 'a command that runs a node');
    assert(size >= 1 && size <= 9, 'cluster size 1..9');
    const base = await procs.tempDir('cairn-bench-cluster-');
    const members: CairnMember[] = [];
    for (let i = 1; i <= size; i++) {
      members.push({ id: `n${i}`, port: await freePort(), peerPort: await freePort(), dir: join(base, `n${i}`), child: null });
    }
    const cluster = new CairnCluster(procs, members, nodeCommand, callTimeoutMs, variant);
    await Promise.all(members.map((_, i) => cluster.startMember(i)));
    await cluster.leader(startTimeoutMs);
    return cluster;
  }

  port(member: number): number {
    return this.members[member]!.port;
  }

  connect(member: number): Promise<KvConnection> {
    return RespConnection.open(this.members[member]!.port, this.callTimeoutMs);
  }

  async leader(timeoutMs: number): Promise<number> {
    return waitFor('a Cairn leader every live member agrees on', async () => {
      const infos = await Promise.all(this.live().map((i) => this.info(i).catch(() => undefined)));
      const first = infos[0]?.['cairn_leader'];
      if (first === undefined || first === '' || infos.some((info) => info?.['cairn_leader'] !== first)) return undefined;
      const index = this.members.findIndex((m) => m.id === first);
      return this.live().includes(index) ? index : undefined;
    }, timeoutMs);
  }

  protected async appliedIndex(member: number): Promise<number> {
    return Number((await this.info(member))['cairn_applied_index']);
  }

  /** Starts a stopped member on its data dir, without waiting for it to catch up. */
  async startAgain(member: number): Promise<void> {
    assert(this.members[member]!.child === null, `member ${member} is still running`);
    await this.startMember(member);
  }

  /** The tail of a member's stdout and stderr (its JSON log lines), '' when it is not running. */
  output(member: number): string {
    return this.members[member]!.child?.output() ?? '';
  }

  /** SIGTERM every member and wait for the exits (a clean exit lets node write --cpu-prof files). */
  async stopAll(timeoutMs: number): Promise<void> {
    await Promise.all(this.live().map(async (i) => {
      const child = this.members[i]!.child!;
      const exited = new Promise<void>((resolve) => child.proc.once('exit', () => resolve()));
      child.proc.kill('SIGTERM');
      await waitFor(`${this.members[i]!.id} to exit`, () => (child.alive() ? undefined : true), timeoutMs);
      await exited;
      this.members[i]!.child = null;
    }));
  }

  /** CLUSTER INFO of one member as fields. */
  async info(member: number): Promise<Record<string, string>> {
    const connection = await RespConnection.open(this.members[member]!.port, infoTimeoutMs);
    try {
      const reply = await connection.call([Buffer.from('CLUSTER'), Buffer.from('INFO')]);
      if (reply.type !== 'bulk') throw new Error(`CLUSTER INFO answered ${reply.type}`);
      const lines = reply.value.toString().split('\r\n').filter((l) => l.includes(':'));
      return Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]));
    } finally {
      connection.close();
    }
  }

  protected async startMember(i: number): Promise<void> {
    const m = this.members[i]!;
    const peers = this.members.map((p) => `${p.id}=127.0.0.1:${p.peerPort}`).join(',');
    const clientAddrs = this.members.map((p) => `${p.id}=127.0.0.1:${p.port}`).join(',');
    const args = [
      ...this.nodeCommand, '--id', m.id, '--host', '127.0.0.1', '--port', String(m.port), '--peer-port', String(m.peerPort),
      '--peers', peers, '--client-addrs', clientAddrs, '--dir', m.dir, ...this.variant.memberArgs(m.id),
    ];
    const child = this.procs.spawn(`cairn ${m.id}`, process.execPath, args);
    m.child = child;
    await waitFor(`cairn ${m.id} to be ready`, () => {
      if (!child.alive()) throw new Error(`cairn ${m.id} exited: ${child.output().slice(-2000)}`);
      return child.output().includes(' ready on ') ? true : undefined;
    }, startTimeoutMs);
  }
}
