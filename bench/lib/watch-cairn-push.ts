// One CAIRN.WATCH watcher for bench:watch: a raw RESP2 socket that sends `CAIRN.WATCH <pattern>`
// (from the node's current revision on) and hands the write number of every `change` frame's
// value to the Deliveries; `watch` (the reply) says the watch is open, `progress` frames are
// counted, `compacted` ends it (a failure).
import { connect, type Socket } from 'node:net';
import { ReplyParser, type ServerReply } from '../../src/resp/reply-parser.js';
import type { BenchWatcher } from './watch-etcd.js';
import { writeNumber, type Deliveries } from './watch-load.js';

function command(args: readonly string[]): Buffer {
  return Buffer.concat([Buffer.from(`*${args.length}\r\n`), ...args.map((a) => Buffer.from(`$${Buffer.byteLength(a)}\r\n${a}\r\n`))]);
}

function isText(reply: ServerReply | undefined, text: string): boolean {
  return reply?.type === 'bulk' && reply.value.length === text.length && reply.value.toString('latin1') === text;
}

export class CairnPushWatcher implements BenchWatcher {
  failure: string | undefined;
  private readonly parser = new ReplyParser();

  private constructor(private readonly socket: Socket, private readonly deliveries: Deliveries) {}

  /** Connects, starts the watch and resolves once its `watch` frame came back. */
  static open(port: number, pattern: string, deliveries: Deliveries, timeoutMs: number): Promise<CairnPushWatcher> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      const watcher = new CairnPushWatcher(socket, deliveries);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`CAIRN.WATCH not started within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.on('connect', () => socket.write(command(['CAIRN.WATCH', pattern])));
      socket.on('error', (error) => {
        clearTimeout(timer);
        watcher.failure ??= error.message;
        reject(error);
      });
      socket.on('close', () => (watcher.failure ??= 'the connection closed'));
      socket.on('data', (chunk: Buffer) => {
        try {
          if (!watcher.onData(chunk)) return;
          clearTimeout(timer);
          resolve(watcher);
        } catch (error) {
          watcher.failure ??= error instanceof Error ? error.message : String(error);
          reject(error);
          socket.destroy();
        }
      });
    });
  }

  pause(): void {
    this.socket.pause();
  }

  close(): void {
    this.failure ??= 'closed by the bench';
    this.socket.destroy();
  }

  /** Handles a chunk; true when it held the `watch` frame. */
  private onData(chunk: Buffer): boolean {
    this.parser.push(chunk);
    let started = false;
    for (let reply = this.parser.next(); reply !== undefined; reply = this.parser.next()) {
      if (reply.type === 'error') throw new Error(`CAIRN.WATCH: ${reply.message}`);
      if (reply.type !== 'array' && reply.type !== 'push') continue;
      const kind = reply.items[0];
      if (isText(kind, 'watch')) started = true;
      else if (isText(kind, 'compacted')) throw new Error('CAIRN.WATCH: compacted');
      else if (isText(kind, 'change')) this.change(reply.items[3]);
    }
    return started;
  }

  private change(fields: ServerReply | undefined): void {
    if (fields?.type !== 'array') return;
    for (let i = 0; i + 1 < fields.items.length; i += 2) {
      const value = fields.items[i + 1]!;
      if (isText(fields.items[i], 'value') && value.type === 'bulk') this.deliveries.delivered(writeNumber(value.value));
    }
  }
}
