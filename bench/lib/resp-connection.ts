// One raw RESP connection (the Cairn side of the bench): encodes commands as multibulk requests,
// parses replies with src/resp's ReplyParser, and matches them to callers in FIFO order. Every
// call has a timeout; a broken connection or a timeout rejects every pending call.
import { connect, type Socket } from 'node:net';
import { assert } from '../../src/lib/assert.js';
import { ReplyParser, type ServerReply } from '../../src/resp/reply-parser.js';
import type { KvConnection } from './kv-connection.js';

const maxPendingCalls = 1024;

interface Pending {
  resolve(reply: ServerReply): void;
  reject(error: Error): void;
}

export class RespConnection implements KvConnection {
  private readonly parser = new ReplyParser();
  private readonly pending: Pending[] = [];
  private broken: Error | null = null;
  private timer: NodeJS.Timeout | null = null;

  private constructor(private readonly socket: Socket, private readonly callTimeoutMs: number) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static async open(port: number, callTimeoutMs: number): Promise<RespConnection> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RespConnection(socket, callTimeoutMs);
  }

  async write(key: string, value: Buffer): Promise<void> {
    const reply = await this.call([Buffer.from('SET'), Buffer.from(key), value]);
    if (reply.type !== 'simple' || reply.value !== 'OK') throw new Error(`SET answered ${describe(reply)}`);
  }

  async read(key: string): Promise<void> {
    const reply = await this.call([Buffer.from('GET'), Buffer.from(key)]);
    if (reply.type !== 'bulk' && reply.type !== 'null') throw new Error(`GET answered ${describe(reply)}`);
  }

  call(args: readonly Buffer[]): Promise<ServerReply> {
    if (this.broken !== null) return Promise.reject(this.broken);
    if (this.pending.length >= maxPendingCalls) return Promise.reject(new Error('too many pending calls'));
    const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
    for (const arg of args) parts.push(Buffer.from(`$${arg.length}\r\n`), arg, Buffer.from('\r\n'));
    this.socket.write(Buffer.concat(parts));
    if (this.timer === null) this.armTimer();
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  }

  usable(): boolean {
    return this.broken === null;
  }

  close(): void {
    this.fail(new Error('connection closed by the bench'));
  }

  private armTimer(): void {
    this.timer = setTimeout(() => this.fail(new Error(`no reply within ${this.callTimeoutMs} ms`)), this.callTimeoutMs);
  }

  private onData(chunk: Buffer): void {
    this.parser.push(chunk);
    for (let reply = this.next(); reply !== undefined; reply = this.next()) {
      const waiter = this.pending.shift();
      assert(waiter !== undefined, 'a reply nobody asked for');
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = null;
      if (this.pending.length > 0) this.armTimer();
      waiter.resolve(reply);
    }
  }

  private next(): ServerReply | undefined {
    try {
      return this.parser.next();
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
      return undefined;
    }
  }

  private fail(error: Error): void {
    if (this.broken === null) this.broken = error;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.socket.destroy();
    for (const waiter of this.pending.splice(0)) waiter.reject(error);
  }
}

function describe(reply: ServerReply): string {
  return reply.type === 'error' ? reply.message : reply.type;
}
