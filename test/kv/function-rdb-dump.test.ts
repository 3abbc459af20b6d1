// FUNCTION DUMP and RESTORE in Redis's own payload bytes, against a real redis-server 7.0: a dump
// taken from redis-server (its long codes LZF-compressed) restores in kv/, one taken in kv/
// restores on redis-server, a short library's dump is byte for byte Redis's, and damaged payloads
// get the same error from both (RESP2 and RESP3).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { KvState } from '../../src/kv/index.js';
import { crc64Jones } from '../../src/lib/crc64.js';
import { lzfDecompress } from '../../src/kv/function-rdb-dump.js';
import { encodeReply } from '../../src/resp/encode.js';
import { REDIS_AVAILABLE, withRedisServer, type RedisProcess } from './redis-server.js';

let redis: RedisProcess | undefined;
withRedisServer((started) => (redis = started));

const NOW_MS = 1_700_000_000_000;
const bytes = (...parts: (string | Buffer)[]): Buffer[] => parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p));
const SHORT = "#!lua name=lib1\nredis.register_function('f1', function() return 1 end)";
/** Long and repetitive: redis-server LZF-compresses it in its dump. */
const LONG = ['#!lua name=big', ...Array.from({ length: 30 }, (_, i) => `redis.register_function('fn${i}', function(keys, args) return redis.call('GET', keys[1]) end)`)].join('\n');

function ours(state: KvState, ...argv: (string | Buffer)[]): Buffer {
  return oursIn(2, state, ...argv);
}

function oursIn(protocol: 2 | 3, state: KvState, ...argv: (string | Buffer)[]): Buffer {
  return encodeReply(state.execute(bytes(...argv), NOW_MS), protocol);
}

/** Runs `body` with the redis-server connection speaking `protocol`, then back to RESP2. */
async function speaking(protocol: 2 | 3, body: () => Promise<void>): Promise<void> {
  await theirs('HELLO', String(protocol));
  try {
    await body();
  } finally {
    await theirs('HELLO', '2');
  }
}

async function theirs(...argv: (string | Buffer)[]): Promise<Buffer> {
  return (await redis!.sendRaw([bytes(...argv)]))[0] as Buffer;
}

function bulkOf(reply: Buffer): Buffer {
  assert.equal(reply[0], 0x24, `a bulk reply: ${reply.toString('latin1')}`);
  const header = reply.indexOf('\r\n');
  return reply.subarray(header + 2, reply.length - 2);
}

/** A payload with Redis's footer (RDB version 10, CRC-64) around `body`. */
function sealed(body: number[], version = 10): Buffer {
  const head = Buffer.from([...body, version & 0xff, version >> 8]);
  return Buffer.concat([head, crc64Jones(head)]);
}

test('CRC-64/Jones gives its check value, and lzf inflates a literal run and a back reference', () => {
  assert.equal(Buffer.from(crc64Jones(Buffer.from('123456789'))).reverse().toString('hex'), 'e9c6d914c4b8d9ca');
  // "abc" as a literal run, then "abcabc" as a reference of length 6 at distance 3.
  assert.equal(Buffer.from(lzfDecompress(Uint8Array.of(2, 0x61, 0x62, 0x63, 0x80, 2), 9) ?? []).toString(), 'abcabcabc');
  assert.equal(lzfDecompress(Uint8Array.of(2, 0x61, 0x62, 0x63, 0x80, 9), 9), undefined, 'a reference before the start');
});

test('a dump taken from redis-server restores in kv/, and one taken in kv/ restores on redis-server', { skip: !REDIS_AVAILABLE }, async () => {
  await theirs('FUNCTION', 'FLUSH');
  assert.equal((await theirs('FUNCTION', 'LOAD', SHORT)).toString(), '$4\r\nlib1\r\n');
  assert.equal((await theirs('FUNCTION', 'LOAD', LONG)).toString(), '$3\r\nbig\r\n');
  const redisDump = bulkOf(await theirs('FUNCTION', 'DUMP'));
  assert.ok(redisDump.includes(Buffer.from([0xf5, 0xc3])), 'redis-server compressed the long library');
  const listed = await theirs('FUNCTION', 'LIST', 'WITHCODE');

  const state = new KvState();
  assert.equal(ours(state, 'FUNCTION', 'RESTORE', redisDump).toString(), '+OK\r\n');
  assert.equal(ours(state, 'FCALL', 'fn7', '1', 'k').toString(), '$-1\r\n');
  const ourDump = bulkOf(ours(state, 'FUNCTION', 'DUMP'));

  await theirs('FUNCTION', 'FLUSH');
  assert.equal((await theirs('FUNCTION', 'RESTORE', ourDump)).toString(), '+OK\r\n');
  assert.deepEqual(sortedLibraries(await theirs('FUNCTION', 'LIST', 'WITHCODE')), sortedLibraries(listed));
  // APPEND onto the same libraries: both refuse, naming one of them (redis-server in its dict's order).
  const refusal = /^-ERR Library (big|lib1) already exists\r\n$/;
  assert.match((await theirs('FUNCTION', 'RESTORE', ourDump)).toString(), refusal);
  assert.match(ours(state, 'FUNCTION', 'RESTORE', ourDump).toString(), refusal);
});

test("a short library's dump is byte for byte redis-server's, and an empty one too", { skip: !REDIS_AVAILABLE }, async () => {
  await theirs('FUNCTION', 'FLUSH');
  const state = new KvState();
  assert.deepEqual(ours(state, 'FUNCTION', 'DUMP'), await theirs('FUNCTION', 'DUMP'));
  await theirs('FUNCTION', 'LOAD', SHORT);
  ours(state, 'FUNCTION', 'LOAD', SHORT);
  assert.deepEqual(ours(state, 'FUNCTION', 'DUMP'), await theirs('FUNCTION', 'DUMP'));
});

test('damaged payloads get the same error from kv/ as from redis-server', { skip: !REDIS_AVAILABLE }, async () => {
  await theirs('FUNCTION', 'FLUSH');
  await theirs('FUNCTION', 'LOAD', SHORT);
  const good = bulkOf(await theirs('FUNCTION', 'DUMP'));
  const flipped = Buffer.from(good);
  flipped[5] = (flipped[5] as number) ^ 1;
  const payloads: Buffer[] = [
    Buffer.from('garbage'), Buffer.alloc(0), good.subarray(0, good.length - 1), flipped,
    sealed([0]), sealed([0xf5, 0x40]), sealed([0xf5, 5, 0x23]), sealed([0xf5, 3, 0x61, 0x62, 0x63]),
    sealed([0xf5, 0xc0, 5]), sealed([], 11), sealed([0xf5, 0xc3, 2, 9, 0x01, 0x61]),
  ];
  const state = new KvState();
  ours(state, 'FUNCTION', 'LOAD', SHORT);
  for (const protocol of [2, 3] as const) {
    await speaking(protocol, async () => {
      for (const payload of payloads) {
        const reference = await theirs('FUNCTION', 'RESTORE', payload);
        assert.equal(oursIn(protocol, state, 'FUNCTION', 'RESTORE', payload).toString('latin1'), reference.toString('latin1'), `RESP${protocol} payload ${payload.toString('hex')}`);
      }
    });
  }
  await theirs('FUNCTION', 'FLUSH');
});

/** FUNCTION LIST's reply split per library, sorted, so the libraries' order does not matter. */
function sortedLibraries(reply: Buffer): string[] {
  const text = reply.toString('latin1');
  return text.split('*8\r\n').slice(1).sort();
}

test('RESTORE joins as redis-server: APPEND, REPLACE and FLUSH with library and function collisions', { skip: !REDIS_AVAILABLE }, async () => {
  const other = "#!lua name=other\nredis.register_function('f1', function() return 2 end)";
  const renamed = "#!lua name=lib1\nredis.register_function('f2', function() return 3 end)";
  const steps: (string | Buffer)[][] = [];
  const dumpOf = (code: string): Buffer => {
    const scratch = new KvState();
    ours(scratch, 'FUNCTION', 'LOAD', code);
    return bulkOf(ours(scratch, 'FUNCTION', 'DUMP'));
  };
  for (const policy of [[], ['APPEND'], ['REPLACE'], ['FLUSH']]) {
    steps.push(['FUNCTION', 'FLUSH'], ['FUNCTION', 'LOAD', SHORT]);
    for (const code of [other, renamed, SHORT]) steps.push(['FUNCTION', 'RESTORE', dumpOf(code), ...policy], ['FUNCTION', 'LIST', 'WITHCODE'], ['FCALL', 'f1', '0']);
  }
  for (const protocol of [2, 3] as const) {
    const state = new KvState();
    await speaking(protocol, async () => {
      for (const step of steps) {
        const reference = await theirs(...step);
        assert.equal(oursIn(protocol, state, ...step).toString('latin1'), reference.toString('latin1'), `RESP${protocol} ${JSON.stringify(step.map(String))}`);
      }
    });
  }
});
