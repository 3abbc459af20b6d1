// A fault-injecting TCP proxy on loopback for one directed pair of nodes: node `from` dials the
// proxy instead of node `to`, and every chunk is forwarded under the LinkTable's fault for its
// direction (from->to upstream, to->from downstream). A cut holds bytes back (the source socket is
// paused once a bounded amount is held), as TCP behind a DROP rule would retransmit until the link
// heals; delay and loss shift delivery times but never reorder a stream.

import { createServer, connect, type Server, type Socket } from 'node:net';
import { assert } from '../src/lib/assert.js';
import type { Prng } from '../src/lib/prng.js';
import type { LinkTable } from './links.js';

/** Bytes held in one direction before the source socket is paused. */
const MAX_HELD_BYTES = 4 * 1024 * 1024;
/** What one "lost" chunk costs: roughly TCP's minimum retransmission timeout. */
const RETRANSMIT_MS = 200;
/** Of lost chunks, this share also resets the connection (loss bad enough that TCP gives up). */
const RESET_SHARE = 0.05;
/** Most connections one proxy keeps; more are refused (a runaway dialer cannot exhaust memory). */
const MAX_CONNECTIONS = 64;

interface Held {
  readonly chunk: Buffer;
  readonly releaseAtMs: number;
}

/** One direction of one proxied connection. */
class Pump {
  private readonly queue: Held[] = [];
  private heldBytes = 0;
  private lastReleaseMs = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly source: Socket,
    private readonly sink: Socket,
    private readonly links: LinkTable,
    private readonly from: number,
    private readonly to: number,
    private readonly prng: Prng,
  ) {
    source.on('data', (chunk: Buffer) => this.push(chunk));
  }

  private push(chunk: Buffer): void {
    const fault = this.links.get(this.from, this.to);
    let releaseAtMs = Date.now() + fault.delayMs;
    if (fault.lossRate > 0 && this.prng.chance(fault.lossRate)) {
      if (this.prng.chance(RESET_SHARE)) {
        this.source.destroy();
        this.sink.destroy();
        return;
      }
      releaseAtMs += RETRANSMIT_MS;
    }
    // Never reorder: a chunk leaves no earlier than the one before it.
    releaseAtMs = Math.max(releaseAtMs, this.lastReleaseMs);
    this.lastReleaseMs = releaseAtMs;
    this.queue.push({ chunk, releaseAtMs });
    this.heldBytes += chunk.length;
    if (this.heldBytes > MAX_HELD_BYTES) this.source.pause();
    this.drain();
  }

  /** Delivers what is due; called on every push, timer and link change. */
  drain(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.sink.destroyed || this.links.get(this.from, this.to).cut) return;
    const nowMs = Date.now();
    while (this.queue.length > 0 && this.queue[0]!.releaseAtMs <= nowMs) {
      const held = this.queue.shift()!;
      this.heldBytes -= held.chunk.length;
      this.sink.write(held.chunk);
    }
    assert(this.heldBytes >= 0, 'held byte count went negative');
    if (this.heldBytes <= MAX_HELD_BYTES && this.source.isPaused()) this.source.resume();
    if (this.queue.length > 0) {
      this.timer = setTimeout(() => this.drain(), Math.max(1, this.queue[0]!.releaseAtMs - nowMs));
    }
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
    this.heldBytes = 0;
  }
}

export class LinkProxy {
  private readonly server: Server;
  private readonly connections = new Set<{ client: Socket; upstream: Socket; pumps: Pump[] }>();
  private readonly unsubscribe: () => void;

  private constructor(
    server: Server,
    readonly port: number,
    links: LinkTable,
  ) {
    this.server = server;
    this.unsubscribe = links.onChange(() => {
      for (const connection of this.connections) for (const pump of connection.pumps) pump.drain();
    });
  }

  /** Listens on a free loopback port and forwards to 127.0.0.1:targetPort as link from->to. */
  static async start(links: LinkTable, from: number, to: number, targetPort: number, prng: Prng): Promise<LinkProxy> {
    assert(from !== to, 'a proxy joins two different nodes');
    assert(targetPort > 0 && targetPort < 65536, `bad target port ${targetPort}`);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    assert(address !== null && typeof address === 'object', 'proxy has no address');
    const proxy = new LinkProxy(server, address.port, links);
    server.on('connection', (client) => proxy.accept(client, links, from, to, targetPort, prng));
    return proxy;
  }

  private accept(client: Socket, links: LinkTable, from: number, to: number, targetPort: number, prng: Prng): void {
    if (this.connections.size >= MAX_CONNECTIONS) {
      client.destroy();
      return;
    }
    client.setNoDelay(true);
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    upstream.setNoDelay(true);
    const pumps = [new Pump(client, upstream, links, from, to, prng), new Pump(upstream, client, links, to, from, prng)];
    const connection = { client, upstream, pumps };
    this.connections.add(connection);
    const close = (): void => {
      if (!this.connections.delete(connection)) return;
      for (const pump of pumps) pump.stop();
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', close);
      socket.on('close', close);
    }
  }

  /** Drops every connection through this proxy (as when the node behind it dies). */
  resetConnections(): void {
    for (const connection of [...this.connections]) {
      connection.client.destroy();
      connection.upstream.destroy();
    }
  }

  async close(): Promise<void> {
    this.unsubscribe();
    this.resetConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
