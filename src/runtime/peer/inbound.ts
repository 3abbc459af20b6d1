// One accepted peer connection: it only receives. The first frame must be a HELLO with our
// protocol version, our cluster id and our node id, from a member its TLS certificate names (with
// peer TLS), within connectTimeoutMs (the TLS handshake included); with a cluster secret, the
// dialler's PROOF must follow our CHALLENGE (handshake-auth.ts). Otherwise the connection is
// refused (REFUSE with the reason, then closed) and logged. After ACCEPT every frame must decode
// as a Raft message from the greeted node to us, or as a CALL from it (calls.ts); anything
// malformed closes this one socket — never the node — and is logged. The listener sends
// KEEPALIVE frames on it, and the RESULT of each call.

import type { Socket } from 'node:net';
import { assert } from '../../lib/assert.js';
import type { Message } from '../../raft/types.js';
import { decodeMessage } from './codec.js';
import { CALL_TYPE, decodeCall, frameType, type CallFrame } from './call-frames.js';
import { FrameSplitter } from './frames.js';
import { decodeHello, decodeProof, encodeAccept, encodeChallenge, encodeKeepalive, encodeRefuse, HELLO_FRAME_BYTES_MAX } from './handshake.js';
import type { Hello } from './handshake.js';
import { handshakeMac, newNonce, proofMatches } from './handshake-auth.js';
import type { PeerSettings } from './options.js';
import { inboundNames } from './secure.js';
import { corrupt, PEER_PROTOCOL_VERSION } from './wire.js';
import { errorMessage } from '../../lib/errors.js';

type InboundState = 'greeting' | 'proving' | 'open' | 'done';

/** What a listener remembers between its CHALLENGE and the dialler's PROOF. */
interface PendingProof {
  hello: Hello;
  secret: Uint8Array;
  nonce: Uint8Array;
}

export interface InboundHandlers {
  /** A HELLO was accepted from `peerId`. */
  accepted(peerId: string): void;
  /** One message, already checked to come from the greeted peer and to be addressed to us. */
  deliver(peerId: string, message: Message): void;
  /** One call from the greeted peer; its RESULT goes back through connection.sendResult. */
  call(peerId: string, call: CallFrame, connection: InboundConnection): void;
  closed(connection: InboundConnection): void;
}

const KEEPALIVE = encodeKeepalive();

export class InboundConnection {
  private state: InboundState = 'greeting';
  private peerId: string | null = null;
  private readonly splitter: FrameSplitter;
  private readonly remote: string;
  private greetTimer: NodeJS.Timeout | null;
  private pending: PendingProof | null = null;

  constructor(
    private readonly socket: Socket,
    private readonly settings: PeerSettings,
    private readonly handlers: InboundHandlers,
    remote: string,
  ) {
    this.remote = remote;
    // Until HELLO is accepted a connection may hold only a HELLO's worth of bytes, so strangers
    // cannot make the node buffer maxFrameBytes per connection.
    this.splitter = new FrameSplitter(HELLO_FRAME_BYTES_MAX);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, settings.peerSilenceTimeoutMs);
    this.greetTimer = setTimeout(() => this.fail('no HELLO within the connect timeout'), settings.connectTimeoutMs);
    this.greetTimer.unref();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {}); // the close that follows is what matters; resets are routine
    socket.on('close', () => {
      if (this.state !== 'done' && this.splitter.pendingBytes > 0) {
        this.settings.log('peer.garbage', { direction: 'inbound', remote: this.remote, peer: this.peerId, error: `connection closed inside a frame (${this.splitter.pendingBytes} bytes discarded)` });
      }
      this.clearGreetTimer();
      this.state = 'done';
      handlers.closed(this);
    });
  }

  /** Called by the transport's keepalive timer. */
  sendKeepalive(): void {
    if (this.state !== 'open' || this.socket.destroyed) return;
    // A dialler that stopped reading gets no more keepalives than one batch's worth of buffer.
    if (this.socket.writableLength < this.settings.maxBatchBytes) this.socket.write(KEEPALIVE);
  }

  /**
   * Writes a call's RESULT, unless the connection has closed (the caller then counts the call as
   * lost). A caller that leaves maxQueuedBytes of results unread is dropped: memory stays bounded.
   */
  sendResult(frame: Buffer): void {
    if (this.state !== 'open' || this.socket.destroyed) return;
    if (this.socket.writableLength > this.settings.maxQueuedBytes) {
      this.settings.log('peer.garbage', { direction: 'inbound', remote: this.remote, peer: this.peerId, error: `${this.socket.writableLength} bytes of call results unread` });
      this.fail(null);
      return;
    }
    this.socket.write(frame);
  }

  destroy(): void {
    this.state = 'done';
    this.socket.destroy();
  }

  get isClosed(): boolean {
    return this.socket.closed;
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'done') return;
    const messages: Message[] = [];
    const calls: CallFrame[] = [];
    try {
      for (const body of this.splitter.push(chunk)) {
        if (this.state === 'greeting') {
          this.greet(body);
          if ((this.state as InboundState) === 'done') return;
        } else if (this.state === 'proving') {
          this.prove(body);
          if ((this.state as InboundState) === 'done') return;
        } else if (frameType(body) === CALL_TYPE) {
          calls.push(decodeCall(body));
        } else {
          messages.push(this.check(decodeMessage(body)));
        }
      }
    } catch (error) {
      // Only decoding runs in here; whatever it throws, the bytes were bad: drop this socket.
      this.settings.log('peer.garbage', { direction: 'inbound', remote: this.remote, peer: this.peerId, error: errorMessage(error) });
      this.fail(null);
    }
    const peerId = this.peerId;
    if (peerId === null) return;
    // Delivered outside the try: an exception from the node's own receiver is not the peer's fault.
    for (const message of messages) this.handlers.deliver(peerId, message);
    for (const call of calls) this.handlers.call(peerId, call, this);
  }

  private check(message: Message): Message {
    assert(this.peerId !== null, 'a message before the greeting');
    if (message.from !== this.peerId) throw corrupt(`message from ${message.from} on ${this.peerId}'s connection`);
    if (message.to !== this.settings.nodeId) throw corrupt(`message for ${message.to} reached ${this.settings.nodeId}`);
    return message;
  }

  private greet(body: Buffer): void {
    const result = decodeHello(body);
    if (result.kind === 'version') {
      this.refuse(`protocol version ${result.version} is not supported (this node speaks version ${PEER_PROTOCOL_VERSION})`, null);
      return;
    }
    const hello = result.hello;
    const reason = this.refusalReason(hello);
    if (reason !== null) {
      this.refuse(reason, hello);
      return;
    }
    const secret = this.settings.security.secret?.() ?? null;
    if (secret === null) {
      this.open(hello);
      return;
    }
    // The listener proves itself first, bound to the dialler's fresh nonce; the dialler's PROOF must follow.
    const nonce = newNonce();
    this.pending = { hello, secret, nonce };
    this.state = 'proving';
    this.socket.write(encodeChallenge(nonce, handshakeMac(secret, 'listener', hello, nonce)));
  }

  private prove(body: Buffer): void {
    const pending = this.pending;
    assert(pending !== null, 'proving without a challenge');
    this.pending = null;
    const mac = decodeProof(body);
    if (!proofMatches(pending.secret, 'dialler', pending.hello, pending.nonce, mac)) {
      this.refuse('the handshake proof does not match this cluster\'s secret', pending.hello);
      return;
    }
    this.open(pending.hello);
  }

  private open(hello: Hello): void {
    this.clearGreetTimer();
    this.state = 'open';
    this.peerId = hello.from;
    this.splitter.setMaxFrameBytes(this.settings.maxFrameBytes);
    this.socket.write(encodeAccept(this.settings.nodeId, this.settings.keepaliveIntervalMs));
    this.settings.log('peer.inbound_accepted', { remote: this.remote, peer: this.peerId });
    this.handlers.accepted(this.peerId);
  }

  private refusalReason(hello: Hello): string | null {
    // The reason goes back to the dialler, so it names the dialler's cluster id, not ours.
    if (hello.clusterId !== this.settings.clusterId) return `cluster id ${JSON.stringify(hello.clusterId)} does not match this node's`;
    if (hello.to !== this.settings.nodeId) return `this is node ${JSON.stringify(this.settings.nodeId)}, not ${JSON.stringify(hello.to)}`;
    if (hello.from === this.settings.nodeId) return `a node cannot dial itself (${JSON.stringify(hello.from)})`;
    const names = inboundNames(this.socket);
    if (names !== null && !names.includes(hello.from)) {
      return `the TLS certificate names ${JSON.stringify(names.slice(0, 8))}, not ${JSON.stringify(hello.from)}`;
    }
    return null;
  }

  private refuse(reason: string, hello: Hello | null): void {
    this.settings.log('peer.inbound_refused', { remote: this.remote, reason, peer: hello?.from ?? null, clusterId: hello?.clusterId ?? null });
    this.state = 'done';
    this.clearGreetTimer();
    // end() sends REFUSE then FIN; the timer destroys a peer that never closes its side.
    this.socket.end(encodeRefuse(reason));
    const timer = setTimeout(() => this.socket.destroy(), this.settings.connectTimeoutMs);
    timer.unref();
    this.socket.once('close', () => clearTimeout(timer));
  }

  private fail(reason: string | null): void {
    if (reason !== null) this.settings.log('peer.inbound_timeout', { remote: this.remote, reason });
    this.state = 'done';
    this.socket.destroy();
  }

  private clearGreetTimer(): void {
    if (this.greetTimer !== null) clearTimeout(this.greetTimer);
    this.greetTimer = null;
  }
}
