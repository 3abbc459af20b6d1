// Test helpers: a Cairn server process on a free port with a temp data dir (always cleaned up),
// a redis-server on a free port, a raw socket client that waits for whole replies, and waiting
// for conditions with a deadline instead of sleeping.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { after, before } from 'node:test';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReplyParser, type ServerReply } from '../../src/resp/reply-parser.js';
import { entryArgs } from '../support/bundled-entry.js';
import { acceptsConnections, freePort } from '../support/free-port.js';

const root = new URL('../../', import.meta.url).pathname;

export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}


export interface RunningProcess {
  readonly port: number;
  readonly proc: ChildProcess;
  readonly dir: string;
  output(): string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit (keeps the dir). */
  kill(): Promise<void>;
  /** Stops if running and removes the temp dir. */
  cleanup(): Promise<void>;
}

function exited(proc: ChildProcess): Promise<number | null> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode);
  return new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
}

/** Starts `cairn server` from source on a free port; `dir` reuses a data dir (for restarts). */
export async function startCairn(extraArgs: string[] = [], dir?: string): Promise<RunningProcess> {
  const dataDir = dir ?? (await mkdtemp(join(tmpdir(), 'cairn-server-test-')));
  const proc = spawn(process.execPath, [...(await entryArgs('test/server/fixtures/run-server.ts')), '--port', '0', '--dir', dataDir, ...extraArgs], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const handle: RunningProcess = {
    port: 0,
    proc,
    dir: dataDir,
    output: () => output,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return exited(proc);
    },
    kill: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited(proc);
    },
    cleanup: async () => {
      await handle.kill();
      if (dir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
  try {
    const port = await waitFor('the server to be ready', () => {
      if (proc.exitCode !== null) throw new Error(`server exited: ${output}`);
      const match = /ready on [^ ]+:(\d+)/.exec(output);
      return match === null ? undefined : Number(match[1]);
    }, 30_000);
    return { ...handle, port };
  } catch (error) {
    await handle.cleanup();
    throw error;
  }
}

/** Whether redis-server is installed (the differential tests skip without it). */
export const haveRedis = spawnSync('sh', ['-c', 'command -v redis-server']).status === 0;

/** A Cairn server and a redis-server, started before a test file's tests and removed after them (neither without redis-server). */
export function withCairnAndRedis(): { readonly cairn: RunningProcess | undefined; readonly redis: RunningProcess | undefined } {
  const servers: { cairn: RunningProcess | undefined; redis: RunningProcess | undefined } = { cairn: undefined, redis: undefined };
  before(async () => {
    if (!haveRedis) return;
    [servers.cairn, servers.redis] = await Promise.all([startCairn(), startRedis()]);
  });
  after(async () => {
    await servers.cairn?.cleanup();
    await servers.redis?.cleanup();
  });
  return servers;
}

/** A redis-server on a free port with no persistence, for differential tests. */
export async function startRedis(extraArgs: string[] = []): Promise<RunningProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-redis-test-'));
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  const handle: RunningProcess = {
    port,
    proc,
    dir,
    output: () => output,
    stop: async () => {
      proc.kill('SIGTERM');
      return exited(proc);
    },
    kill: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited(proc);
    },
    cleanup: async () => {
      await handle.kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
  await waitFor('redis-server to accept connections', async () => ((await acceptsConnections(port)) ? true : undefined), 10_000);
  return handle;
}


/** A raw RESP client: send any bytes, read whole replies, see the raw bytes and the close. */
export class RawClient {
  readonly parser = new ReplyParser();
  raw = Buffer.alloc(0);
  closed = false;
  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.raw = Buffer.concat([this.raw, chunk]);
      this.parser.push(chunk);
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  send(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }

  /** Sends a command as an array of bulk strings. */
  command(...args: (string | Buffer)[]): void {
    this.send(encodeCommand(args));
  }

  async replies(count: number, timeoutMs = 10_000): Promise<ServerReply[]> {
    const out: ServerReply[] = [];
    await waitFor(`${count} replies`, () => {
      for (let r = this.parser.next(); r !== undefined; r = this.parser.next()) out.push(r);
      if (out.length >= count) return true;
      if (this.closed) throw new Error(`connection closed after ${out.length} of ${count} replies`);
      return undefined;
    }, timeoutMs);
    return out;
  }

  async reply(timeoutMs?: number): Promise<ServerReply> {
    return (await this.replies(1, timeoutMs))[0]!;
  }

  async call(...args: (string | Buffer)[]): Promise<ServerReply> {
    this.command(...args);
    return this.reply();
  }

  async waitClosed(timeoutMs = 10_000): Promise<void> {
    await waitFor('the connection to close', () => (this.closed ? true : undefined), timeoutMs);
  }

  close(): void {
    this.socket.destroy();
  }
}

export function encodeCommand(args: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = typeof arg === 'string' ? Buffer.from(arg) : arg;
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** A compact text form of a reply for assertions. */
export function show(reply: ServerReply): unknown {
  switch (reply.type) {
    case 'simple': return reply.value;
    case 'error': return `ERR:${reply.message}`;
    case 'integer': return Number(reply.value);
    case 'bulk': return reply.value.toString();
    case 'verbatim': return reply.value.toString();
    case 'null': return null;
    case 'double': return Number(reply.text);
    case 'boolean': return reply.value;
    case 'bignum': return reply.text;
    case 'array': case 'set': case 'push': return reply.items.map(show);
    case 'map': return Object.fromEntries(reply.entries.map(([k, v]) => [String(show(k)), show(v)]));
  }
}

export { freePort };

/**
 * Starts a server that snapshots every 3 entries, runs `write` against it, waits for a snapshot
 * file, stops it, starts it again on the same folder and runs `check` against that one; both
 * servers and the folder are gone afterwards.
 */
export async function restartFromSnapshot(write: (client: RawClient) => Promise<void>, check: (client: RawClient) => Promise<void>): Promise<void> {
  const first = await startCairn(['--snapshot-every', '3']);
  const dir = first.dir;
  try {
    const client = await RawClient.connect(first.port);
    try {
      await write(client);
    } finally {
      client.close();
    }
    await waitFor('a snapshot file', async () => (await readdir(dir)).some((name) => name.endsWith('.snap')));
    await first.stop();
    const again = await startCairn([], dir);
    try {
      const reader = await RawClient.connect(again.port);
      try {
        await check(reader);
      } finally {
        reader.close();
      }
    } finally {
      await again.kill();
    }
  } finally {
    await first.kill();
    await rm(dir, { recursive: true, force: true });
  }
}

/** ACL LOG's entries without the fields that differ by nature (client-info, age-seconds). */
export function aclLogShape(reply: ServerReply): unknown {
  const entries = show(reply) as Record<string, unknown>[] | unknown[][];
  return entries.map((entry) => {
    const fields = Array.isArray(entry) ? Object.fromEntries(Array.from({ length: entry.length / 2 }, (_, i) => [entry[2 * i], entry[2 * i + 1]])) : { ...entry };
    delete fields['client-info'];
    delete fields['age-seconds'];
    return fields;
  });
}
