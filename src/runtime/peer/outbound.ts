// One peer's outbound link: the only connection this node sends that peer messages and calls on
// (calls go out at once, beside the queue, and their RESULTs come back on it: calls.ts). It dials,
// handshakes (HELLO -> ACCEPT/REFUSE), writes queued frames in batches, and after any failure
// redials with capped, jittered exponential backoff. Frames wait in a bounded queue (count and
// bytes); when it is full the OLDEST frame is dropped — Raft tolerates loss and retransmits, and
// after an outage the newest messages (current term, latest commit) are the ones worth sending.

import type { Socket } from 'node:net';
import { assert } from '../../lib/assert.js';
import { BoundedQueue } from '../../lib/queue.js';
import { errorMessage, isCairnError } from '../../lib/errors.js';
import { parsePeerAddress } from './address.js';
import { reconnectDelayMs } from './backoff.js';
import { FrameSplitter } from './frames.js';
import { decodeHelloReply, decodeKeepalive, encodeHello, encodeProof, REASON_BYTES_MAX } from './handshake.js';
import type { Hello } from './handshake.js';
import { handshakeMac, newNonce, proofMatches } from './handshake-auth.js';
import { dialPeer } from './secure.js';
import { decodeResult, frameType, RESULT_TYPE, type ResultFrame } from './call-frames.js';
import type { CallLink } from './calls.js';
import type { PeerSettings, PeerStats } from './options.js';
import { FRAME_LENGTH_BYTES } from './wire.js';

type LinkState = 'backoff' | 'dialling' | 'open' | 'closed';

/** Handshake replies are small; a longer frame before ACCEPT is garbage (after it, RESULTs may be any frame's size). */
const REPLY_FRAME_BYTES_MAX = REASON_BYTES_MAX + 16;

/** True for 1, 2, 4, 8, ...: repeated failures are logged with falling frequency. */
function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

function describe(error: unknown): string {
  return errorMessage(error);
}

/** What the call channel (calls.ts) hears from a link. */
export interface LinkEvents {
  opened(link: PeerLink): void;
  /** Connection `connection` closed; null: the link itself was closed (the peer removed). */
  disconnected(peer: string, connection: number | null, why: string): void;
  result(peer: string, result: ResultFrame): void;
}

export class PeerLink implements CallLink {
  private state: LinkState = 'backoff';
  private socket: Socket | null = null;
  private splitter = new FrameSplitter(REPLY_FRAME_BYTES_MAX);
  private timer: NodeJS.Timeout | null = null;
  private failures = 0;
  private waitingForDrain = false;
  private dialled = false;
  private dropping = false;
  private lastReceivedMs = 0;
  private openedAtMs = 0;
  /** How long this connection may stay silent: ours, or three of the listener's keepalive intervals if longer. */
  private silenceTimeoutMs: number;
  private readonly queue: BoundedQueue<Buffer>;
  private queuedBytes = 0;
  private readonly counters = { sentMessages: 0, sentBytes: 0, writes: 0, receivedMessages: 0, droppedMessages: 0, reconnects: 0 };
  private lastError: string | null = null;
  /** Counts the connections that completed the handshake: calls written on one fail when it closes. */
  private connection = 0;
  /** This dial's HELLO, and whether the listener proved the cluster secret (when we have one). */
  private hello: Hello | null = null;
  private listenerProved = false;

  constructor(
    readonly id: string,
    private address: string,
    private readonly settings: PeerSettings,
    /** Asks the transport to call flush() once at the end of this event-loop turn. */
    private readonly requestFlush: (link: PeerLink) => void,
    private readonly events: LinkEvents,
  ) {
    this.queue = new BoundedQueue<Buffer>(settings.maxQueuedMessages);
    this.silenceTimeoutMs = settings.peerSilenceTimeoutMs;
    parsePeerAddress(address);
    this.dial();
  }

  /** Queues one encoded frame, dropping the oldest frames if the bounds require it. */
  enqueue(frame: Buffer): void {
    if (this.state === 'closed') return;
    // The peer would drop the connection over a frame above its cap (peers share maxFrameBytes).
    if (frame.length - FRAME_LENGTH_BYTES > this.settings.maxFrameBytes || frame.length > this.settings.maxQueuedBytes) {
      this.settings.log('peer.frame_too_large', { peer: this.id, frameBytes: frame.length, maxFrameBytes: this.settings.maxFrameBytes, maxQueuedBytes: this.settings.maxQueuedBytes });
      this.drop(1);
      return;
    }
    let dropped = 0;
    // Bounded: each pass removes one of the queue's at most maxQueuedMessages frames.
    while (this.queue.isFull() || this.queuedBytes + frame.length > this.settings.maxQueuedBytes) {
      const oldest = this.queue.shift();
      assert(oldest !== undefined, 'a full queue had no frame to drop');
      this.queuedBytes -= oldest.length;
      dropped++;
    }
    if (dropped > 0) this.drop(dropped);
    else this.dropping = false;
    assert(this.queue.push(frame), 'queue full after making room');
    this.queuedBytes += frame.length;
    if (this.state === 'open' && !this.waitingForDrain) this.requestFlush(this);
  }

  private drop(count: number): void {
    this.counters.droppedMessages += count;
    if (this.dropping) return;
    this.dropping = true;
    this.settings.log('peer.queue_full', {
      peer: this.id, connected: this.state === 'open', queuedMessages: this.queue.length, queuedBytes: this.queuedBytes,
    });
  }

  /** A call's frame goes out at once on the open connection, beside the queue (whose oldest frames may be dropped). */
  writeNow(frame: Buffer): number | null {
    const socket = this.socket;
    if (this.state !== 'open' || socket === null || socket.destroyed) return null;
    socket.write(frame);
    this.counters.sentBytes += frame.length;
    return this.connection;
  }

  /** Writes queued frames in batches of up to maxBatchBytes until the socket asks to wait. */
  flush(): void {
    const socket = this.socket;
    if (this.state !== 'open' || this.waitingForDrain || socket === null || socket.destroyed) return;
    while (this.queue.length > 0) {
      const frames: Buffer[] = [];
      let bytes = 0;
      for (let next = this.queue.peek(); next !== undefined; next = this.queue.peek()) {
        if (frames.length > 0 && bytes + next.length > this.settings.maxBatchBytes) break;
        frames.push(next);
        bytes += next.length;
        this.queue.shift();
      }
      assert(frames.length > 0, 'a flush pass took no frame');
      this.queuedBytes -= bytes;
      this.counters.writes++;
      this.counters.sentMessages += frames.length;
      this.counters.sentBytes += bytes;
      const batch = frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames, bytes);
      if (!socket.write(batch)) {
        this.waitingForDrain = true;
        socket.once('drain', () => this.onDrain(socket));
        return;
      }
    }
    assert(this.queuedBytes === 0, 'an empty queue still counts bytes');
  }

  private onDrain(socket: Socket): void {
    if (socket !== this.socket) return;
    this.waitingForDrain = false;
    this.flush();
  }

  /** Points the link at a new address: the current connection is dropped and the new one dialled now. */
  setAddress(address: string): void {
    if (address === this.address || this.state === 'closed') return;
    parsePeerAddress(address);
    this.settings.log('peer.readdressed', { peer: this.id, from: this.address, to: address });
    this.address = address;
    this.redialNow();
  }

  /** The peer just dialled us, so it is up: skip whatever backoff is left. */
  peerIsUp(): void {
    if (this.state === 'backoff') this.redialNow();
  }

  /** Counts a message received from this peer on its connection to us (for stats). */
  countReceived(): void {
    this.counters.receivedMessages++;
  }

  /** Called periodically: a dialled connection that has heard nothing, not even a keepalive, is dead. */
  checkSilence(nowMs: number): void {
    if (this.state !== 'open' || this.socket === null) return;
    const silentMs = nowMs - this.lastReceivedMs;
    if (silentMs <= this.silenceTimeoutMs) return;
    this.settings.log('peer.silent', { peer: this.id, address: this.address, silentMs: Math.round(silentMs) });
    this.lastError = `no keepalive for ${Math.round(silentMs)} ms`;
    this.socket.destroy();
  }

  private redialNow(): void {
    if (this.state === 'open') this.events.disconnected(this.id, this.connection, 'the link was redialled');
    this.clearTimer();
    const old = this.socket;
    this.socket = null;
    this.failures = 0;
    old?.destroy();
    this.dial();
  }

  private dial(): void {
    assert(this.state !== 'closed', 'dial after close');
    assert(this.socket === null, 'dial while a socket is live');
    if (this.dialled) this.counters.reconnects++;
    this.dialled = true;
    this.state = 'dialling';
    this.waitingForDrain = false;
    this.splitter = new FrameSplitter(REPLY_FRAME_BYTES_MAX);
    const { host, port } = parsePeerAddress(this.address);
    const { socket, ready } = dialPeer(host, port, this.id, this.settings.security.tls);
    this.socket = socket;
    this.hello = { clusterId: this.settings.clusterId, from: this.settings.nodeId, to: this.id, nonce: newNonce() };
    this.listenerProved = false;
    socket.setNoDelay(true);
    this.timer = setTimeout(() => this.abandon(socket, `handshake not complete after ${this.settings.connectTimeoutMs} ms`), this.settings.connectTimeoutMs);
    this.timer.unref();
    const hello = this.hello;
    socket.on(ready, () => {
      socket.setKeepAlive(true, this.settings.peerSilenceTimeoutMs);
      socket.write(encodeHello(hello));
    });
    socket.on('data', (chunk: Buffer) => this.onData(socket, chunk));
    socket.on('error', (error) => {
      if (socket === this.socket) this.lastError = describe(error);
    });
    socket.on('close', () => this.onClose(socket));
  }

  private abandon(socket: Socket, reason: string): void {
    if (socket !== this.socket) return;
    this.lastError = reason;
    socket.destroy();
  }

  private onData(socket: Socket, chunk: Buffer): void {
    if (socket !== this.socket) return;
    this.lastReceivedMs = performance.now();
    try {
      for (const body of this.splitter.push(chunk)) {
        if (this.state !== 'open') this.onReply(socket, body);
        else if (frameType(body) === RESULT_TYPE) this.events.result(this.id, decodeResult(body));
        else decodeKeepalive(body);
        if (this.socket !== socket) return;
      }
    } catch (error) {
      if (!isCairnError(error, 'CAIRN_CORRUPT')) throw error;
      this.settings.log('peer.garbage', { direction: 'outbound', peer: this.id, address: this.address, error: describe(error) });
      this.abandon(socket, describe(error));
    }
  }

  private onReply(socket: Socket, body: Buffer): void {
    const reply = decodeHelloReply(body);
    // A refusal counts as a failed dial (onClose counts it), so it is retried with backoff and
    // logged with falling frequency: a misconfigured peer does not flood the log.
    if (reply.kind === 'refuse') {
      this.abandon(socket, `refused by ${this.id}: ${reply.reason}`);
      return;
    }
    const secret = this.settings.security.secret?.() ?? null;
    if (reply.kind === 'challenge') {
      this.answerChallenge(socket, secret, reply.nonce, reply.mac);
      return;
    }
    if (secret !== null && !this.listenerProved) {
      this.abandon(socket, `${this.address} accepted without proving the cluster secret`);
      return;
    }
    if (reply.nodeId !== this.id) {
      this.abandon(socket, `${this.address} answered as node ${reply.nodeId}, not ${this.id}`);
      return;
    }
    this.clearTimer();
    this.state = 'open';
    this.openedAtMs = performance.now();
    // Nodes configured differently (a rolling change of keepaliveIntervalMs) must not flap.
    this.silenceTimeoutMs = Math.max(this.settings.peerSilenceTimeoutMs, 3 * reply.keepaliveIntervalMs);
    this.lastError = null;
    this.settings.log('peer.connected', { peer: this.id, address: this.address, reconnects: this.counters.reconnects });
    // Answers to calls may be as large as any frame.
    this.splitter.setMaxFrameBytes(this.settings.maxFrameBytes);
    this.connection++;
    this.requestFlush(this);
    this.events.opened(this);
  }

  /** The listener proved the secret over our nonce: prove it back over its nonce, or give up on it. */
  private answerChallenge(socket: Socket, secret: Uint8Array | null, listenerNonce: Uint8Array, mac: Uint8Array): void {
    const hello = this.hello;
    assert(hello !== null, 'a challenge without a HELLO');
    if (secret === null) {
      this.abandon(socket, `${this.id} asks for a cluster secret and this node has none`);
      return;
    }
    if (this.listenerProved || !proofMatches(secret, 'listener', hello, listenerNonce, mac)) {
      this.abandon(socket, `${this.id}'s handshake proof does not match this cluster's secret`);
      return;
    }
    this.listenerProved = true;
    socket.write(encodeProof(handshakeMac(secret, 'dialler', hello, listenerNonce)));
  }

  private onClose(socket: Socket): void {
    if (socket !== this.socket) return;
    this.socket = null;
    this.clearTimer();
    if (this.state === 'closed') return;
    if (this.state === 'open') {
      this.events.disconnected(this.id, this.connection, this.lastError ?? 'the connection closed');
      // A connection that stayed up a while ends the failure streak (redial at once); one that
      // dropped soon after ACCEPT counts as a failure, so a peer that flaps is not redialled in a loop.
      const upMs = performance.now() - this.openedAtMs;
      this.failures = upMs >= this.settings.reconnectMaxMs ? 0 : this.failures + 1;
      this.settings.log('peer.disconnected', { peer: this.id, address: this.address, error: this.lastError, upMs: Math.round(upMs) });
    } else {
      this.failures++;
      if (isPowerOfTwo(this.failures)) this.settings.log('peer.dial_failed', { peer: this.id, address: this.address, error: this.lastError, failures: this.failures });
    }
    this.state = 'backoff';
    const delayMs = this.failures === 0 ? 0 : reconnectDelayMs(this.failures - 1, this.settings, this.settings.random);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.dial();
    }, delayMs);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Stops dialling, drops what is queued, and resolves once the socket has closed. */
  async close(): Promise<void> {
    this.state = 'closed';
    this.events.disconnected(this.id, null, 'the link was closed');
    this.clearTimer();
    while (this.queue.shift() !== undefined);
    this.queuedBytes = 0;
    const socket = this.socket;
    this.socket = null;
    if (socket === null || socket.closed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.destroy();
    });
  }

  stats(): PeerStats {
    return {
      id: this.id,
      address: this.address,
      connected: this.state === 'open',
      queuedMessages: this.queue.length,
      queuedBytes: this.queuedBytes,
      ...this.counters,
      lastError: this.lastError,
    };
  }
}
