// The server launcher (src/cli/launch.ts): `cairn server` started plainly runs itself again with
// the server's V8 flags and malloc settings, which the server process's /proc cmdline and environ
// show; SIGTERM to the launcher (or to its process group) stops the server cleanly with exit code 0; a bad flag or a node
// flag node refuses ends the launcher with the server's non-zero code and its error; a launcher
// killed outright takes the server with it; and local-cluster starts its nodes with the settings
// and no launcher in between.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JEMALLOC_ENV, jemallocPath, SERVER_MALLOC_ENV } from '../../src/cli/launch.js';
import { freePort, waitFor } from '../server/helpers.js';

const main = join(import.meta.dirname, '../../src/cli/main.ts');

interface Started {
  readonly proc: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

/** Runs `cairn ARGS` (in its own process group if `detached`). */
function cairn(args: readonly string[], env: NodeJS.ProcessEnv = {}, detached = false): Started {
  const childEnv = { ...process.env, ...env };
  delete childEnv['CAIRN_SERVER_LAUNCHED'];
  delete childEnv['LD_PRELOAD'];
  delete childEnv['MALLOC_CONF'];
  const proc = spawn(process.execPath, ['--import', 'tsx', main, ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'], detached });
  let output = '';
  proc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  return { proc, exited, output: () => output };
}

/** The pid the ready line names (the server process's own). */
async function serverPid(started: Started): Promise<number> {
  return waitFor('the ready line', () => {
    if (started.proc.exitCode !== null) throw new Error(`exited ${started.proc.exitCode}: ${started.output()}`);
    const match = / ready on .*pid (\d+)\)/.exec(started.output());
    return match === null ? undefined : Number(match[1]);
  }, 30_000);
}

function environ(pid: number): Map<string, string> {
  const pairs = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').filter((p) => p !== '');
  return new Map(pairs.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
}

function cmdline(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
}

function parentPid(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** The V8 flag the tests give the server (CAIRN_SERVER_NODE_FLAGS), harmless and visible in its command line. */
const FLAG = '--max-semi-space-size=4';

function assertTuned(pid: number): void {
  const env = environ(pid);
  for (const [name, value] of Object.entries(SERVER_MALLOC_ENV)) assert.equal(env.get(name), value, name);
  assert.ok(env.has('CAIRN_SERVER_LAUNCHED'));
  const jemalloc = jemallocPath();
  if (jemalloc !== undefined) {
    assert.equal(env.get('LD_PRELOAD'), jemalloc);
    for (const [name, value] of Object.entries(JEMALLOC_ENV)) assert.equal(env.get(name), value, name);
    assert.ok(readFileSync(`/proc/${pid}/maps`, 'utf8').includes(jemalloc), 'jemalloc is mapped into the server');
  }
  const args = cmdline(pid);
  assert.ok(args.includes(FLAG), `${FLAG} in ${args.join(' ')}`);
}

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-launch-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('cairn server runs with the server flags and malloc settings, and SIGTERM stops it cleanly', async () => {
  await withDir(async (dir) => {
    const started = cairn(['server', '--port', '0', '--dir', join(dir, 'data')], { CAIRN_SERVER_NODE_FLAGS: FLAG });
    try {
      const pid = await serverPid(started);
      assert.notEqual(pid, started.proc.pid, 'the server is the relaunched process');
      assert.equal(parentPid(pid), started.proc.pid);
      assertTuned(pid);
      started.proc.kill('SIGTERM');
      assert.deepEqual(await started.exited, { code: 0, signal: null }, started.output());
      assert.match(started.output(), /cairn server: SIGTERM, shutting down node n1\ncairn server: stopped/);
      assert.equal(existsSync(`/proc/${pid}`), false, 'the server exited with the launcher');
    } finally {
      started.proc.kill('SIGKILL');
    }
  });
});

test('SIGTERM to the whole process group (launcher and server both) still stops the server cleanly', async () => {
  await withDir(async (dir) => {
    const started = cairn(['server', '--port', '0', '--dir', join(dir, 'data')], { CAIRN_SERVER_NODE_FLAGS: FLAG }, true);
    try {
      await serverPid(started);
      process.kill(-started.proc.pid!, 'SIGTERM');
      assert.deepEqual(await started.exited, { code: 0, signal: null }, started.output());
      assert.match(started.output(), /cairn server: stopped/);
    } finally {
      started.proc.kill('SIGKILL');
    }
  });
});

test('a bad server flag and a flag node refuses end the launcher with the error and a non-zero code', async () => {
  const badFlag = cairn(['server', '--no-such-flag']);
  assert.deepEqual(await badFlag.exited, { code: 2, signal: null });
  assert.match(badFlag.output(), /cairn server: Unknown option '--no-such-flag'/);
  const badNodeFlag = cairn(['server', '--port', '0'], { CAIRN_SERVER_NODE_FLAGS: '--no-such-v8-flag' });
  const { code } = await badNodeFlag.exited;
  assert.notEqual(code, 0);
  assert.notEqual(code, null);
  assert.match(badNodeFlag.output(), /bad option: --no-such-v8-flag/);
});

test('a launcher killed outright takes its server with it', async () => {
  await withDir(async (dir) => {
    const started = cairn(['server', '--port', '0', '--dir', join(dir, 'data')], { CAIRN_SERVER_NODE_FLAGS: FLAG });
    try {
      const pid = await serverPid(started);
      started.proc.kill('SIGKILL');
      await started.exited;
      await waitFor('the server to exit', () => (existsSync(`/proc/${pid}`) && !isZombie(pid) ? undefined : true), 10_000);
    } finally {
      started.proc.kill('SIGKILL');
    }
  });
});

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

test('local-cluster starts its nodes with the server settings and no launcher between', async () => {
  await withDir(async (dir) => {
    const port = await freePort();
    const peerPort = await freePort();
    const started = cairn(['local-cluster', '--nodes', '1', '--port', String(port), '--peer-port', String(peerPort), '--dir', dir], { CAIRN_SERVER_NODE_FLAGS: FLAG });
    try {
      await waitFor('the cluster to be up', () => (started.output().includes('nodes up') ? true : undefined), 60_000);
      // The node's output reaches its log file through a stream: wait for the line to land.
      const pid = await waitFor('the ready line in n1.log', () => {
        const match = / ready on .*pid (\d+)\)/.exec(readFileSync(join(dir, 'n1.log'), 'utf8'));
        return match === null ? undefined : Number(match[1]);
      }, 10_000);
      assert.equal(parentPid(pid), started.proc.pid);
      assertTuned(pid);
      started.proc.kill('SIGTERM');
      assert.deepEqual(await started.exited, { code: 0, signal: null }, started.output());
    } finally {
      started.proc.kill('SIGKILL');
    }
  });
});
