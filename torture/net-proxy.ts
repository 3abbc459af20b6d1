// The fallback torture network: every node on loopback with free ports, and for every ordered
// pair (i, j) two LinkProxy instances in front of j's peer and client ports that node i dials
// instead, so the LinkTable can cut, delay or thin each direction (proxy.ts says how).

import { assert } from '../src/lib/assert.js';
import type { Prng } from '../src/lib/prng.js';
import { freePort } from '../test/support/free-port.js';
import { LinkTable, OPEN } from './links.js';
import type { HostPort, LinkShape, TortureNet } from './net.js';
import { LinkProxy } from './proxy.js';

const HOST = '127.0.0.1';

export class ProxyNet implements TortureNet {
  readonly mode = 'proxy';
  readonly description = 'fault proxies on loopback (one per direction and port of every pair of nodes)';

  private constructor(
    private readonly clientPorts: readonly number[],
    private readonly peerPorts: readonly number[],
    /** proxies[i][j]: node i's way to node j's peer and client ports (undefined for i = j). */
    private readonly proxies: ({ peer: LinkProxy; client: LinkProxy } | undefined)[][],
    private readonly links: LinkTable,
  ) {}

  static async start(size: number, prng: Prng): Promise<ProxyNet> {
    assert(size >= 1 && size <= 9, 'cluster size must be within 1..9');
    const links = new LinkTable(size);
    const clientPorts: number[] = [];
    const peerPorts: number[] = [];
    for (let i = 0; i < size; i++) {
      clientPorts.push(await freePort());
      peerPorts.push(await freePort());
    }
    const proxies: ({ peer: LinkProxy; client: LinkProxy } | undefined)[][] = [];
    const net = new ProxyNet(clientPorts, peerPorts, proxies, links);
    try {
      for (let i = 0; i < size; i++) {
        const row: ({ peer: LinkProxy; client: LinkProxy } | undefined)[] = [];
        proxies.push(row);
        for (let j = 0; j < size; j++) {
          row.push(i === j ? undefined : { peer: await LinkProxy.start(links, i, j, peerPorts[j]!, prng), client: await LinkProxy.start(links, i, j, clientPorts[j]!, prng) });
        }
      }
    } catch (error) {
      await net.cleanup();
      throw error;
    }
    return net;
  }

  describeShape(shape: LinkShape): string {
    if (shape.lossRate === 0) return `+${shape.delayMs} ms per chunk`;
    return `${Math.round(shape.lossRate * 100)}% of chunks lost (200 ms retransmit, 5% of those reset)`;
  }

  clientAddress(i: number): HostPort {
    return { host: HOST, port: this.clientPorts[i]! };
  }

  memberAddresses(i: number): { peer: string; client: string } {
    // One address for everyone: links to a re-added member bypass the proxies (see TORTURE.md).
    return { peer: `${HOST}:${this.peerPorts[i]}`, client: `${HOST}:${this.clientPorts[i]}` };
  }

  nodeFlags(i: number, ids: readonly string[]): string[] {
    assert(ids.length === this.clientPorts.length, 'one id per node');
    const peers: string[] = [];
    const clients: string[] = [];
    for (let j = 0; j < this.clientPorts.length; j++) {
      const via = this.proxies[i]![j];
      peers.push(`${ids[j]}=${HOST}:${via === undefined ? this.peerPorts[j] : via.peer.port}`);
      clients.push(`${ids[j]}=${HOST}:${via === undefined ? this.clientPorts[j] : via.client.port}`);
    }
    return ['--host', HOST, '--port', String(this.clientPorts[i]), '--peer-port', String(this.peerPorts[i]), '--peers', peers.join(','), '--client-addrs', clients.join(',')];
  }

  command(_i: number, argv: readonly string[]): { file: string; args: string[] } {
    assert(argv.length > 0, 'a node command needs a program');
    return { file: argv[0]!, args: argv.slice(1) };
  }

  cut(from: number, to: number): Promise<void> {
    this.links.set(from, to, { ...OPEN, cut: true });
    return Promise.resolve();
  }

  shape(from: number, to: number, shape: LinkShape): Promise<void> {
    this.links.set(from, to, { cut: false, delayMs: shape.delayMs, lossRate: shape.lossRate });
    return Promise.resolve();
  }

  healAll(): Promise<void> {
    this.links.healAll();
    return Promise.resolve();
  }

  async cleanup(): Promise<void> {
    const all = this.proxies.splice(0).flat().flatMap((via) => (via === undefined ? [] : [via.peer, via.client]));
    await Promise.all(all.map((proxy) => proxy.close()));
  }
}
