// Options of the TCP peer transport, their defaults and validation, and the per-peer stats it
// reports. Every limit here bounds memory or time: queues, frames, batches, dial and silence.

import { CairnError } from '../../lib/errors.js';
import type { PeerSecurity } from './secure.js';
import { FRAME_BYTES_MAX_DEFAULT } from './wire.js';

/** Structured log callback; the node passes pino or a plain logger. Never called with secrets. */
export type PeerLog = (event: string, fields: object) => void;

/** Peer id -> `host:port`. The node's own id may be included (it is skipped). */
export type PeerMap = ReadonlyMap<string, string> | Readonly<Record<string, string>>;

export interface TcpPeerTransportOptions {
  /** This node's id (1..255 bytes of UTF-8). */
  nodeId: string;
  /** Only nodes presenting the same cluster id exchange messages. */
  clusterId: string;
  /** Address to listen on for peers: '0.0.0.0', '::', '127.0.0.1', a host name. */
  listenHost: string;
  /** Port to listen on; 0 picks a free one (see TcpPeerTransport.listenPort). */
  listenPort: number;
  /** The initial peers; change them later with setPeers(). */
  peers?: PeerMap;
  log?: PeerLog;
  /** Largest frame accepted or sent. Default 64 MiB. */
  maxFrameBytes?: number;
  /** Most messages waiting for one peer; beyond it the oldest are dropped. Default 4096. */
  maxQueuedMessages?: number;
  /** Most bytes waiting for one peer; beyond it the oldest are dropped. Default 64 MiB. */
  maxQueuedBytes?: number;
  /** Most bytes joined into one socket write (one frame larger than this goes alone). Default 1 MiB. */
  maxBatchBytes?: number;
  /** First redial delay after a failure. Default 50 ms. */
  reconnectBaseMs?: number;
  /** Cap on the redial delay. Default 2000 ms. */
  reconnectMaxMs?: number;
  /** A dial whose handshake has not completed in this time is abandoned. Default 3000 ms. */
  connectTimeoutMs?: number;
  /** The listener sends a keepalive on each accepted connection this often. Default 1000 ms. */
  keepaliveIntervalMs?: number;
  /** A dialled connection that has received nothing (not even a keepalive) this long is redialled. Default 5000 ms. */
  peerSilenceTimeoutMs?: number;
  /** Most inbound connections at once. Default 256. */
  maxInboundConnections?: number;
  /** Randomness for backoff jitter, a float in [0, 1). Default Math.random. */
  random?: () => number;
  /** Mutual TLS and/or a cluster secret for every link (secure.ts). Default: neither. */
  security?: PeerSecurity;
}

export type PeerSettings = Required<Omit<TcpPeerTransportOptions, 'peers'>>;

export interface PeerStats {
  id: string;
  address: string;
  /** The handshake completed and the outbound connection is open. */
  connected: boolean;
  queuedMessages: number;
  queuedBytes: number;
  sentMessages: number;
  sentBytes: number;
  /** Socket writes: many messages of one event-loop turn share one write. */
  writes: number;
  /** Messages received from this peer on its own connections to us. */
  receivedMessages: number;
  /** Messages dropped because the queue was full (the oldest go first) or a frame was too large. */
  droppedMessages: number;
  /** Dials after the first one. */
  reconnects: number;
  lastError: string | null;
}

function positiveInteger(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value <= 0 || value > max) {
    throw new CairnError('CAIRN_INVALID_ARGUMENT', `${name} must be an integer in 1..${max}, got ${value}`);
  }
  return value;
}

export function resolvePeerSettings(options: TcpPeerTransportOptions): PeerSettings {
  const s: PeerSettings = {
    nodeId: options.nodeId,
    clusterId: options.clusterId,
    listenHost: options.listenHost,
    listenPort: options.listenPort,
    log: options.log ?? (() => {}),
    maxFrameBytes: positiveInteger('maxFrameBytes', options.maxFrameBytes ?? FRAME_BYTES_MAX_DEFAULT, 0xffff_ffff),
    maxQueuedMessages: positiveInteger('maxQueuedMessages', options.maxQueuedMessages ?? 4096, 1_000_000),
    maxQueuedBytes: positiveInteger('maxQueuedBytes', options.maxQueuedBytes ?? 64 * 1024 * 1024, 2 ** 40),
    maxBatchBytes: positiveInteger('maxBatchBytes', options.maxBatchBytes ?? 1024 * 1024, 2 ** 30),
    reconnectBaseMs: positiveInteger('reconnectBaseMs', options.reconnectBaseMs ?? 50, 3_600_000),
    reconnectMaxMs: positiveInteger('reconnectMaxMs', options.reconnectMaxMs ?? 2000, 3_600_000),
    connectTimeoutMs: positiveInteger('connectTimeoutMs', options.connectTimeoutMs ?? 3000, 3_600_000),
    keepaliveIntervalMs: positiveInteger('keepaliveIntervalMs', options.keepaliveIntervalMs ?? 1000, 3_600_000),
    peerSilenceTimeoutMs: positiveInteger('peerSilenceTimeoutMs', options.peerSilenceTimeoutMs ?? 5000, 3_600_000),
    maxInboundConnections: positiveInteger('maxInboundConnections', options.maxInboundConnections ?? 256, 65_536),
    random: options.random ?? Math.random,
    security: options.security ?? {},
  };
  if (s.reconnectBaseMs > s.reconnectMaxMs) throw new CairnError('CAIRN_INVALID_ARGUMENT', 'reconnectBaseMs must not exceed reconnectMaxMs');
  if (s.peerSilenceTimeoutMs <= s.keepaliveIntervalMs) throw new CairnError('CAIRN_INVALID_ARGUMENT', 'peerSilenceTimeoutMs must exceed keepaliveIntervalMs');
  if (!Number.isInteger(s.listenPort) || s.listenPort < 0 || s.listenPort > 65535) throw new CairnError('CAIRN_INVALID_ARGUMENT', `listenPort ${s.listenPort} outside 0..65535`);
  return s;
}
