// `cairn local-cluster` (what `npm start` runs): three replicated nodes as child processes on
// 127.0.0.1 — clients on 7001-7003, peers on 17001-17003, data in ./data/n1..n3 — with each node's
// JSON log in its data folder and role changes echoed here. Prints how to connect; Ctrl-C stops
// all three gracefully. Starting it again recovers the data from ./data. The first start writes a
// random cluster secret to ./data/cluster-secret (mode 0600), which every node is given with
// --cluster-secret-file, so strangers on the peer ports are refused.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, writeFileSync, type WriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CairnError, errorMessage } from '../lib/errors.js';
import { serverSpawnSettings } from './launch.js';

const usage = `usage: cairn local-cluster [--dir ./data] [--nodes 3] [--port 7001] [--peer-port 17001]`;

export interface LocalClusterOptions {
  /** The command that runs one node with `cairn server`'s flags, e.g. [bin/cairn.js, 'server']. */
  readonly nodeCommand: readonly string[];
  /** The nodes' environment (main: with the server's malloc settings, launch.ts); this process's if not given. */
  readonly nodeEnv?: NodeJS.ProcessEnv;
  readonly dir: string;
  readonly nodes: number;
  readonly port: number;
  readonly peerPort: number;
  /** Where progress lines go. */
  readonly print: (line: string) => void;
}

interface Child {
  readonly id: string;
  readonly port: number;
  readonly proc: ChildProcess;
  readonly log: WriteStream;
  ready: boolean;
  exited: Promise<number | null>;
}

/** Longest a node may take to print its ready line, and to exit after SIGTERM. */
const startTimeoutMs = 30_000;
const stopTimeoutMs = 10_000;
const nodesMax = 9;

export async function main(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: { dir: { type: 'string' }, nodes: { type: 'string' }, port: { type: 'string' }, 'peer-port': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (error) {
    console.error(`cairn local-cluster: ${errorMessage(error)}\n${usage}`);
    return 2;
  }
  if (values.help === true) {
    console.log(usage);
    return 0;
  }
  const nodes = Number(values.nodes ?? '3');
  const port = Number(values.port ?? '7001');
  const peerPort = Number(values['peer-port'] ?? '17001');
  const valid = (n: number, min: number, max: number): boolean => Number.isInteger(n) && n >= min && n <= max;
  if (!valid(nodes, 1, nodesMax) || !valid(port, 1, 65_535 - nodesMax) || !valid(peerPort, 1, 65_535 - nodesMax)) {
    console.error(`cairn local-cluster: --nodes must be 1..${nodesMax} and ports 1..${65_535 - nodesMax}\n${usage}`);
    return 2;
  }
  const entry = process.argv[1];
  if (entry === undefined) throw new CairnError('CAIRN_INVALID_ARGUMENT', 'cannot tell which script runs cairn');
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
  // The nodes start with the server's V8 flags and malloc settings, so they need no launcher.
  const { execArgv, env } = serverSpawnSettings(process.execArgv, process.env);
  return runLocalCluster({ nodeCommand: [...execArgv, entry, 'server'], nodeEnv: env, dir: values.dir ?? './data', nodes, port, peerPort, print: (line) => console.log(line) }, stop.signal);
}

/** Runs the nodes until `stop` aborts (or every node has exited); resolves with an exit code. */
export async function runLocalCluster(options: LocalClusterOptions, stop: AbortSignal): Promise<number> {
  const ids = Array.from({ length: options.nodes }, (_, i) => `n${i + 1}`);
  const peers = ids.map((id, i) => `${id}=127.0.0.1:${options.peerPort + i}`).join(',');
  const secretFile = clusterSecretFile(options.dir);
  const children = ids.map((id, i) => startChild(options, id, i, [peers, secretFile]));
  const stopped = new Promise<void>((resolveStop) => (stop.aborted ? resolveStop() : stop.addEventListener('abort', () => resolveStop(), { once: true })));
  const allExited = Promise.all(children.map((c) => c.exited)).then(() => undefined);
  const ready = waitReady(children);
  const first = await Promise.race([ready.then(() => 'ready' as const, () => 'timeout' as const), stopped.then(() => 'stop' as const), allExited.then(() => 'exited' as const)]);
  if (first === 'ready') {
    options.print(`cairn local cluster: ${children.length} nodes up (data in ${resolve(options.dir)})`);
    for (const c of children) options.print(`  ${c.id}  redis-cli -p ${c.port}   (log ${join(options.dir, c.id)}.log)`);
    options.print('connect to any node: followers relay to the leader; redis-cli -c and ioredis Cluster find the leader themselves. Ctrl-C stops all.');
    await Promise.race([stopped, allExited]);
  } else if (first !== 'stop') {
    options.print(`cairn local cluster: the nodes ${first === 'timeout' ? 'did not start in time' : 'exited before they were ready'}; see the logs in ${options.dir}`);
  }
  options.print('cairn local cluster: stopping');
  const codes = await stopAll(children);
  options.print('cairn local cluster: stopped');
  return first === 'ready' && stop.aborted && codes.every((code) => code === 0) ? 0 : 1;
}

/** The cluster secret's file in the data folder, written with 32 random bytes (hex) on the first start. */
function clusterSecretFile(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'cluster-secret');
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  return file;
}

function startChild(options: LocalClusterOptions, id: string, i: number, [peers, secretFile]: [string, string]): Child {
  const dir = join(options.dir, id);
  const log = createWriteStream(`${dir}.log`, { flags: 'a' });
  const args = [
    ...options.nodeCommand, '--id', id, '--host', '127.0.0.1', '--port', String(options.port + i),
    '--peer-port', String(options.peerPort + i), '--peers', peers, '--dir', dir, '--cluster-secret-file', secretFile,
  ];
  // Its own process group: the terminal's Ctrl-C reaches us, and we stop the nodes in order.
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: options.nodeEnv });
  const child: Child = { id, port: options.port + i, proc, log, ready: false, exited: Promise.resolve(null) };
  child.exited = new Promise((resolveExit) => proc.once('exit', (code, signal) => {
    if (signal !== null || code !== 0) options.print(`${id}: exited (${signal ?? `code ${code}`})`);
    resolveExit(code);
  }));
  proc.stdout?.on('data', (chunk: Buffer) => {
    log.write(chunk);
    if (chunk.toString().includes(' ready on ')) child.ready = true;
  });
  let partial = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    log.write(chunk);
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop()!.slice(-65_536);
    for (const line of lines) echoRoleChange(line, options.print);
  });
  return child;
}

/** Echoes `raft.role` log lines (and errors that are not JSON) to the console. */
function echoRoleChange(line: string, print: (line: string) => void): void {
  if (line.trim() === '') return;
  let fields: { event?: unknown; node?: unknown; role?: unknown; term?: unknown; reason?: unknown };
  try {
    fields = JSON.parse(line) as typeof fields;
  } catch {
    print(line);
    return;
  }
  if (fields.event === 'raft.role' && (fields.role === 'leader' || fields.role === 'follower')) {
    print(`${String(fields.node)}: ${String(fields.role)} in term ${String(fields.term)} — ${String(fields.reason)}`);
  }
}

async function waitReady(children: readonly Child[]): Promise<void> {
  const deadline = Date.now() + startTimeoutMs;
  while (!children.every((c) => c.ready)) {
    if (Date.now() > deadline) throw new CairnError('CAIRN_TIMEOUT', 'the nodes did not start in time');
    await new Promise((resolveTick) => setTimeout(resolveTick, 50));
  }
}

/** SIGTERM every node (each hands leadership over and syncs), SIGKILL what is left after the timeout. */
async function stopAll(children: readonly Child[]): Promise<(number | null)[]> {
  for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGTERM');
  const timer = setTimeout(() => {
    for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
  }, stopTimeoutMs);
  const codes = await Promise.all(children.map((c) => c.exited));
  clearTimeout(timer);
  await Promise.all(children.map((c) => new Promise<void>((done) => c.log.end(() => done()))));
  return codes;
}
