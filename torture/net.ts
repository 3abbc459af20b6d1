// What the nemesis and the cluster need from the network the torture nodes run on: each node's
// listen flags and the addresses peers and clients reach it at, and per-direction link faults
// (cut, slow, lossy) with one heal for all. Two implementations: network namespaces on a bridge
// (net-netns.ts, real packets between real network stacks) and fault proxies on loopback
// (net-proxy.ts, the fallback when not root or `ip netns` is unavailable).

export type NetMode = 'netns' | 'proxy';

/** A link fault short of a cut: extra delay and loss, each in this network's own terms. */
export interface LinkShape {
  readonly delayMs: number;
  /** Where delay cannot be added as such (netns without netem): the slow link's rate, kbit/s. */
  readonly slowRateKbit: number;
  /** Share of traffic lost, within [0, 1]. */
  readonly lossRate: number;
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface TortureNet {
  readonly mode: NetMode;
  /** One line saying what this network is and where (printed at the start of a campaign). */
  readonly description: string;
  /** What `delay` and `loss` mean on this network (for the fault log). */
  describeShape(shape: LinkShape): string;
  /** Where the workload (in the campaign's own namespace) reaches node i's client port. */
  clientAddress(i: number): HostPort;
  /** The addresses CLUSTER ADDNODE announces for node i (peer, client), as every other node reaches it. */
  memberAddresses(i: number): { readonly peer: string; readonly client: string };
  /** --host/--port/--peer-port/--peers/--client-addrs for node i, naming node j by ids[j]. */
  nodeFlags(i: number, ids: readonly string[]): string[];
  /** The command that runs `argv` as node i (inside its namespace, or as is). */
  command(i: number, argv: readonly string[]): { readonly file: string; readonly args: string[] };
  /** Stops traffic from node `from` to node `to` (one direction) until healed. */
  cut(from: number, to: number): Promise<void>;
  /** Slows or thins traffic from `from` to `to` until healed. */
  shape(from: number, to: number, shape: LinkShape): Promise<void>;
  /** Opens every link in both directions. */
  healAll(): Promise<void>;
  /** Removes everything this network created; safe to call more than once. */
  cleanup(): Promise<void>;
}
