// bench:memory — Cairn's memory against redis-server's for the same data (issue #11 item 3:
// Cairn RSS ≤ 1.5× redis-server RSS). Starts redis-server (appendonly yes, appendfsync always) and
// a `cairn server` (fsync always) as users start it — through the launcher that re-execs it with the
// server's V8 flags and malloc settings (src/cli/launch.ts) — each on a free port with its own
// temp dir; loads the same N
// items into each over one pipelined connection — N distinct string keys (`key:000000000042`, as
// redis-benchmark names them) with V-byte values, or one hash of N fields with V-byte values, or
// one sorted set of N members; waits until each has settled (Cairn: its log compacted into a
// snapshot, then RSS flat for a while); prints RSS after the load and settled, and the ratio (of
// the server process; the launcher's own RSS and private bytes are printed beside it); stops both
// and removes their dirs.
//
//   npm run bench:memory                       N = 1,000,000 keys, 100-byte values
//   npm run bench:memory -- --keys 200000      a quicker run
//   npm run bench:memory -- --shape hash       one hash of N fields (--shape zset: a sorted set)
//   npm run bench:memory -- --only cairn --cairn-arg=--snapshot-every --cairn-arg=20000
//   npm run bench:memory -- --cairn-cli /tmp/base/bin/cairn.js     another build of cairn
//   npm run bench:memory -- --cairn-env CAIRN_SERVER_NODE_FLAGS=    cairn's environment: here no V8 flags
//   npm run bench:memory -- --cairn-env CAIRN_SERVER_LAUNCHED=no    no launcher: neither flags nor malloc settings

import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { assert } from '../src/lib/assert.js';
import { acceptsConnections } from '../test/support/free-port.js';
import { Procs, freePort, waitFor, type Child } from './lib/procs.js';

const startTimeoutMs = 30_000;
const loadTimeoutMs = 30 * 60_000;
/** Commands per pipelined write; the next batch goes once every reply of this one arrived. */
const batchCommands = 1000;
/** Settled: RSS moved less than this over the last settleWindowMs. */
const settleSlackBytes = 2 * 1024 * 1024;
// Longer than the idle collections of a quiet node (src/runtime/cluster/idle-gc.ts: 1 s, then 6 s more).
const settleWindowMs = 10_000;
const settleTimeoutMs = 180_000;
const OK_REPLY = Buffer.from('+OK\r\n');
const ADDED_REPLY = Buffer.from(':1\r\n');

/** What the load writes: N string keys, or N fields of one hash, or N members of one sorted set. */
type Shape = 'string' | 'hash' | 'zset';
const SHAPES: readonly Shape[] = ['string', 'hash', 'zset'];

interface Server {
  readonly name: string;
  readonly child: Child;
  readonly port: number;
  /** The server process (for Cairn the one the launcher started, as its ready line names it). */
  readonly pid: number;
  /** Cairn's launcher, when the server runs behind one. */
  readonly launcherPid: number | undefined;
  /** Resolves once the server has nothing left to do after the load (Cairn: its last compaction). */
  caughtUp(): Promise<void>;
}

/** Private (unshared) resident bytes of a process, from /proc/<pid>/smaps_rollup. */
function privateBytes(pid: number): number {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  let kib = 0;
  for (const match of rollup.matchAll(/^Private_(?:Clean|Dirty):\s+(\d+) kB$/gm)) kib += Number(match[1]);
  return kib * 1024;
}

/** Resident set size of a process, from /proc/<pid>/status. */
function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  assert(match !== null, `no VmRSS for ${pid}`);
  return Number(match[1]) * 1024;
}

function keyName(i: number): string {
  return `key:${String(i).padStart(12, '0')}`;
}

function bulk(text: string): string {
  return `$${text.length}\r\n${text}\r\n`;
}

/** The commands for items [from, to): values of valueBytes bytes that differ per item. */
function loadBatch(shape: Shape, from: number, to: number, valueBytes: number): Buffer {
  const parts: string[] = [];
  for (let i = from; i < to; i++) {
    const value = String(i).padStart(valueBytes, 'x').slice(-valueBytes);
    if (shape === 'string') parts.push(`*3\r\n$3\r\nSET\r\n${bulk(keyName(i))}${bulk(value)}`);
    else if (shape === 'hash') parts.push(`*4\r\n$4\r\nHSET\r\n$8\r\nhash:big\r\n${bulk(`field:${String(i).padStart(12, '0')}`)}${bulk(value)}`);
    else parts.push(`*4\r\n$4\r\nZADD\r\n$8\r\nzset:big\r\n${bulk(String(i))}${bulk(`member:${String(i).padStart(12, '0')}`)}`);
  }
  return Buffer.from(parts.join(''), 'latin1');
}

/** Sends `items` commands over one connection, batchCommands at a time; every reply must be the expected one. */
async function load(port: number, shape: Shape, items: number, valueBytes: number): Promise<number> {
  const socket: Socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const startedMs = Date.now();
  const reply = shape === 'string' ? OK_REPLY : ADDED_REPLY;
  try {
    for (let from = 0; from < items; from += batchCommands) {
      const to = Math.min(items, from + batchCommands);
      await exchange(socket, loadBatch(shape, from, to, valueBytes), reply, (to - from) * reply.length);
    }
  } finally {
    socket.destroy();
  }
  return Date.now() - startedMs;
}

/** Writes a batch and reads exactly `replyBytes` back, all of it `reply` repeated. */
function exchange(socket: Socket, request: Buffer, reply: Buffer, replyBytes: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let received = 0;
    const timer = setTimeout(() => done(new Error('no reply within the load timeout')), loadTimeoutMs);
    const onData = (chunk: Buffer): void => {
      for (let i = 0; i < chunk.length; i++) {
        if (chunk[i] !== reply[(received + i) % reply.length]) return done(new Error(`unexpected reply: ${chunk.subarray(i, i + 80).toString('latin1')}`));
      }
      received += chunk.length;
      if (received >= replyBytes) done(received === replyBytes ? undefined : new Error('more replies than commands'));
    };
    const onError = (error: Error): void => done(error);
    const done = (error: Error | undefined): void => {
      clearTimeout(timer);
      socket.off('data', onData).off('error', onError);
      if (error === undefined) resolve();
      else reject(error);
    };
    socket.on('data', onData).on('error', onError);
    socket.write(request);
  });
}

async function waitAccepting(child: Child, port: number): Promise<void> {
  await waitFor(`${child.name} to accept connections`, async () => {
    if (!child.alive()) throw new Error(`${child.name} exited: ${child.output()}`);
    return (await acceptsConnections(port)) ? true : undefined;
  }, startTimeoutMs);
}

async function startRedis(procs: Procs): Promise<Server> {
  const port = await freePort();
  const dir = await procs.tempDir('cairn-bench-memory-redis-');
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'];
  const child = procs.spawn('redis-server', 'redis-server', args);
  await waitAccepting(child, port);
  return { name: 'redis-server', child, port, pid: child.proc.pid!, launcherPid: undefined, caughtUp: () => Promise.resolve() };
}

async function startCairn(procs: Procs, cli: string, extraArgs: readonly string[]): Promise<Server> {
  const port = await freePort();
  const dir = await procs.tempDir('cairn-bench-memory-cairn-');
  const child = procs.spawn('cairn', process.execPath, [cli, 'server', '--port', String(port), '--dir', dir, '--fsync', 'always', ...extraArgs]);
  await waitAccepting(child, port);
  const pid = await waitFor('cairn\'s ready line', () => {
    const ready = / ready on .*pid (\d+)\)/.exec(child.output());
    return ready === null ? undefined : Number(ready[1]);
  }, startTimeoutMs);
  const launcherPid = pid === child.proc.pid ? undefined : child.proc.pid;
  return { name: 'cairn', child, port, pid, launcherPid, caughtUp: () => compactionAfter(child, child.output().length) };
}

/** Waits for a `raft.compacted` log line that was not yet in the output `seenChars` in. */
async function compactionAfter(child: Child, seenChars: number): Promise<void> {
  const before = child.output();
  const start = Math.min(seenChars, before.length);
  await waitFor('cairn to compact its log', () => {
    if (!child.alive()) throw new Error(`cairn exited: ${child.output()}`);
    return child.output().slice(start).includes('"raft.compacted"') ? true : undefined;
  }, settleTimeoutMs);
}

/** Waits until the server caught up and its RSS stayed within settleSlackBytes for settleWindowMs. */
async function settledRss(server: Server): Promise<number> {
  await server.caughtUp();
  const pid = server.pid;
  const samples: { atMs: number; bytes: number }[] = [];
  return waitFor(`${server.name}'s RSS to settle`, () => {
    const nowMs = Date.now();
    samples.push({ atMs: nowMs, bytes: rssBytes(pid) });
    while (samples.length > 1 && nowMs - samples[1]!.atMs >= settleWindowMs) samples.shift();
    const first = samples[0]!;
    if (nowMs - first.atMs < settleWindowMs) return undefined;
    const values = samples.map((s) => s.bytes);
    return Math.max(...values) - Math.min(...values) <= settleSlackBytes ? samples.at(-1)!.bytes : undefined;
  }, settleTimeoutMs);
}

interface Measured {
  readonly name: string;
  readonly loadMs: number;
  readonly loadedRssBytes: number;
  readonly settledRssBytes: number;
  /** The launcher's RSS and private bytes when settled (most of its RSS is the node binary, shared with the server). */
  readonly launcher: { readonly rssBytes: number; readonly privateBytes: number } | undefined;
}

async function measure(server: Server, load_: Load): Promise<Measured> {
  process.stderr.write(`bench: loading ${load_.items.toLocaleString('en-US')} ${load_.shape} items into ${server.name} ...\n`);
  const outputBefore = server.child.output().length;
  const loadMs = await load(server.port, load_.shape, load_.items, load_.valueBytes);
  const loadedRssBytes = rssBytes(server.pid);
  process.stderr.write(`bench: ${server.name} loaded in ${loadMs} ms; waiting for it to settle ...\n`);
  const settled = await settledRss({ ...server, caughtUp: server.name === 'cairn' ? () => compactionAfter(server.child, outputBefore) : server.caughtUp });
  process.stderr.write(`bench: ${server.name} settled: ${await memoryInfo(server.port)}\n`);
  const launcher = server.launcherPid === undefined ? undefined : { rssBytes: rssBytes(server.launcherPid), privateBytes: privateBytes(server.launcherPid) };
  return { name: server.name, loadMs, loadedRssBytes, settledRssBytes: settled, launcher };
}

/** The server's own account of its memory (INFO memory's used_memory figures), for the log. */
async function memoryInfo(port: number): Promise<string> {
  const socket: Socket = connect(port, '127.0.0.1');
  try {
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const text = await new Promise<string>((resolve, reject) => {
      let received = '';
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
        const header = /^\$(\d+)\r\n/.exec(received);
        if (header !== null && received.length >= header[0].length + Number(header[1]) + 2) resolve(received);
      }).once('error', reject);
      socket.write('*2\r\n$4\r\nINFO\r\n$6\r\nmemory\r\n');
    });
    const wanted = ['used_memory', 'used_memory_dataset', 'used_memory_overhead', 'used_memory_rss'];
    return text.split('\r\n').filter((line) => wanted.includes(line.split(':')[0] ?? '')).map((line) => {
      const [name, value] = line.split(':');
      return `${name} ${mib(Number(value))}`;
    }).join(', ');
  } finally {
    socket.destroy();
  }
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

interface Load {
  readonly shape: Shape;
  readonly items: number;
  readonly valueBytes: number;
}

const SHAPE_TITLES: Readonly<Record<Shape, string>> = { string: 'string keys, V-byte values', hash: 'fields of one hash, V-byte values', zset: 'members of one sorted set' };

function report(results: readonly Measured[], { shape, items: keys, valueBytes }: Load): void {
  const title = SHAPE_TITLES[shape].replace('V-byte', `${valueBytes}-byte`);
  console.log(`\n${keys.toLocaleString('en-US')} ${title}, one pipelined connection (${batchCommands} commands per batch)\n`);
  console.log(['server'.padEnd(14), 'load s'.padStart(8), 'RSS loaded'.padStart(14), 'RSS settled'.padStart(14), 'bytes/item'.padStart(10)].join(' '));
  for (const r of results) {
    console.log([
      r.name.padEnd(14), (r.loadMs / 1000).toFixed(1).padStart(8), mib(r.loadedRssBytes).padStart(14),
      mib(r.settledRssBytes).padStart(14), Math.round(r.settledRssBytes / keys).toString().padStart(10),
    ].join(' '));
  }
  const cairn = results.find((r) => r.name === 'cairn');
  const redis = results.find((r) => r.name === 'redis-server');
  if (cairn === undefined || redis === undefined) return;
  const ratio = cairn.settledRssBytes / redis.settledRssBytes;
  console.log(`\ncairn / redis-server settled RSS: ${ratio.toFixed(2)}× (target ≤ 1.5×: ${ratio <= 1.5 ? 'met' : 'MISSED'})`);
  if (cairn.launcher === undefined) return;
  const withLauncher = (cairn.settledRssBytes + cairn.launcher.privateBytes) / redis.settledRssBytes;
  console.log(`cairn's launcher: RSS ${mib(cairn.launcher.rssBytes)}, of it private ${mib(cairn.launcher.privateBytes)}; server RSS + launcher private / redis-server: ${withLauncher.toFixed(2)}×`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      keys: { type: 'string', default: '1000000' },
      'value-bytes': { type: 'string', default: '100' },
      only: { type: 'string' },
      'cairn-arg': { type: 'string', multiple: true, default: [] },
      'cairn-cli': { type: 'string', default: join(import.meta.dirname, '..', '..', 'bin', 'cairn.js') },
      shape: { type: 'string', default: 'string' },
      'cairn-env': { type: 'string', multiple: true, default: [] },
    },
    strict: true,
  });
  const keys = Number(values.keys);
  const valueBytes = Number(values['value-bytes']);
  if (!Number.isSafeInteger(keys) || keys <= 0) throw new Error(`--keys must be a positive integer, got ${values.keys}`);
  if (!Number.isSafeInteger(valueBytes) || valueBytes < 16) throw new Error(`--value-bytes must be an integer ≥ 16, got ${values['value-bytes']}`);
  if (values.only !== undefined && values.only !== 'cairn' && values.only !== 'redis') throw new Error('--only is cairn or redis');
  const shape = SHAPES.find((s) => s === values.shape);
  if (shape === undefined) throw new Error(`--shape is one of ${SHAPES.join(', ')}, got ${values.shape}`);
  const plan: Load = { shape, items: keys, valueBytes };
  const procs = new Procs();
  process.once('exit', () => procs.cleanupNow());
  const results: Measured[] = [];
  try {
    // One server at a time, so neither's load competes with the other's for the 2 cores.
    if (values.only !== 'cairn') results.push(await measureAndStop(procs, await startRedis(procs), plan));
    for (const setting of values['cairn-env']) {
      const at = setting.indexOf('=');
      if (at <= 0) throw new Error(`--cairn-env is NAME=VALUE, got ${setting}`);
      process.env[setting.slice(0, at)] = setting.slice(at + 1);
    }
    if (values.only !== 'redis') results.push(await measureAndStop(procs, await startCairn(procs, values['cairn-cli'], values['cairn-arg']), plan));
  } finally {
    await procs.cleanup();
  }
  report(results, plan);
}

async function measureAndStop(procs: Procs, server: Server, plan: Load): Promise<Measured> {
  try {
    return await measure(server, plan);
  } finally {
    await procs.kill(server.child);
  }
}

await main();
