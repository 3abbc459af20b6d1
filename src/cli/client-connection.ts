// The interactive client's connection: one socket, commands sent as RESP arrays, replies read
// with the incremental reply parser, one request at a time. Reconnects on demand after a loss.

import { connect, type Socket } from 'node:net';
import { assert } from '../lib/assert.js';
import { CairnError } from '../lib/errors.js';
import { ReplyParser, type ServerReply } from '../resp/reply-parser.js';

export interface Address {
  readonly host: string;
  readonly port: number;
}

const connectTimeoutMs = 5000;

export class ClientConnection {
  private socket: Socket | undefined;
  private parser = new ReplyParser();
  private waiting: { resolve: (reply: ServerReply) => void; reject: (error: Error) => void } | undefined;

  constructor(readonly address: Address) {}

  get connected(): boolean {
    return this.socket !== undefined && !this.socket.destroyed;
  }

  /** Connects; rejects with a message naming the address when the server is unreachable. */
  async open(): Promise<void> {
    const { host, port } = this.address;
    const socket = connect({ host, port });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new CairnError('CAIRN_TIMEOUT', `Could not connect to Cairn at ${host}:${port}: timed out`));
      }, connectTimeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const reason = error.code === 'ECONNREFUSED' ? 'Connection refused' : error.message;
        reject(new CairnError('CAIRN_IO', `Could not connect to Cairn at ${host}:${port}: ${reason}`));
      });
    });
    this.parser = new ReplyParser();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => this.onClose());
    this.socket = socket;
  }

  /** Sends one command and waits for its reply. */
  async call(argv: readonly (string | Buffer)[]): Promise<ServerReply> {
    assert(argv.length > 0, 'a command has a name');
    assert(this.waiting === undefined, 'one request at a time');
    if (!this.connected) await this.open();
    const reply = new Promise<ServerReply>((resolve, reject) => (this.waiting = { resolve, reject }));
    this.socket!.write(encodeArgv(argv));
    return reply;
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private onData(chunk: Buffer): void {
    this.parser.push(chunk);
    const reply = this.parser.next();
    if (reply === undefined || this.waiting === undefined) return;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting.resolve(reply);
  }

  private onClose(): void {
    this.socket = undefined;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(new CairnError('CAIRN_CLOSED', 'Server closed the connection'));
  }
}

function encodeArgv(argv: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)];
  for (const arg of argv) {
    const bytes = typeof arg === 'string' ? Buffer.from(arg, 'utf8') : arg;
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}
