// One client socket: feeds received bytes to the parser, runs the commands of each read through
// the session, and writes all their replies, in order, in one socket write. While a batch waits
// for the backend, or the kernel has not taken the last batch's replies, the socket is paused, so
// a client that does not read its replies stops being read (backpressure) and costs others nothing.
// After QUIT, a protocol error or an internal error the connection stops reading for good: what the
// client sends after it is never read or held, and the socket closes once the last replies are
// flushed (a client still sending then sees a reset, as with Redis).

import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { assert } from '../lib/assert.js';
import { errorReply, type Reply } from '../lib/reply.js';
import { ReplyEncoder, type Protocol } from '../resp/encode.js';
import { RequestParser, type ParserLimits } from '../resp/parser.js';
import type { Peer, Session } from './session.js';
import { GatheredReply, type TurnReply } from './gathered-reply.js';

interface Slot {
  readonly reply: TurnReply;
  readonly protocol: Protocol;
}

export interface ConnectionHooks {
  countBytes(inputBytes: number, outputBytes: number): void;
  closed(connection: Connection): void;
  /** A command threw or rejected where no error was expected: a bug, reported, never fatal to the process. */
  internalError(error: unknown, connection: Connection): void;
  /** An error reply went to the client (INFO's total_error_replies and Errorstats). */
  errorReplied?(message: string): void;
}

/** What a client hears before its connection is closed after an internal error. */
const internalErrorReply = errorReply('ERR internal error while running a command of this connection (see the server log); closing it');

/** Bounds on one turn, after which the client yields to others: commands run, replies waiting for the backend, reply bytes. */
const commandsPerTurnMax = 4096;
const pendingPerTurnMax = 1024;
const turnOutputBytesMax = 1024 * 1024;

export class Connection implements Peer {
  readonly addr: string;
  readonly laddr: string;
  readonly fd = -1;
  private readonly parser: RequestParser;
  private readonly encoder = new ReplyEncoder();
  private session: Session | undefined;
  /** A batch is waiting for the backend or for the kernel to drain; reading is paused. */
  private busy = false;
  private closing = false;
  /** shutdown() waiting for the batch in flight: called when the connection stops being busy. */
  private markIdle: (() => void) | undefined;
  /** Set while a turn's replies wait for the kernel to take the part written so far. */
  private drainWaiter: (() => void) | undefined;
  /** Push frames that must follow the replies owed when they were raised (invalidations): written after the turn's. */
  private readonly deferred = new ReplyEncoder(256);
  /** A flush of pushed frames is queued for the end of this turn (push). */
  private pushFlushQueued = false;
  /** Called once at the next 'drain' (onDrained). */
  private readonly drainListeners = new Set<() => void>();
  /**
   * node:tls encrypts what write() hands it before write() returns (or copies it, when OpenSSL
   * cannot take it yet), then reports the write done a turn later: the bytes are not the socket's
   * to keep, though writableLength says otherwise until then.
   */
  private readonly consumedOnWrite: boolean;

  constructor(
    private readonly socket: Socket,
    limits: ParserLimits,
    private readonly hooks: ConnectionHooks,
  ) {
    this.addr = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.laddr = `${socket.localAddress ?? '?'}:${socket.localPort ?? 0}`;
    this.parser = new RequestParser(limits);
    this.consumedOnWrite = socket instanceof TLSSocket;
    socket.setNoDelay(true);
  }

  /** Starts serving once the session exists (the session needs this object as its peer). */
  start(session: Session, idleTimeoutSeconds: number): void {
    assert(this.session === undefined, 'a connection starts once');
    this.session = session;
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('drain', () => {
      this.onDrain();
      this.notifyDrained();
    });
    this.socket.on('error', () => this.socket.destroy());
    this.socket.on('close', () => {
      this.drainListeners.clear();
      this.wakeDrainWaiter();
      this.hooks.closed(this);
    });
    if (idleTimeoutSeconds > 0) {
      this.socket.setTimeout(idleTimeoutSeconds * 1000, () => this.socket.destroy());
    }
  }

  get id(): number {
    assert(this.session !== undefined, 'the connection has started');
    return this.session.id;
  }

  queryBufferBytes(): number {
    return this.parser.bufferedBytes;
  }

  outputBufferBytes(): number {
    return this.socket.writableLength + this.encoder.sizeBytes + this.deferred.sizeBytes;
  }

  /**
   * A push frame goes after the replies encoded so far and before those still waiting for the
   * backend (as Redis writes a message into the output buffer between replies); it is sent at once
   * unless a turn is in flight, whose flush takes it along. With `afterReplies` (a tracking
   * invalidation) it goes after the replies of the turn in flight too: a read served before the
   * change it tells of is answered first, so the client never caches that read's older value.
   */
  push(frame: Reply, afterReplies = false): void {
    if (this.closing || this.socket.destroyed || this.session === undefined) return;
    if (afterReplies && this.busy) return this.deferred.write(frame, this.session.protocol);
    this.encoder.write(frame, this.session.protocol);
    if (this.busy || this.pushFlushQueued) return;
    // The frames pushed in this turn (an applied entry's many changes) leave in one socket write.
    this.pushFlushQueued = true;
    queueMicrotask(() => {
      this.pushFlushQueued = false;
      if (!this.busy && !this.closing && !this.socket.destroyed) this.flush(false);
    });
  }

  /** The deferred push frames, after what is encoded. */
  private takeDeferred(): void {
    if (this.deferred.sizeBytes === 0) return;
    this.encoder.writeRaw(this.deferred.lend());
    this.deferred.clear();
  }

  /** Stops reading, lets the batch in flight finish and flush, then closes. */
  async shutdown(): Promise<void> {
    this.closing = true;
    this.socket.pause();
    if (this.busy) await new Promise<void>((resolve) => (this.markIdle = resolve));
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  onDrained(listener: () => void): void {
    if (!this.socket.destroyed) this.drainListeners.add(listener);
  }

  private notifyDrained(): void {
    if (this.drainListeners.size === 0) return;
    const listeners = [...this.drainListeners];
    this.drainListeners.clear();
    for (const listener of listeners) listener();
  }

  private onData(chunk: Buffer): void {
    this.hooks.countBytes(chunk.length, 0);
    // Bytes Node had already read when reading stopped: dropped, never parsed or held.
    if (this.closing) return;
    this.session?.touch();
    this.parser.push(chunk);
    if (!this.busy) this.runTurn();
  }

  private onDrain(): void {
    if (this.drainWaiter !== undefined) return this.wakeDrainWaiter();
    if (!this.busy) return;
    this.setBusy(false);
    this.takeDeferred();
    this.runTurn();
  }

  /**
   * Parses and runs what is buffered. Replies known at once are encoded as they come; once one
   * waits for the backend, the rest wait their turn behind it. A turn stops after a bounded
   * number of commands or reply bytes, so one client cannot build an unbounded batch.
   */
  private runTurn(): void {
    const session = this.session;
    assert(session !== undefined, 'the connection has started');
    assert(!this.busy, 'one turn at a time');
    if (this.closing || this.socket.destroyed) return;
    const slots: Slot[] = [];
    let close: 'no' | 'afterReplies' | 'now' = 'no';
    let more = false;
    for (let count = 0; ; count++) {
      if (count >= commandsPerTurnMax || slots.length >= pendingPerTurnMax || this.encoder.sizeBytes >= turnOutputBytesMax) {
        more = true;
        break;
      }
      this.parser.authenticated = session.authenticated;
      const result = this.parser.next();
      if (result.kind === 'needMore') break;
      if (result.kind === 'overflow') {
        close = 'now';
        break;
      }
      let reply: TurnReply;
      try {
        reply = result.kind === 'error' ? errorReply(`ERR ${result.message}`) : session.executeInTurn(result.argv);
      } catch (error) {
        // The replies still pending are dropped with the connection; their outcome is ignored.
        for (const slot of slots) if (slot.reply instanceof Promise) slot.reply.catch(() => undefined);
        session.flushWrites();
        return this.failInternally(error);
      }
      if (slots.length === 0 && !(reply instanceof Promise) && !(reply instanceof GatheredReply)) this.write(reply, session.protocol);
      else slots.push({ reply, protocol: session.protocol });
      if (result.kind === 'error' || session.closeAfterReply) {
        close = 'afterReplies';
        break;
      }
    }
    // The writes gathered during the turn go to the backend as one entry now.
    session.flushWrites();
    if (close === 'afterReplies') this.stopReading();
    if (close === 'now') {
      this.socket.destroy();
      return;
    }
    if (slots.length === 0) {
      session.settled();
      const written = this.flush(close === 'afterReplies');
      if (more && written) setImmediate(() => this.resumeTurn());
      return;
    }
    this.setBusy(true);
    void this.finishTurn(slots, close === 'afterReplies');
  }

  private write(reply: Reply, protocol: Protocol): void {
    if (reply.type === 'error') this.hooks.errorReplied?.(reply.message);
    this.encoder.write(reply, protocol);
  }

  private async finishTurn(slots: Slot[], closeAfter: boolean): Promise<void> {
    const session = this.session;
    assert(session !== undefined, 'the connection has started');
    let replies: Reply[];
    try {
      replies = await settledReplies(slots);
    } catch (error) {
      // Which reply failed is unknown, so none of them can be sent in order: the client is told once.
      return this.failInternally(error);
    }
    session.settled();
    if (this.socket.destroyed) return this.setBusy(false);
    for (let i = 0; i < slots.length; i++) {
      this.write(replies[i]!, slots[i]!.protocol);
      // Large replies go out about one turn's output at a time, as fast as the kernel takes them,
      // so a client that does not read holds at most that much encoded (the values are shared).
      if (this.encoder.sizeBytes < turnOutputBytesMax || i + 1 === slots.length) continue;
      if (!this.flush(false)) await new Promise<void>((resolve) => (this.drainWaiter = resolve));
      if (this.socket.destroyed) return this.setBusy(false);
    }
    this.takeDeferred();
    // Stay paused until the kernel takes the replies; 'drain' resumes.
    if (this.flush(closeAfter) && !closeAfter) {
      this.setBusy(false);
      this.runTurn();
    }
  }

  /**
   * A command's code threw (or its reply rejected) where nothing should: the session's state is
   * suspect, so this client gets one error and is disconnected, the error is reported, and every
   * other client and the node carry on. Replies of this turn still pending are dropped with it.
   */
  private failInternally(error: unknown): void {
    this.hooks.internalError(error, this);
    this.stopReading();
    this.setBusy(false);
    if (this.socket.destroyed) return;
    // Replies already encoded came before the failure, in order; the error follows them.
    this.encoder.write(internalErrorReply, this.session?.protocol ?? 2);
    this.endWith(this.encoder.lend());
  }

  /** Nothing more of this client is read: the socket stays paused until it is closed. */
  private stopReading(): void {
    this.closing = true;
    this.socket.pause();
  }

  /**
   * Sends the last bytes and closes the socket once the kernel has taken them. Closing (not just
   * half-closing) is what stops the client: the kernel resets a connection closed with unread input.
   */
  private endWith(bytes: Uint8Array): void {
    assert(this.closing, 'reading stopped before the last replies');
    this.socket.end(bytes, () => this.socket.destroy());
    this.encoder.detach();
  }

  private wakeDrainWaiter(): void {
    const waiter = this.drainWaiter;
    this.drainWaiter = undefined;
    waiter?.();
  }

  private resumeTurn(): void {
    if (!this.busy) this.runTurn();
  }

  /**
   * Writes the encoded replies in one write, straight from the encoder's buffer; returns false
   * when the socket is backed up. When the kernel took every byte at once (nothing queued in the
   * socket), or a TLS socket took them straight into OpenSSL (nothing was queued before them), the
   * encoder reuses its buffer; otherwise the socket keeps it and the encoder starts anew (a 16 KiB
   * buffer a reply, which on TLS was every reply, and its garbage a major GC's work).
   */
  private flush(closeAfter: boolean): boolean {
    const bytes = this.encoder.lend();
    this.hooks.countBytes(0, bytes.length);
    if (closeAfter) {
      this.endWith(bytes);
      return true;
    }
    if (bytes.length === 0) {
      this.encoder.clear();
      return true;
    }
    const handedToHandle = this.consumedOnWrite && this.socket.writableLength === 0 && this.socket.writableCorked === 0;
    const drained = this.socket.write(bytes);
    if (handedToHandle || this.socket.writableLength === 0) this.encoder.clear();
    else this.encoder.detach();
    if (!drained) this.setBusy(true);
    return drained;
  }

  private setBusy(busy: boolean): void {
    if (busy === this.busy) return;
    this.busy = busy;
    if (busy) {
      this.socket.pause();
    } else {
      if (!this.closing) this.socket.resume();
      const markIdle = this.markIdle;
      this.markIdle = undefined;
      markIdle?.();
    }
  }
}

/**
 * The replies of a turn's slots once all are settled, in order. The writes of a pipeline share
 * one gathered entry: its replies are awaited once for all of them, not once per command, and a
 * single wait (every write turn at -P 1) needs no Promise.all.
 */
async function settledReplies(slots: readonly Slot[]): Promise<Reply[]> {
  const waits: Promise<Reply | Reply[]>[] = [];
  for (const slot of slots) {
    const wait = slot.reply instanceof GatheredReply ? slot.reply.result : slot.reply;
    if (wait instanceof Promise && waits[waits.length - 1] !== wait) waits.push(wait);
  }
  assert(waits.length > 0, 'a turn finished later waits for a reply');
  const settled = waits.length === 1 ? [await waits[0]!] : await Promise.all(waits);
  const replies = new Array<Reply>(slots.length);
  let at = -1;
  let last: Promise<Reply | Reply[]> | undefined;
  for (let i = 0; i < slots.length; i++) {
    const reply = slots[i]!.reply;
    const wait = reply instanceof GatheredReply ? reply.result : reply;
    if (wait instanceof Promise && wait !== last) {
      last = wait;
      at++;
    }
    if (reply instanceof GatheredReply) replies[i] = reply.pick(settled[at] as Reply[]);
    else replies[i] = reply instanceof Promise ? (settled[at] as Reply) : reply;
  }
  return replies;
}
