// An etcd cluster for the bench: N `etcd` members (Debian's etcd-server) with --initial-cluster
// on free loopback ports, temp --data-dirs and default fsync and timings. Members are killed (-9)
// and restarted on their data dirs for the failover rounds; the leader is found through
// /v3/maintenance/status. Every process and dir belongs to the caller's Procs.
import { join } from 'node:path';
import { assert } from '../../src/lib/assert.js';
import { EtcdConnection } from './etcd-connection.js';
import type { BenchCluster, KvConnection } from './kv-connection.js';
import { MemberProcesses, startTimeoutMs } from './member-processes.js';
import { freePort, waitFor, type Child, type Procs } from './procs.js';

const statusTimeoutMs = 2_000;

interface EtcdMember {
  readonly name: string;
  readonly clientPort: number;
  readonly peerPort: number;
  readonly dir: string;
  child: Child | null;
}

export class EtcdCluster extends MemberProcesses<EtcdMember> implements BenchCluster {
  readonly name = 'etcd';

  private constructor(procs: Procs, members: EtcdMember[], readonly callTimeoutMs: number) {
    super(procs, members);
  }

  static async start(procs: Procs, size: number, callTimeoutMs: number): Promise<EtcdCluster> {
    assert(size >= 1 && size <= 9, 'cluster size 1..9');
    const base = await procs.tempDir('cairn-bench-etcd-');
    const members: EtcdMember[] = [];
    for (let i = 1; i <= size; i++) {
      members.push({ name: `e${i}`, clientPort: await freePort(), peerPort: await freePort(), dir: join(base, `e${i}`), child: null });
    }
    const cluster = new EtcdCluster(procs, members, callTimeoutMs);
    await Promise.all(members.map((_, i) => cluster.startMember(i)));
    await cluster.leader(startTimeoutMs);
    return cluster;
  }

  clientPort(member: number): number {
    return this.members[member]!.clientPort;
  }

  async connect(member: number, maxInFlight = 1): Promise<KvConnection> {
    return new EtcdConnection(this.members[member]!.clientPort, this.callTimeoutMs, maxInFlight);
  }

  async leader(timeoutMs: number): Promise<number> {
    return waitFor('an etcd leader every live member agrees on', async () => {
      const live = this.live();
      const statuses = await Promise.all(live.map((i) => this.status(i).catch(() => undefined)));
      const leaderId = statuses[0]?.leaderId;
      if (leaderId === undefined || leaderId === '0' || statuses.some((s) => s?.leaderId !== leaderId)) return undefined;
      const at = statuses.findIndex((s) => s?.memberId === leaderId);
      return at >= 0 ? live[at] : undefined;
    }, timeoutMs);
  }

  private async status(member: number): Promise<{ memberId: string; leaderId: string }> {
    const connection = new EtcdConnection(this.members[member]!.clientPort, statusTimeoutMs);
    try {
      return await connection.status();
    } finally {
      connection.close();
    }
  }

  protected async appliedIndex(member: number): Promise<number> {
    const connection = new EtcdConnection(this.members[member]!.clientPort, statusTimeoutMs);
    try {
      const body = await connection.post('/v3/maintenance/status', {});
      return Number(body['raftAppliedIndex'] ?? body['raftIndex'] ?? 0);
    } finally {
      connection.close();
    }
  }

  protected async startMember(i: number): Promise<void> {
    const m = this.members[i]!;
    const url = (port: number): string => `http://127.0.0.1:${port}`;
    const initialCluster = this.members.map((p) => `${p.name}=${url(p.peerPort)}`).join(',');
    const args = [
      '--name', m.name, '--data-dir', m.dir,
      '--listen-client-urls', url(m.clientPort), '--advertise-client-urls', url(m.clientPort),
      '--listen-peer-urls', url(m.peerPort), '--initial-advertise-peer-urls', url(m.peerPort),
      '--initial-cluster', initialCluster, '--initial-cluster-token', 'cairn-bench', '--initial-cluster-state', 'new',
      '--logger', 'zap', '--log-level', 'error',
    ];
    const child = this.procs.spawn(`etcd ${m.name}`, 'etcd', args);
    m.child = child;
    await waitFor(`etcd ${m.name} to listen`, async () => {
      if (!child.alive()) throw new Error(`etcd ${m.name} exited: ${child.output().slice(-2000)}`);
      return (await this.status(i).catch(() => undefined)) !== undefined ? true : undefined;
    }, startTimeoutMs);
  }
}
