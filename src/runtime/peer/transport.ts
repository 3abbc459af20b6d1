// TcpPeerTransport: io/Transport<Message> over node:net between Cairn nodes. It listens on the
// peer port for inbound connections (which only receive) and keeps one outbound link per peer
// (which only sends; see outbound.ts). Messages sent during one event-loop turn go out in one
// write per peer. Peers can be added, removed and re-addressed at runtime with setPeers(). Beside
// Raft messages it carries calls (call() and onCall(): a request/response channel, calls.ts) on
// the same authenticated connections.
// docs/TRANSPORT.md describes the wire format, handshake, backoff, bounds and failure handling.

import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { assert } from '../../lib/assert.js';
import { CairnError } from '../../lib/errors.js';
import type { NodeId, Transport } from '../../io/transport.js';
import type { Message } from '../../raft/types.js';
import { parsePeerAddress } from './address.js';
import { encodeMessage } from './codec.js';
import { CallServer, PeerCalls, type CallHandler } from './calls.js';
import { InboundConnection } from './inbound.js';
import { resolvePeerSettings } from './options.js';
import type { PeerMap, PeerSettings, PeerStats, TcpPeerTransportOptions } from './options.js';
import { PeerLink, type LinkEvents } from './outbound.js';
import { PeerTlsListener } from './secure.js';
import { ID_BYTES_MAX } from './wire.js';

export type { PeerMap, PeerStats, TcpPeerTransportOptions } from './options.js';

type Receiver = (from: NodeId, message: Message) => void;

function toEntries(peers: PeerMap): [string, string][] {
  return peers instanceof Map ? [...peers.entries()] : Object.entries(peers);
}

function checkId(name: string, id: string): void {
  const bytes = Buffer.byteLength(id, 'utf8');
  if (bytes === 0 || bytes > ID_BYTES_MAX) throw new CairnError('CAIRN_INVALID_ARGUMENT', `${name} must be 1..${ID_BYTES_MAX} bytes, got ${bytes}`);
}

export class TcpPeerTransport implements Transport<Message> {
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly inbound = new Set<InboundConnection>();
  private readonly dirty = new Set<PeerLink>();
  /** Links removed by setPeers whose sockets are still closing; close() waits for them. */
  private readonly closingLinks = new Set<Promise<void>>();
  /** close() waits on these: one per inbound connection still closing. */
  private readonly closeWaiters = new Map<InboundConnection, () => void>();
  private flushScheduled: NodeJS.Immediate | null = null;
  private readonly keepaliveTimer: NodeJS.Timeout;
  private receiver: Receiver | null = null;
  private closed = false;
  /** Messages for a node that is not a peer, or received before onReceive(). */
  private unroutable = 0;
  private readonly calls: PeerCalls;
  private readonly callServer: CallServer;
  private readonly linkEvents: LinkEvents;
  /** With peer TLS: where accepted sockets do their handshake before they become InboundConnections. */
  private readonly tlsListener: PeerTlsListener | null;

  private constructor(
    private readonly settings: PeerSettings,
    private readonly server: Server,
  ) {
    const calls = new PeerCalls(settings.maxFrameBytes);
    this.calls = calls;
    this.callServer = new CallServer(settings.maxFrameBytes, settings.log);
    this.linkEvents = {
      opened: (link) => calls.opened(link.id, link),
      disconnected: (peer, connection, why) => calls.disconnected(peer, connection, why),
      result: (peer, result) => calls.result(peer, result),
    };
    this.keepaliveTimer = setInterval(() => this.keepalive(), settings.keepaliveIntervalMs);
    this.keepaliveTimer.unref();
    const tls = settings.security.tls;
    this.tlsListener = tls === undefined ? null : new PeerTlsListener(tls, settings.connectTimeoutMs,
      (socket, remote) => this.open(socket, remote),
      (remote, error, notLoggedBefore) => settings.log('peer.inbound_tls_refused', { remote, error, ...(notLoggedBefore === 0 ? {} : { notLoggedBefore }) }));
    server.on('connection', (socket: Socket) => this.accept(socket));
  }

  /** Listens on the peer port, then dials the initial peers. */
  static async start(options: TcpPeerTransportOptions): Promise<TcpPeerTransport> {
    const settings = resolvePeerSettings(options);
    checkId('nodeId', settings.nodeId);
    checkId('clusterId', settings.clusterId);
    const server = createServer({ noDelay: true });
    server.maxConnections = settings.maxInboundConnections;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(new CairnError('CAIRN_IO', `cannot listen for peers on ${settings.listenHost}:${settings.listenPort}: ${error.message}`, { cause: error })));
      server.listen(settings.listenPort, settings.listenHost, () => resolve());
    });
    server.on('error', (error) => settings.log('peer.listener_error', { error: error.message }));
    const transport = new TcpPeerTransport(settings, server);
    settings.log('peer.listening', { nodeId: settings.nodeId, clusterId: settings.clusterId, host: settings.listenHost, port: transport.listenPort });
    if (options.peers !== undefined) transport.setPeers(options.peers);
    return transport;
  }

  /** The port the listener is bound to (useful with listenPort 0). */
  get listenPort(): number {
    const address = this.server.address() as AddressInfo | null;
    assert(address !== null && typeof address === 'object', 'the peer listener is not bound');
    return address.port;
  }

  send(to: NodeId, message: Message): void {
    if (this.closed) return;
    const link = this.links.get(to);
    if (link === undefined) {
      this.unroutable++;
      return;
    }
    // The receiving side drops the connection for a message that is not from us to it.
    if (message.to !== to || message.from !== this.settings.nodeId) {
      throw new CairnError('CAIRN_INVALID_ARGUMENT', `message ${message.from}->${message.to} sent as ${this.settings.nodeId}->${to}`);
    }
    link.enqueue(encodeMessage(message));
  }

  /**
   * Calls `to` with `payload` on this node's link to it; resolves with its answer. Rejects with
   * CallNotSentError when `to` surely never ran it (retrying is safe), CAIRN_TIMEOUT when it was
   * sent and no answer came (the connection broke, or timeoutMs passed): outcome unknown.
   */
  call(to: NodeId, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    return this.calls.call(to, this.links.get(to), payload, timeoutMs);
  }

  /** Registers the one handler of calls from peers (until then they are refused unrun). */
  onCall(handler: CallHandler): void {
    this.callServer.onCall(handler);
  }

  onReceive(receiver: Receiver): void {
    assert(this.receiver === null, 'onReceive registers the one receiver, once');
    this.receiver = receiver;
  }

  /**
   * Makes the peer set exactly `peers` (the node's own id is skipped): new peers are dialled, removed
   * ones closed with their queues, and a changed address redialled. Addresses are checked first,
   * so a bad one throws CAIRN_INVALID_ARGUMENT and changes nothing.
   */
  setPeers(peers: PeerMap): void {
    if (this.closed) return; // a membership change applied during shutdown has nobody to dial
    const wanted = new Map<string, string>();
    for (const [id, address] of toEntries(peers)) {
      checkId('peer id', id);
      parsePeerAddress(address);
      if (id !== this.settings.nodeId) wanted.set(id, address);
    }
    for (const [id, link] of this.links) {
      if (wanted.has(id)) continue;
      this.links.delete(id);
      this.dirty.delete(link);
      this.settings.log('peer.removed', { peer: id });
      const closing = link.close();
      this.closingLinks.add(closing);
      void closing.finally(() => this.closingLinks.delete(closing));
    }
    for (const [id, address] of wanted) {
      const link = this.links.get(id);
      if (link !== undefined) {
        link.setAddress(address);
        continue;
      }
      this.settings.log('peer.added', { peer: id, address });
      this.links.set(id, new PeerLink(id, address, this.settings, (l) => this.requestFlush(l), this.linkEvents));
    }
  }

  /** One entry per peer, sorted by id: for INFO, CLUSTER INFO and /metrics. */
  stats(): PeerStats[] {
    return [...this.links.values()].map((link) => link.stats()).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Messages dropped because the target was not a peer or no receiver was registered yet. */
  get unroutableMessages(): number {
    return this.unroutable;
  }

  /** Stops listening, closes every connection and timer; resolves when all sockets are closed. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.calls.close();
    this.callServer.close();
    clearInterval(this.keepaliveTimer);
    this.tlsListener?.close();
    if (this.flushScheduled !== null) clearImmediate(this.flushScheduled);
    this.flushScheduled = null;
    const serverClosed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const inboundClosed = [...this.inbound].map((connection) => new Promise<void>((resolve) => {
      if (connection.isClosed) resolve();
      else {
        this.closeWaiters.set(connection, resolve);
        connection.destroy();
      }
    }));
    const linksClosed = [...this.links.values()].map((link) => link.close());
    this.links.clear();
    this.dirty.clear();
    await Promise.all([serverClosed, ...inboundClosed, ...linksClosed, ...this.closingLinks]);
    this.settings.log('peer.closed', { nodeId: this.settings.nodeId });
  }

  private accept(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    if (this.tlsListener !== null) this.tlsListener.accept(socket);
    else this.open(socket, `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`);
  }

  /** A connection ready for HELLO: accepted plain, or after a TLS handshake that verified the dialler's chain. */
  private open(socket: Socket, remote: string): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    const connection = new InboundConnection(socket, this.settings, {
      accepted: (peerId) => this.links.get(peerId)?.peerIsUp(),
      deliver: (peerId, message) => this.deliver(peerId, message),
      call: (peerId, call, from) => this.callServer.serve(peerId, call, (frame) => from.sendResult(frame)),
      closed: (c) => {
        this.inbound.delete(c);
        this.closeWaiters.get(c)?.();
        this.closeWaiters.delete(c);
      },
    }, remote);
    this.inbound.add(connection);
  }

  private deliver(peerId: string, message: Message): void {
    if (this.closed) return;
    this.links.get(peerId)?.countReceived();
    if (this.receiver === null) {
      this.unroutable++;
      return;
    }
    this.receiver(peerId, message);
  }

  /** Every link asking in this turn is flushed once, after the turn: one write per peer. */
  private requestFlush(link: PeerLink): void {
    this.dirty.add(link);
    if (this.flushScheduled !== null) return;
    this.flushScheduled = setImmediate(() => {
      this.flushScheduled = null;
      const links = [...this.dirty];
      this.dirty.clear();
      for (const l of links) l.flush();
    });
  }

  private keepalive(): void {
    const nowMs = performance.now();
    for (const connection of this.inbound) connection.sendKeepalive();
    for (const link of this.links.values()) link.checkSilence(nowMs);
  }
}
