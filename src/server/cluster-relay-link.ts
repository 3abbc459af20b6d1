// One RESP connection from a follower to the leader's client port, used to relay write entries.
// It says HELLO 3 (with AUTH when the cluster has a password) before anything is sent, pipelines
// calls and matches replies in order. A call written before the socket broke fails as "outcome
// unknown"; a call that could not be written at all fails as "not sent" (safe to retry).

import { connect, type Socket } from 'node:net';
import { assert } from '../lib/assert.js';
import { asError, CairnError, errorMessage } from '../lib/errors.js';
import { ReplyParser, type ServerReply } from '../resp/reply-parser.js';
import type { ClientAddress } from './cluster-topology.js';

/** The call never reached the leader: retrying it cannot apply it twice. */
export class RelayNotSentError extends CairnError {
  constructor(message: string) {
    super('CAIRN_NOT_LEADER', message);
  }
}

interface Waiter {
  readonly resolve: (reply: ServerReply) => void;
  readonly reject: (error: Error) => void;
}

/** Most calls awaiting replies on one link. */
const inFlightCallsMax = 1024;
/** Longest wait for one reply before the link is given up. */
const defaultCallTimeoutMs = 5000;

export class RelayLink {
  private readonly parser = new ReplyParser();
  private readonly waiters: Waiter[] = [];
  private broken: Error | null = null;

  private constructor(
    readonly address: ClientAddress,
    private readonly socket: Socket,
  ) {
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    socket.on('error', (error) => this.fail(new CairnError('CAIRN_TIMEOUT', `relay to ${address.host}:${address.port}: outcome unknown: ${error.message}`)));
    socket.on('close', () => this.fail(new CairnError('CAIRN_TIMEOUT', `relay to ${address.host}:${address.port}: connection closed, outcome unknown`)));
  }

  /** Connects and completes HELLO 3 within timeoutMs; fails with RelayNotSentError otherwise. */
  static async open(address: ClientAddress, password: string | undefined, timeoutMs: number): Promise<RelayLink> {
    const socket = connect({ host: address.host, port: address.port, noDelay: true });
    const where = `${address.host}:${address.port}`;
    const timer = setTimeout(() => socket.destroy(new CairnError('CAIRN_TIMEOUT', `no answer within ${timeoutMs} ms`)), timeoutMs);
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('error', reject);
      });
      const link = new RelayLink(address, socket);
      const hello = password === undefined ? ['HELLO', '3'] : ['HELLO', '3', 'AUTH', 'default', password];
      const reply = await link.call(hello.map((arg) => Buffer.from(arg)));
      if (reply.type === 'error') throw new CairnError('CAIRN_REFUSED', `HELLO refused: ${reply.message}`);
      return link;
    } catch (error) {
      socket.destroy();
      throw new RelayNotSentError(`cannot relay to the leader at ${where}: ${errorMessage(error)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  get usable(): boolean {
    return this.broken === null;
  }

  /**
   * Sends one command; resolves with its reply. A leader that does not answer within timeoutMs
   * (paused, partitioned) breaks the link: replies come in order, so no later call could be matched.
   */
  call(argv: readonly Uint8Array[], timeoutMs = defaultCallTimeoutMs): Promise<ServerReply> {
    if (this.broken !== null) return Promise.reject(new RelayNotSentError(this.broken.message));
    if (this.waiters.length >= inFlightCallsMax) return Promise.reject(new CairnError('CAIRN_BUSY', 'too many relayed calls in flight'));
    this.socket.write(encodeCommand(argv));
    const where = `${this.address.host}:${this.address.port}`;
    const timer = setTimeout(() => this.fail(new CairnError('CAIRN_TIMEOUT', `relay to ${where}: no answer within ${timeoutMs} ms, outcome unknown`)), timeoutMs);
    return new Promise<ServerReply>((resolve, reject) => this.waiters.push({ resolve, reject })).finally(() => clearTimeout(timer));
  }

  close(): void {
    this.fail(new CairnError('CAIRN_CLOSED', 'relay link closed'));
  }

  private received(chunk: Buffer): void {
    this.parser.push(chunk);
    try {
      for (let reply = this.parser.next(); reply !== undefined; reply = this.parser.next()) {
        const waiter = this.waiters.shift();
        assert(waiter !== undefined, 'the leader sent a reply nobody asked for');
        waiter.resolve(reply);
      }
    } catch (error) {
      this.fail(asError(error));
    }
  }

  private fail(error: Error): void {
    if (this.broken === null) this.broken = error;
    this.socket.destroy();
    for (const waiter of this.waiters.splice(0)) waiter.reject(this.broken);
  }
}

/** A RESP array of bulk strings. */
function encodeCommand(argv: readonly Uint8Array[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)];
  for (const arg of argv) parts.push(Buffer.from(`$${arg.length}\r\n`), Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength), Buffer.from('\r\n'));
  return Buffer.concat(parts);
}
