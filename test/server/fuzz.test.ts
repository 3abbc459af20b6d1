// Fuzzing a live server for a bounded time: random bytes, mutated valid frames and well-formed
// commands with hostile arguments on many connections. The process must never die, its memory must stay bounded, and a well-formed client
// on its own connection must keep getting correct replies throughout.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { Prng } from '../../src/lib/prng.js';
import { RawClient, encodeCommand, show, startCairn, type RunningProcess } from './helpers.js';

const fuzzMs = Number(process.env.CAIRN_FUZZ_MS ?? 15_000);
const seed = Number(process.env.CAIRN_FUZZ_SEED ?? Date.now() % 1_000_000);
const rssMaxBytes = 600 * 1024 * 1024;

let server: RunningProcess;
before(async () => {
  server = await startCairn();
});
after(async () => {
  await server.cleanup();
});

function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(match !== null, 'VmRSS readable');
  return Number(match[1]) * 1024;
}

const seeds = [
  encodeCommand(['SET', 'fuzz', 'value']),
  encodeCommand(['GET', 'fuzz']),
  encodeCommand(['MSET', 'a', '1', 'b', '2']),
  encodeCommand(['MULTI']),
  encodeCommand(['EXEC']),
  encodeCommand(['WATCH', 'a']),
  encodeCommand(['INCR', 'n']),
  encodeCommand(['HELLO', '3']),
  encodeCommand(['CLIENT', 'SETNAME', 'x']),
  encodeCommand(['COMMAND', 'DOCS', 'get']),
  Buffer.from('SET "a b" \'c\'\r\n'),
  Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000000\r\n'),
];

/** A stream of valid frames with random mutations: flipped, inserted, deleted, duplicated bytes. */
function mutated(prng: Prng): Buffer {
  const frames: Buffer[] = [];
  for (let i = prng.int(1, 20); i > 0; i--) frames.push(prng.pick(seeds));
  const bytes = [...Buffer.concat(frames)];
  for (let i = prng.int(0, 8); i > 0; i--) {
    const at = prng.int(0, Math.max(0, bytes.length - 1));
    const op = prng.int(0, 3);
    if (op === 0) bytes[at] = prng.int(0, 255);
    else if (op === 1) bytes.splice(at, 0, prng.pick([0x0d, 0x0a, 0x2a, 0x24, 0x2d, 0x30, 0x39, 0x22, 0x27, 0x00]));
    else if (op === 2) bytes.splice(at, 1);
    else bytes.splice(at, 0, ...bytes.slice(at, at + prng.int(1, 50)));
  }
  return Buffer.from(bytes);
}

/** Well-formed commands with hostile arguments: every command of the table, odd numbers and options. */
const commandNames = [
  'GET', 'SET', 'SETNX', 'SETEX', 'PSETEX', 'GETSET', 'GETDEL', 'GETEX', 'MGET', 'MSET', 'MSETNX', 'STRLEN', 'INCR', 'DECR',
  'INCRBY', 'DECRBY', 'INCRBYFLOAT', 'APPEND', 'GETRANGE', 'SETRANGE', 'DEL', 'UNLINK', 'DELEX', 'EXISTS', 'TYPE', 'RENAME',
  'RENAMENX', 'DBSIZE', 'KEYS', 'SCAN', 'RANDOMKEY', 'EXPIRE', 'PEXPIRE', 'EXPIREAT', 'PEXPIREAT', 'TTL', 'PTTL', 'EXPIRETIME',
  'PEXPIRETIME', 'PERSIST', 'PING', 'ECHO', 'HELLO', 'AUTH', 'SELECT', 'RESET', 'CLIENT', 'INFO', 'COMMAND', 'MULTI', 'EXEC',
  'DISCARD', 'WATCH', 'UNWATCH', 'TIME', 'CAIRN.EXPIRED',
];
const hostileArgs = [
  'k1', 'k2', 'k*', '0', '1', '-1', '100', '4294967296', '9223372036854775807', '-9223372036854775808', '99999999999999999999',
  '1.5', '-0', 'nan', 'inf', '1e308', 'NX', 'XX', 'GT', 'LT', 'EX', 'PX', 'EXAT', 'PXAT', 'GET', 'KEEPTTL', 'PERSIST', 'IFEQ',
  'IFNE', 'MATCH', '*', '[', '\\', 'COUNT', 'TYPE', 'string', 'ID', 'LIST', 'INFO', 'SETNAME', 'SETINFO', 'LIB-NAME', 'DOCS',
  '3', '2', 'AUTH', '', 'x'.repeat(200),
];

function hostileCommands(prng: Prng): Buffer {
  const frames: Buffer[] = [];
  for (let i = prng.int(1, 30); i > 0; i--) {
    const argv = [prng.pick(commandNames)];
    for (let j = prng.int(0, 6); j > 0; j--) argv.push(prng.pick(hostileArgs));
    frames.push(encodeCommand(argv));
  }
  return Buffer.concat(frames);
}

function randomBytes(prng: Prng): Buffer {
  const length = prng.int(1, 4096);
  const alphabet = prng.chance(0.5) ? [0x2a, 0x24, 0x0d, 0x0a, 0x31, 0x2d, 0x22, 0x20, 0x61] : undefined;
  return Buffer.from(Array.from({ length }, () => (alphabet === undefined ? prng.int(0, 255) : prng.pick(alphabet))));
}

/** One hostile connection: writes its streams in random pieces, then leaves or lingers. */
async function hostile(port: number, prng: Prng): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.on('data', () => undefined);
  await new Promise<void>((resolve) => {
    socket.once('connect', resolve);
    socket.once('close', resolve);
  });
  const pieces = Array.from({ length: prng.int(1, 5) }, () => {
    const kind = prng.int(0, 9);
    return kind < 4 ? mutated(prng) : kind < 7 ? hostileCommands(prng) : randomBytes(prng);
  });
  const stream = Buffer.concat(pieces);
  for (let at = 0; at < stream.length && !socket.destroyed; ) {
    const size = prng.int(1, 2000);
    socket.write(stream.subarray(at, at + size));
    at += size;
    if (prng.chance(0.2)) await new Promise((resolve) => setImmediate(resolve));
  }
  if (prng.chance(0.5)) socket.destroy();
  else socket.end();
}

test(`fuzzing for ${fuzzMs} ms never kills the server or starves a good client (seed ${seed})`, async () => {
  console.log(`SEED=${seed}`);
  const prng = new Prng(seed);
  const good = await RawClient.connect(server.port);
  const deadline = Date.now() + fuzzMs;
  let rounds = 0;
  let maxRss = 0;
  while (Date.now() < deadline) {
    await Promise.all(Array.from({ length: 8 }, () => hostile(server.port, prng)));
    // The well-formed client is served between every round, with correct replies.
    const value = `v${rounds}`;
    try {
      assert.equal(show(await good.call('SET', 'good:key', value)), 'OK');
      assert.equal(show(await good.call('GET', 'good:key')), value);
    } catch (error) {
      const exit = `exit code ${server.proc.exitCode}, signal ${server.proc.signalCode}`;
      throw new Error(`round ${rounds}: ${(error as Error).message}; server ${exit}; output:\n${server.output()}`);
    }
    assert.equal(server.proc.exitCode, null, `server died: ${server.output()}`);
    maxRss = Math.max(maxRss, rssBytes(server.proc.pid!));
    assert.ok(maxRss < rssMaxBytes, `rss ${maxRss} bytes`);
    rounds++;
  }
  // A handler bug reached by the fuzz closes only the hostile connection, so look for its report.
  assert.doesNotMatch(server.output(), /internal error/, 'a command hit an internal error');
  assert.match(show(await good.call('INFO', 'stats')) as string, /cairn_internal_errors:0\r\n/);
  good.close();
  assert.ok(rounds > 5, `only ${rounds} rounds`);
  console.log(`fuzz: ${rounds} rounds of 8 connections, max rss ${(maxRss / 1048576).toFixed(0)} MiB`);
});
