// bench:script — what a script costs. In process: how many Lua instructions a second fengari runs
// (a loop stopped by the instruction limit: exactly `limit` instructions), and the kv-level cost of
// EVALSHA of a small read-modify-write script. Then on real servers in the same run: a Cairn node
// (fsync always) against redis-server (appendfsync always) under redis-benchmark's EVALSHA of the
// same script, requests/s and each server's CPU µs per call (from /proc, comparable on a busy machine).
//
//   node --import tsx bench/script.ts            defaults: 20M instructions, 20,000 EVALSHA
//   node --import tsx bench/script.ts -n 5000

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';
import { KvState } from '../src/kv/state.js';
import { acceptsConnections, freePort } from '../test/support/free-port.js';

const RMW = "local v = tonumber(redis.call('get', KEYS[1]) or '0') + tonumber(ARGV[1]) redis.call('set', KEYS[1], v) return v";
const SHA = createHash('sha1').update(RMW).digest('hex');
const root = new URL('../', import.meta.url).pathname;
const clockTicksPerSecond = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
}

function instructionsPerSecond(limit: number): number {
  const state = new KvState({ scriptMaxInstructions: limit });
  const loop = 'local t = {} local i = 0 while true do i = i + 1 t[i % 100 + 1] = i * 2 end';
  state.execute([Buffer.from('EVAL'), Buffer.from('return 1'), Buffer.from('0')], 1); // the Lua state made
  const started = process.hrtime.bigint();
  const reply = state.execute([Buffer.from('EVAL'), Buffer.from(loop), Buffer.from('0')], 1);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (reply.type !== 'error') throw new Error('the loop was not stopped');
  return limit / seconds;
}

function kvEvalshaMicros(calls: number): number {
  const state = new KvState();
  const argv = (...parts: string[]): Buffer[] => parts.map((p) => Buffer.from(p));
  state.execute(argv('SCRIPT', 'LOAD', RMW), 1);
  const call = argv('EVALSHA', SHA, '1', 'k', '1');
  for (let i = 0; i < 1000; i++) state.execute(call, 1);
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) state.execute(call, 1);
  return Number(process.hrtime.bigint() - started) / 1e3 / calls;
}

async function serve(name: string, command: string, args: (port: number, dir: string) => string[]): Promise<{ name: string; port: number; proc: ChildProcess; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-bench-script-'));
  const port = await freePort();
  const proc = spawn(command, args(port, dir), { stdio: ['ignore', 'ignore', 'inherit'], cwd: root });
  const deadline = Date.now() + 30_000;
  while (!(await acceptsConnections(port))) {
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`${name} did not start`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { name, port, proc, dir };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { n: { type: 'string', short: 'n' }, instructions: { type: 'string' } } });
  const calls = Number(values.n ?? 20_000);
  const limit = Number(values.instructions ?? 20_000_000);
  console.log(`uptime: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  console.log(`fengari: ${(instructionsPerSecond(limit) / 1e6).toFixed(1)} M Lua instructions/s (a loop of ${limit / 1e6} M)`);
  console.log(`kv EVALSHA of a read-modify-write script: ${kvEvalshaMicros(calls).toFixed(1)} µs per call (in process)`);
  const targets = [
    await serve('cairn (fsync always)', process.execPath, (port, dir) => ['--import', 'tsx', 'test/server/fixtures/run-server.ts', '--port', String(port), '--dir', dir]),
    await serve('redis-server (appendfsync always)', 'redis-server', (port, dir) => ['--port', String(port), '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always']),
  ];
  try {
    for (const target of targets) {
      spawnSync('redis-cli', ['-p', String(target.port), 'SCRIPT', 'LOAD', RMW]);
      spawnSync('redis-benchmark', ['-p', String(target.port), '-n', '2000', '-c', '20', 'EVALSHA', SHA, '1', 'k', '1']);
      const cpuBefore = cpuSeconds(target.proc.pid!);
      const run = spawnSync('redis-benchmark', ['-p', String(target.port), '-n', String(calls), '-c', '50', '-r', '100000', '--csv', 'EVALSHA', SHA, '1', 'key:__rand_int__', '1'], { encoding: 'utf8' });
      const cpuMicros = ((cpuSeconds(target.proc.pid!) - cpuBefore) * 1e6) / calls;
      const row = run.stdout.trim().split('\n').at(-1)!.split(',').map((f) => f.replace(/"/g, ''));
      console.log(`${target.name}: ${row[1]} EVALSHA/s, p50 ${row[4]} ms, server CPU ${cpuMicros.toFixed(1)} µs per call`);
    }
  } finally {
    for (const target of targets) {
      target.proc.kill('SIGTERM');
      await new Promise((resolve) => target.proc.once('exit', resolve));
      await rm(target.dir, { recursive: true, force: true });
    }
  }
}

await main();
