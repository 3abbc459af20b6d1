// Test helper: a throwaway redis-server (Debian's) on a free port, with a raw RESP2 connection that
// returns each reply's exact bytes, so kv/ replies can be compared with Redis's byte for byte.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/free-port.js';

export const REDIS_SERVER = '/usr/bin/redis-server';
/** Whether Debian's redis-server is installed (the differential tests skip without it). */
export const REDIS_AVAILABLE = existsSync(REDIS_SERVER);

/** One redis-server for a test file: started before its tests (handed to `started`), stopped after them. */
export function withRedisServer(started: (redis: RedisProcess) => void): void {
  let redis: RedisProcess | undefined;
  before(async () => {
    if (!REDIS_AVAILABLE) return;
    redis = await RedisProcess.start();
    started(redis);
  });
  after(async () => {
    await redis?.stop();
  });
}

/** The end offset of the first complete RESP2/RESP3 reply in buf from `start`, or -1 if incomplete. */
export function replyEnd(buf: Buffer, start: number): number {
  if (start >= buf.length) return -1;
  const lineEnd = buf.indexOf('\r\n', start);
  if (lineEnd === -1) return -1;
  const type = String.fromCharCode(buf[start] as number);
  if ('+-:_,#('.includes(type)) return lineEnd + 2;
  const count = Number(buf.toString('latin1', start + 1, lineEnd));
  if (type === '$' || type === '=' || type === '!') {
    if (count < 0) return lineEnd + 2; // RESP2 null bulk
    const end = lineEnd + 2 + count + 2;
    return end <= buf.length ? end : -1;
  }
  if (type === '*' || type === '~' || type === '>' || type === '%') {
    let at = lineEnd + 2;
    const elements = type === '%' ? 2 * count : count;
    for (let i = 0; i < elements; i++) {
      at = replyEnd(buf, at);
      if (at === -1) return -1;
    }
    return at;
  }
  throw new Error(`unexpected RESP type byte ${type}`);
}

export function encodeCommand(argv: readonly Uint8Array[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)];
  for (const arg of argv) parts.push(Buffer.from(`$${arg.length}\r\n`), Buffer.from(arg), Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

export class RedisProcess {
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly dir: string,
    private readonly socket: Socket,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      this.wake?.();
    });
  }

  private pending: Buffer = Buffer.alloc(0);
  private wake: (() => void) | undefined;

  /** `extraArgs` are added to the command line (e.g. `--enable-debug-command yes`). */
  static async start(deadlineMs = 10_000, extraArgs: readonly string[] = []): Promise<RedisProcess> {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-kv-redis-'));
    const port = await freePort();
    const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs], {
      stdio: 'ignore',
    });
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      try {
        const socket = await new Promise<Socket>((resolve, reject) => {
          const s = connect(port, '127.0.0.1', () => resolve(s));
          s.once('error', reject);
        });
        const redis = new RedisProcess(port, child, dir, socket);
        const pong = await redis.sendRaw([[Buffer.from('PING')]]);
        if (pong[0]?.toString() === '+PONG\r\n') return redis;
        socket.destroy();
      } catch (error) {
        if (Date.now() > deadline || child.exitCode !== null) {
          child.kill('SIGKILL');
          await rm(dir, { recursive: true, force: true });
          throw new Error(`redis-server did not come up on port ${port}: ${String(error)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20)); // poll interval while waiting for the port
      }
    }
  }

  /** Sends commands pipelined; resolves with each reply's raw bytes. */
  async sendRaw(commands: readonly (readonly Uint8Array[])[]): Promise<Buffer[]> {
    this.socket.write(Buffer.concat(commands.map(encodeCommand)));
    const replies: Buffer[] = [];
    const deadline = Date.now() + 10_000;
    while (replies.length < commands.length) {
      const end = replyEnd(this.pending, 0);
      if (end !== -1) {
        replies.push(this.pending.subarray(0, end));
        this.pending = this.pending.subarray(end);
        continue;
      }
      if (Date.now() > deadline) throw new Error('redis-server reply timed out');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return replies;
  }

  async stop(): Promise<void> {
    this.socket.destroy();
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGKILL');
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
