// The torture network in network namespaces: each node in its own namespace with its own address
// (10.232.x.i/24 on a veth whose other end joins a bridge the campaign creates), the workload in
// the campaign's namespace on the bridge (10.232.x.254), so every byte between nodes crosses two
// real network stacks. Faults act on that network, per directed link (sender's side):
//   cut   — a blackhole route to the peer's /32 inside the sender's namespace;
//   delay — the kernel here has no netem, so a slow link instead: an htb class for that peer,
//           limited to a rate, with a byte queue holding `delayMs` worth of traffic at that rate
//           (a message waits behind what is queued; a full queue drops);
//   loss  — the blackhole route flipped on and off: each 100 ms slot cut with the loss rate.
// Only names and addresses this campaign created are ever touched.

import { assert } from '../src/lib/assert.js';
import type { Prng } from '../src/lib/prng.js';
import type { HostPort, LinkShape, TortureNet } from './net.js';
import { BatchShell, chooseSubnet, NetnsNames, run, runBatch, sweepLeftovers } from './netns-sys.js';

const CLIENT_PORT = 7000;
const PEER_PORT = 17000;
/** Loss flips each lossy link's route once per slot at most. */
const LOSS_SLOT_MS = 100;
/** An unshaped link's htb rate: far above what a veth carries here, so never the limit. */
const OPEN_RATE = '10gbit';
const OPEN_QUEUE_PACKETS = 1000;
/** A slow link's rate range (the nemesis picks within it). */
export const SLOW_MIN_KBIT = 256;
export const SLOW_MAX_KBIT = 2048;

interface LossyLink {
  readonly from: number;
  readonly to: number;
  readonly lossRate: number;
  cut: boolean;
}

export class NetnsNet implements TortureNet {
  readonly mode = 'netns';
  readonly description: string;
  private lossy: LossyLink[] = [];
  private lossTimer: NodeJS.Timeout | null = null;
  private shells = new Map<number, BatchShell>();
  private shaped = new Set<string>();
  private cleaned = false;

  private constructor(
    private readonly names: NetnsNames,
    private readonly subnet: string,
    private readonly size: number,
    private readonly prng: Prng,
  ) {
    this.description = `network namespaces ${names.namespace(0)}..${names.namespace(size - 1)} on bridge ${names.bridge} (${subnet}.0/24; workload at ${subnet}.254)`;
  }

  /** Creates the bridge, namespaces and veths (removing leftovers of dead campaigns first). */
  static async start(size: number, prng: Prng, log: (line: string) => void): Promise<NetnsNet> {
    assert(size >= 1 && size <= 9, 'cluster size must be within 1..9');
    const removed = await sweepLeftovers();
    if (removed.length > 0) log(`removed leftovers of crashed campaigns: ${removed.join(', ')}`);
    const names = new NetnsNames(process.pid);
    const net = new NetnsNet(names, await chooseSubnet(process.pid), size, prng);
    try {
      await net.build();
    } catch (error) {
      await net.cleanup();
      throw error;
    }
    return net;
  }

  private address(i: number): string {
    return `${this.subnet}.${i + 1}`;
  }

  /** htb class of the link to peer j (hex minor, 2.. so 1:1 stays the default class). */
  private classId(j: number): string {
    return `1:${(j + 2).toString(16)}`;
  }

  private async build(): Promise<void> {
    const { names, subnet } = this;
    const root = [`link add ${names.bridge} type bridge`, `addr add ${subnet}.254/24 dev ${names.bridge}`, `link set ${names.bridge} up`];
    for (let i = 0; i < this.size; i++) await run('ip', ['netns', 'add', names.namespace(i)]);
    for (let i = 0; i < this.size; i++) {
      root.push(`link add ${names.veth(i)} type veth peer name eth0 netns ${names.namespace(i)}`, `link set ${names.veth(i)} master ${names.bridge} up`);
    }
    await runBatch('ip', ['-batch', '-'], root);
    await Promise.all(Array.from({ length: this.size }, (_, i) => this.buildNode(i)));
  }

  private async buildNode(i: number): Promise<void> {
    const ns = this.names.namespace(i);
    await runBatch('ip', ['-n', ns, '-batch', '-'], ['link set lo up', `addr add ${this.address(i)}/24 dev eth0`, 'link set eth0 up']);
    const tc = [`qdisc add dev eth0 root handle 1: htb default 1`, `class add dev eth0 parent 1: classid 1:1 htb rate ${OPEN_RATE} quantum 1514`];
    for (let j = 0; j < this.size; j++) {
      if (j === i) continue;
      tc.push(
        `class add dev eth0 parent 1: classid ${this.classId(j)} htb rate ${OPEN_RATE} quantum 1514`,
        `qdisc add dev eth0 parent ${this.classId(j)} pfifo limit ${OPEN_QUEUE_PACKETS}`,
        `filter add dev eth0 parent 1: protocol ip prio 1 u32 match ip dst ${this.address(j)}/32 flowid ${this.classId(j)}`,
      );
    }
    await runBatch('tc', ['-n', ns, '-batch', '-'], tc);
  }

  describeShape(shape: LinkShape): string {
    if (shape.lossRate > 0) return `${Math.round(shape.lossRate * 100)}% of ${LOSS_SLOT_MS} ms slots blackholed (route flips)`;
    return `slow link: ${shape.slowRateKbit} kbit/s with a ${shape.delayMs} ms queue (no netem in this kernel)`;
  }

  clientAddress(i: number): HostPort {
    return { host: this.address(i), port: CLIENT_PORT };
  }

  memberAddresses(i: number): { peer: string; client: string } {
    return { peer: `${this.address(i)}:${PEER_PORT}`, client: `${this.address(i)}:${CLIENT_PORT}` };
  }

  nodeFlags(i: number, ids: readonly string[]): string[] {
    assert(ids.length === this.size, 'one id per node');
    const nodes = Array.from({ length: this.size }, (_, j) => j);
    return [
      '--host', this.address(i), '--port', String(CLIENT_PORT), '--peer-port', String(PEER_PORT),
      '--peers', nodes.map((j) => `${ids[j]}=${this.address(j)}:${PEER_PORT}`).join(','),
      '--client-addrs', nodes.map((j) => `${ids[j]}=${this.address(j)}:${CLIENT_PORT}`).join(','),
    ];
  }

  command(i: number, argv: readonly string[]): { file: string; args: string[] } {
    assert(argv.length > 0, 'a node command needs a program');
    return { file: 'ip', args: ['netns', 'exec', this.names.namespace(i), ...argv] };
  }

  async cut(from: number, to: number): Promise<void> {
    this.checkLink(from, to);
    await run('ip', ['-n', this.names.namespace(from), 'route', 'replace', 'blackhole', `${this.address(to)}/32`]);
  }

  async shape(from: number, to: number, shape: LinkShape): Promise<void> {
    this.checkLink(from, to);
    assert(shape.lossRate >= 0 && shape.lossRate <= 1, 'lossRate must be within [0, 1]');
    assert(shape.delayMs >= 0, 'delayMs must not be negative');
    if (shape.lossRate > 0) {
      this.lossy.push({ from, to, lossRate: shape.lossRate, cut: false });
      this.lossTimer ??= setInterval(() => this.flipLossyRoutes(), LOSS_SLOT_MS);
    }
    if (shape.delayMs > 0) {
      const rateKbit = shape.slowRateKbit;
      assert(rateKbit >= SLOW_MIN_KBIT && rateKbit <= SLOW_MAX_KBIT, `a slow link runs at ${SLOW_MIN_KBIT}..${SLOW_MAX_KBIT} kbit/s`);
      const queueBytes = Math.max(1514, Math.round((rateKbit * 1000) / 8 * (shape.delayMs / 1000)));
      this.shaped.add(`${from}:${to}`);
      await runBatch('tc', ['-n', this.names.namespace(from), '-batch', '-'], [
        `class change dev eth0 parent 1: classid ${this.classId(to)} htb rate ${rateKbit}kbit ceil ${rateKbit}kbit quantum 1514`,
        `qdisc replace dev eth0 parent ${this.classId(to)} bfifo limit ${queueBytes}`,
      ]);
    }
  }

  /** One loss slot: each lossy link is cut for the next slot with its loss rate. */
  private flipLossyRoutes(): void {
    for (const link of this.lossy) {
      const cut = this.prng.chance(link.lossRate);
      if (cut === link.cut) continue;
      link.cut = cut;
      let shell = this.shells.get(link.from);
      if (shell === undefined) {
        shell = new BatchShell(this.names.namespace(link.from));
        this.shells.set(link.from, shell);
      }
      try {
        shell.send(`route ${cut ? 'replace' : 'del'} blackhole ${this.address(link.to)}/32`);
      } catch {
        // The shell is gone or behind: skip this flip (the heal flushes every route anyway).
        link.cut = !cut;
      }
    }
  }

  async healAll(): Promise<void> {
    if (this.lossTimer !== null) clearInterval(this.lossTimer);
    this.lossTimer = null;
    this.lossy = [];
    // Every queued flip runs before the flush below.
    const shells = [...this.shells.values()];
    this.shells.clear();
    await Promise.all(shells.map((shell) => shell.close()));
    const shaped = [...this.shaped].map((key) => key.split(':').map(Number) as [number, number]);
    this.shaped.clear();
    await Promise.all([
      ...Array.from({ length: this.size }, (_, i) => run('ip', ['-n', this.names.namespace(i), 'route', 'flush', 'type', 'blackhole'])),
      ...shaped.map(([from, to]) =>
        runBatch('tc', ['-n', this.names.namespace(from), '-batch', '-'], [
          `class change dev eth0 parent 1: classid ${this.classId(to)} htb rate ${OPEN_RATE} quantum 1514`,
          `qdisc replace dev eth0 parent ${this.classId(to)} pfifo limit ${OPEN_QUEUE_PACKETS}`,
        ]),
      ),
    ]);
  }

  private checkLink(from: number, to: number): void {
    assert(Number.isInteger(from) && from >= 0 && from < this.size, `bad link source ${from}`);
    assert(Number.isInteger(to) && to >= 0 && to < this.size && to !== from, `bad link target ${to}`);
  }

  /** Kills anything still in the namespaces, then removes veths, namespaces and the bridge. */
  async cleanup(): Promise<void> {
    if (this.cleaned) return;
    this.cleaned = true;
    if (this.lossTimer !== null) clearInterval(this.lossTimer);
    this.lossTimer = null;
    await Promise.all([...this.shells.values()].map((shell) => shell.close()));
    this.shells.clear();
    for (let i = 0; i < this.size; i++) {
      const ns = this.names.namespace(i);
      const pids = (await run('ip', ['netns', 'pids', ns]).catch(() => '')).split('\n').map(Number).filter((p) => Number.isInteger(p) && p > 0);
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      // Deleting the campaign-side end removes the pair at once (a namespace's own teardown is lazy).
      await run('ip', ['link', 'del', this.names.veth(i)]).catch(() => undefined);
      await run('ip', ['netns', 'del', ns]).catch(() => undefined);
    }
    await run('ip', ['link', 'del', this.names.bridge]).catch(() => undefined);
  }
}
