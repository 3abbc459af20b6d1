// The request/response channel of the peer transport (docs/TRANSPORT.md, "Calls"). A node calls a
// peer by writing a CALL frame on its own outbound link to it — the connection whose handshake
// proved which node it reached — and the peer answers with a RESULT frame on that same connection,
// so a peer that does not know the caller (a removed member, a blank node asking who it is) can
// still answer, and an answer can only come from the node the link reached.
//
// Caller side (PeerCalls): every call has its own timeout, each peer a bounded number in flight.
// A call waits (within its timeout) for the link to be open; it fails as "not sent" (CallNotSentError:
// the peer never saw it, retrying is safe) when it could not be written, when the peer refused it
// unrun, or when it timed out before being written; and as "outcome unknown" (CAIRN_TIMEOUT) when
// it was written and then the connection broke or no RESULT came in time.
// Callee side (CallServer): the registered handler runs each call from an accepted peer, at most a
// bounded number at once per peer (more are refused unrun), and its answer goes back as a RESULT.

import { assert } from '../../lib/assert.js';
import { CairnError, type CairnErrorCode, errorMessage } from '../../lib/errors.js';
import { callFrameBytes, encodeCall, encodeResult, ResultStatus, type CallFrame, type ResultFrame } from './call-frames.js';
import type { PeerLog } from './options.js';

/** Calls waiting for their RESULT per peer, on the caller; more are refused (not sent). */
export const CALLS_IN_FLIGHT_MAX = 256;
/** Calls one peer may have running here at once; more are refused unrun. */
export const CALLS_SERVED_MAX = 64;

/** The call never reached the peer, or the peer turned it away unrun: retrying cannot run it twice. */
export class CallNotSentError extends CairnError {
  constructor(message: string, code: CairnErrorCode = 'CAIRN_CLOSED') {
    super(code, message);
  }
}

/** What the caller needs of an outbound link. */
export interface CallLink {
  /** Writes a frame on the open connection at once: that connection's number, or null when none is open. */
  writeNow(frame: Buffer): number | null;
}

interface Pending {
  readonly callId: number;
  readonly peer: string;
  /** Dropped once written. */
  frame: Buffer | null;
  /** The connection it was written on, or null while it waits for one. */
  connection: number | null;
  readonly resolve: (payload: Uint8Array) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export class PeerCalls {
  private readonly pending = new Map<number, Pending>();
  private readonly perPeer = new Map<string, number>();
  private lastCallId = 0;
  private closed = false;

  constructor(private readonly maxFrameBytes: number) {}

  /** Sends `payload` to `peer` over `link` (undefined: not a peer); resolves with the peer's answer. */
  call(peer: string, link: CallLink | undefined, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    assert(Number.isInteger(timeoutMs) && timeoutMs > 0, 'a call has a positive timeout');
    if (this.closed) return Promise.reject(new CallNotSentError('the peer transport is closed'));
    if (link === undefined) return Promise.reject(new CallNotSentError(`${peer} is not a peer of this node`));
    if (callFrameBytes(payload.length) > this.maxFrameBytes) return Promise.reject(new CallNotSentError(`a call of ${payload.length} bytes exceeds the frame cap`, 'CAIRN_INVALID_ARGUMENT'));
    const inFlight = this.perPeer.get(peer) ?? 0;
    if (inFlight >= CALLS_IN_FLIGHT_MAX) return Promise.reject(new CallNotSentError(`${CALLS_IN_FLIGHT_MAX} calls to ${peer} already in flight`, 'CAIRN_BUSY'));
    const callId = this.nextCallId();
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => this.timedOut(callId, timeoutMs), timeoutMs);
      const entry: Pending = { callId, peer, frame: encodeCall(callId, payload), connection: null, resolve, reject, timer };
      this.pending.set(callId, entry);
      this.perPeer.set(peer, inFlight + 1);
      this.write(entry, link);
    });
  }

  /** The link to `peer` opened: calls waiting for it go out now. */
  opened(peer: string, link: CallLink): void {
    for (const entry of this.pending.values()) {
      if (entry.peer === peer && entry.connection === null) this.write(entry, link);
    }
  }

  /** Connection `connection` to `peer` closed (or the peer was removed: null for every connection). */
  disconnected(peer: string, connection: number | null, why: string): void {
    for (const entry of [...this.pending.values()]) {
      if (entry.peer !== peer) continue;
      if (entry.connection === null && connection === null) this.settle(entry, new CallNotSentError(`call to ${peer} not sent: ${why}`));
      else if (entry.connection !== null && (connection === null || entry.connection === connection)) {
        this.settle(entry, new CairnError('CAIRN_TIMEOUT', `call to ${peer}: ${why} after it was sent, outcome unknown`));
      }
    }
  }

  /** A RESULT that arrived on the link to `peer`; one for no call of ours (timed out, or another peer's) is ignored. */
  result(peer: string, result: ResultFrame): void {
    const entry = this.pending.get(result.callId);
    if (entry === undefined || entry.peer !== peer || entry.connection === null) return;
    if (result.status === ResultStatus.answered) this.settle(entry, result.payload);
    else {
      const reason = Buffer.from(result.payload).toString('utf8');
      this.settle(entry, result.status === ResultStatus.refused
        ? new CallNotSentError(`${peer} refused the call unrun: ${reason}`, 'CAIRN_BUSY')
        : new CairnError('CAIRN_IO', `${peer} failed the call, outcome unknown: ${reason}`));
    }
  }

  /** Every call fails: those written as outcome unknown, the others as not sent. */
  close(): void {
    this.closed = true;
    for (const peer of new Set([...this.pending.values()].map((entry) => entry.peer))) this.disconnected(peer, null, 'the transport closed');
    assert(this.pending.size === 0, 'close settles every call');
  }

  private nextCallId(): number {
    // Bounded: at most pending.size ids are taken, far fewer than 2^32 - 1.
    do this.lastCallId = this.lastCallId >= 0xffff_ffff ? 1 : this.lastCallId + 1;
    while (this.pending.has(this.lastCallId));
    return this.lastCallId;
  }

  private write(entry: Pending, link: CallLink): void {
    assert(entry.frame !== null && entry.connection === null, 'a call is written once');
    const connection = link.writeNow(entry.frame);
    if (connection === null) return;
    entry.connection = connection;
    entry.frame = null;
  }

  private timedOut(callId: number, timeoutMs: number): void {
    const entry = this.pending.get(callId);
    if (entry === undefined) return;
    this.settle(entry, entry.connection === null
      ? new CallNotSentError(`no connection to ${entry.peer} within ${timeoutMs} ms`, 'CAIRN_TIMEOUT')
      : new CairnError('CAIRN_TIMEOUT', `no answer from ${entry.peer} within ${timeoutMs} ms, outcome unknown`));
  }

  private settle(entry: Pending, outcome: Uint8Array | Error): void {
    clearTimeout(entry.timer);
    this.pending.delete(entry.callId);
    const left = (this.perPeer.get(entry.peer) ?? 0) - 1;
    assert(left >= 0, 'a peer\'s call count went negative');
    if (left === 0) this.perPeer.delete(entry.peer);
    else this.perPeer.set(entry.peer, left);
    if (outcome instanceof Error) entry.reject(outcome);
    else entry.resolve(outcome);
  }
}

/** Runs one call from an accepted peer: resolves with the answer; a rejection is a failure (outcome unknown). */
export type CallHandler = (from: string, payload: Uint8Array) => Promise<Uint8Array>;

export class CallServer {
  private handler: CallHandler | null = null;
  private readonly serving = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly maxFrameBytes: number,
    private readonly log: PeerLog,
  ) {}

  onCall(handler: CallHandler): void {
    assert(this.handler === null, 'onCall registers the one handler, once');
    this.handler = handler;
  }

  close(): void {
    this.closed = true;
  }

  /** Serves a CALL from `from`; `reply` writes the RESULT on the connection it came on (if still open). */
  serve(from: string, call: CallFrame, reply: (frame: Buffer) => void): void {
    const handler = this.handler;
    const running = this.serving.get(from) ?? 0;
    const refusal = this.closed ? 'the node is closing' : handler === null ? 'this node takes no calls yet' : running >= CALLS_SERVED_MAX ? `${CALLS_SERVED_MAX} calls from ${from} already running` : null;
    if (refusal !== null || handler === null) {
      reply(encodeResult(call.callId, ResultStatus.refused, Buffer.from(refusal ?? 'refused')));
      return;
    }
    this.serving.set(from, running + 1);
    handler(from, call.payload).then(
      (answer) => {
        if (callFrameBytes(answer.length) <= this.maxFrameBytes) reply(encodeResult(call.callId, ResultStatus.answered, answer));
        else this.failed(from, call, `an answer of ${answer.length} bytes exceeds the frame cap`, reply);
      },
      (error: unknown) => this.failed(from, call, errorMessage(error), reply),
    ).finally(() => {
      const left = (this.serving.get(from) ?? 1) - 1;
      if (left === 0) this.serving.delete(from);
      else this.serving.set(from, left);
    });
  }

  private failed(from: string, call: CallFrame, why: string, reply: (frame: Buffer) => void): void {
    this.log('peer.call_failed', { peer: from, error: why });
    reply(encodeResult(call.callId, ResultStatus.failed, Buffer.from(why.slice(0, 1024))));
  }
}
