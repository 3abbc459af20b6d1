// What the library tests (test/libs/) run against: a redis-server 7.0 (the oracle: a test that passes
// there is right about the library, and can fail) or a 3-node Cairn cluster of real processes. Both
// are a set of nodes with client ports that a test may kill -9 and restart; redis-server is one node
// with an append-only file fsynced on every write, so that a kill loses nothing acknowledged there
// either. `forEachTarget` runs a suite once per target, each with its own servers, cleaned up after.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { Redis } from 'ioredis';
import { TestCluster, waitFor } from '../cluster/helpers.js';
import { REDIS_AVAILABLE, REDIS_SERVER } from '../kv/redis-server.js';
import { freePort } from '../support/free-port.js';
import { nameTarget, refusalSummary } from './refusals.js';

export type TargetKind = 'redis-server' | 'cairn';

export interface LibTarget {
  readonly kind: TargetKind;
  /** How many nodes there are: redis-server has one. */
  readonly size: number;
  /** Node i's client port, i taken modulo size: "different nodes" of redis-server are the one node. */
  port(i: number): number;
  /** The node that leads now, once one does. */
  leader(): Promise<number>;
  /** kill -9 node i. */
  kill(i: number): Promise<void>;
  /** Start node i again on its port and data, once it was killed. */
  restart(i: number): Promise<void>;
  cleanup(): Promise<void>;
}

/** A redis-server with appendonly yes and appendfsync always (an acknowledged write survives kill -9), restartable on its port. */
class RedisTarget implements LibTarget {
  readonly kind = 'redis-server';
  readonly size = 1;
  private proc: ChildProcess | null = null;

  private constructor(private readonly portNumber: number, private readonly dir: string) {}

  static async start(): Promise<RedisTarget> {
    const target = new RedisTarget(await freePort(), await mkdtemp(join(tmpdir(), 'cairn-libs-redis-')));
    try {
      await target.restart();
    } catch (error) {
      await target.cleanup();
      throw error;
    }
    return target;
  }

  port(): number {
    return this.portNumber;
  }

  leader(): Promise<number> {
    return Promise.resolve(0);
  }

  async kill(): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    if (proc === null || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await exited;
  }

  async restart(): Promise<void> {
    const args = ['--port', String(this.portNumber), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', this.dir];
    const proc = spawn(REDIS_SERVER, args, { stdio: 'ignore' });
    this.proc = proc;
    await waitFor(`redis-server on ${this.portNumber}`, async () => {
      if (proc.exitCode !== null) throw new Error(`redis-server exited ${proc.exitCode}`);
      return (await ping(this.portNumber)) ? true : undefined;
    }, 10_000);
  }

  async cleanup(): Promise<void> {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** A 3-node Cairn cluster of real processes (test/cluster/helpers.ts). */
class CairnTarget implements LibTarget {
  readonly kind = 'cairn';
  readonly size: number;

  constructor(private readonly cluster: TestCluster) {
    this.size = cluster.nodes.length;
  }

  port(i: number): number {
    return this.cluster.nodes[i % this.size]!.port;
  }

  leader(): Promise<number> {
    return this.cluster.leader();
  }

  kill(i: number): Promise<void> {
    return this.cluster.kill(i);
  }

  restart(i: number): Promise<void> {
    return this.cluster.startNode(i);
  }

  cleanup(): Promise<void> {
    return this.cluster.cleanup();
  }
}

async function ping(port: number): Promise<boolean> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export async function startTarget(kind: TargetKind): Promise<LibTarget> {
  if (kind === 'redis-server') return RedisTarget.start();
  const cluster = await TestCluster.start(3);
  const target = new CairnTarget(cluster);
  await target.leader();
  return target;
}


/**
 * Defines `body`'s tests once per target, inside describe('redis-server') and describe('cairn'),
 * with the target started before them and cleaned up after; at the end it prints the error replies
 * the libraries got from that target (refusals.ts).
 */
export function forEachTarget(body: (target: () => LibTarget, kind: TargetKind) => void): void {
  for (const kind of ['redis-server', 'cairn'] as const) {
    // CAIRN_LIBS_TARGET=redis-server (or cairn) runs one target only, while writing a test.
    const only = process.env.CAIRN_LIBS_TARGET;
    const skip = only !== undefined && only !== kind ? `CAIRN_LIBS_TARGET=${only}` : kind === 'redis-server' && !REDIS_AVAILABLE ? `${REDIS_SERVER} is not installed` : false;
    describe(kind, { skip }, () => {
      let target: LibTarget | undefined;
      before(async () => {
        target = await startTarget(kind);
        for (let i = 0; i < target.size; i++) nameTarget(target.port(i), kind);
      });
      after(async () => {
        console.log(refusalSummary(kind));
        await target?.cleanup();
      });
      body(() => {
        if (target === undefined) throw new Error(`the ${kind} target did not start`);
        return target;
      }, kind);
    });
  }
}
