// The relay's reply codec: every Reply type survives a round trip exactly (what RESP3 cannot do:
// a null array inside an array stays a null array, a bigint a bigint), and bad bytes — truncated,
// random, nested too deep — throw CAIRN_CORRUPT instead of crashing or allocating without bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isCairnError } from '../../src/lib/errors.js';
import type { Reply } from '../../src/lib/reply.js';
import { decodeReplies, encodeReplies } from '../../src/server/reply-codec.js';
import { refuseRelayedCommands } from '../../src/server/relay-guard.js';

const every: Reply[] = [
  { type: 'simple', value: 'OK' },
  { type: 'error', message: 'ERR wrong type — ünïcode' },
  { type: 'integer', value: -42 },
  { type: 'integer', value: 2n ** 70n },
  { type: 'bulk', value: Buffer.from([0, 13, 10, 255]) },
  { type: 'null' },
  { type: 'nullArray' },
  { type: 'array', items: [{ type: 'nullArray' }, { type: 'null' }, { type: 'array', items: [] }] },
  { type: 'set', items: [{ type: 'bulk', value: Buffer.from('m') }] },
  { type: 'map', entries: [[{ type: 'simple', value: 'k' }, { type: 'double', value: -0 }]] },
  { type: 'pairs', entries: [[{ type: 'bulk', value: Buffer.from('f') }, { type: 'bulk', value: Buffer.from('v') }]] },
  { type: 'pairs', entries: [[{ type: 'bulk', value: Buffer.from('m') }, { type: 'double', value: 1.5 }]] },
  { type: 'double', value: Infinity },
  { type: 'double', value: 0.1 + 0.2 },
  { type: 'boolean', value: false },
  { type: 'verbatim', format: 'txt', value: 'some text' },
];

/** Buffers compare by bytes; everything else structurally. */
function normal(reply: Reply): unknown {
  if (reply.type === 'bulk') return { type: 'bulk', hex: Buffer.from(reply.value).toString('hex') };
  if (reply.type === 'array' || reply.type === 'set') return { type: reply.type, items: reply.items.map(normal) };
  if (reply.type === 'map' || reply.type === 'pairs') return { type: reply.type, entries: reply.entries.map(([k, v]) => [normal(k), normal(v)]) };
  return reply;
}

test('every Reply type round-trips exactly, null arrays and bigints included', () => {
  const decoded = decodeReplies(encodeReplies(every));
  assert.deepEqual(decoded.map(normal), every.map(normal));
  assert.equal(typeof (decoded[3] as { value: unknown }).value, 'bigint');
  const map = decoded[9]!;
  assert.ok(map.type === 'map' && map.entries[0]![1].type === 'double' && Object.is(map.entries[0]![1].value, -0), 'a negative zero double stays -0');
  assert.deepEqual(decodeReplies(encodeReplies([])), []);
});

test('every truncation of an encoding is CAIRN_CORRUPT, and so are trailing bytes', () => {
  const bytes = encodeReplies(every);
  for (let length = 0; length < bytes.length; length++) {
    assert.throws(() => decodeReplies(bytes.subarray(0, length)), (error) => isCairnError(error, 'CAIRN_CORRUPT'), `cut at ${length}`);
  }
  assert.throws(() => decodeReplies(Buffer.concat([bytes, Buffer.from([0])])), /trailing bytes/);
});

test('random bytes decode or throw CAIRN_CORRUPT, never anything else', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      try {
        decodeReplies(bytes);
      } catch (error) {
        if (!isCairnError(error, 'CAIRN_CORRUPT')) throw error;
      }
    }),
    { numRuns: 2000, seed: 5 },
  );
});

test('a count claiming more items than bytes left, and nesting past the cap, are refused up front', () => {
  const huge = Buffer.alloc(8);
  huge.writeUInt32LE(1, 0);
  huge.writeUInt8(7, 4); // an array...
  assert.throws(() => decodeReplies(Buffer.concat([huge.subarray(0, 5), Buffer.from([0xff, 0xff, 0xff, 0xff])])), /bytes wanted/);
  let deep: Reply = { type: 'null' };
  for (let i = 0; i < 40; i++) deep = { type: 'array', items: [deep] };
  assert.throws(() => decodeReplies(encodeReplies([deep])), /nested deeper than 32/);
});

test('the relay guard accepts what a client could send and refuses the rest', () => {
  const args = (...words: string[]) => words.map((word) => Buffer.from(word));
  assert.equal(refuseRelayedCommands([args('SET', 'k', 'v'), args('incr', 'n'), args('GET', 'k')]), undefined);
  assert.match(refuseRelayedCommands([args('CAIRN.EXPIRED', 'k')])!.message, /'CAIRN\.EXPIRED' is not a command clients may send/);
  assert.match(refuseRelayedCommands([args('CAIRN.MEMBER', 'n9')])!.message, /not a command clients may send/);
  assert.match(refuseRelayedCommands([args('SET', 'k', 'v'), args('CLUSTER', 'INFO')])!.message, /'CLUSTER' is not a command/);
  assert.match(refuseRelayedCommands([args('GET')])!.message, /wrong number of arguments for 'get'/);
  assert.match(refuseRelayedCommands([])!.message, /no command/);
  assert.equal(refuseRelayedCommands([args('SET', 'k', 'v')]), undefined);
});
