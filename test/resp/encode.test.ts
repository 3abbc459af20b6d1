// Tests for the RESP reply encoder: every reply type in RESP2 and RESP3, batching, and growth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeReply, ReplyEncoder } from '../../src/resp/encode.js';
import type { Reply } from '../../src/lib/reply.js';
import { bulkReply, NULL, OK, errorReply, integerReply } from '../../src/lib/reply.js';

function both(reply: Reply): [string, string] {
  return [encodeReply(reply, 2).toString('latin1'), encodeReply(reply, 3).toString('latin1')];
}

test('scalars encode the same in RESP2 and RESP3', () => {
  assert.deepEqual(both(OK), ['+OK\r\n', '+OK\r\n']);
  assert.deepEqual(both(errorReply('ERR syntax error')), ['-ERR syntax error\r\n', '-ERR syntax error\r\n']);
  assert.deepEqual(both(integerReply(-42)), [':-42\r\n', ':-42\r\n']);
  assert.deepEqual(both(integerReply(9223372036854775807n)), [':9223372036854775807\r\n', ':9223372036854775807\r\n']);
  assert.deepEqual(both(integerReply(2 ** 70)), [':1180591620717411303424\r\n', ':1180591620717411303424\r\n']);
  assert.deepEqual(both(bulkReply('héllo')), ['$6\r\nh\xc3\xa9llo\r\n', '$6\r\nh\xc3\xa9llo\r\n']);
  assert.deepEqual(both(bulkReply('')), ['$0\r\n\r\n', '$0\r\n\r\n']);
});

test('RESP3 types degrade to RESP2 shapes', () => {
  assert.deepEqual(both(NULL), ['$-1\r\n', '_\r\n']);
  assert.deepEqual(both({ type: 'nullArray' }), ['*-1\r\n', '_\r\n']);
  assert.deepEqual(both({ type: 'boolean', value: true }), [':1\r\n', '#t\r\n']);
  assert.deepEqual(both({ type: 'boolean', value: false }), [':0\r\n', '#f\r\n']);
  assert.deepEqual(both({ type: 'double', value: 1.5 }), ['$3\r\n1.5\r\n', ',1.5\r\n']);
  assert.deepEqual(both({ type: 'double', value: -Infinity }), ['$4\r\n-inf\r\n', ',-inf\r\n']);
  assert.deepEqual(both({ type: 'verbatim', format: 'txt', value: 'ab' }), ['$2\r\nab\r\n', '=6\r\ntxt:ab\r\n']);
  assert.deepEqual(both({ type: 'set', items: [bulkReply('a')] }), ['*1\r\n$1\r\na\r\n', '~1\r\n$1\r\na\r\n']);
  const map: Reply = { type: 'map', entries: [[bulkReply('k'), integerReply(1)]] };
  assert.deepEqual(both(map), ['*2\r\n$1\r\nk\r\n:1\r\n', '%1\r\n$1\r\nk\r\n:1\r\n']);
  const pairs: Reply = { type: 'pairs', entries: [[bulkReply('f'), bulkReply('v')], [bulkReply('g'), bulkReply('w')]] };
  assert.deepEqual(both(pairs), ['*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n$1\r\nw\r\n', '*2\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$1\r\ng\r\n$1\r\nw\r\n']);
  const scored: Reply = { type: 'pairs', entries: [[bulkReply('m'), { type: 'double', value: 2 }]] };
  assert.deepEqual(both(scored), ['*2\r\n$1\r\nm\r\n$1\r\n2\r\n', '*1\r\n*2\r\n$1\r\nm\r\n,2\r\n']);
});

test('nested arrays and empty arrays', () => {
  const reply: Reply = { type: 'array', items: [{ type: 'array', items: [] }, NULL, integerReply(3)] };
  assert.deepEqual(both(reply), ['*3\r\n*0\r\n$-1\r\n:3\r\n', '*3\r\n*0\r\n_\r\n:3\r\n']);
});

test('simple strings and errors never carry a line break', () => {
  assert.equal(encodeReply(errorReply('ERR a\r\nb'), 2).toString(), '-ERR a  b\r\n');
});

test('the encoder batches replies and grows past its initial capacity', () => {
  const encoder = new ReplyEncoder(4);
  const big = Buffer.alloc(100_000, 0x61);
  encoder.write(OK, 2);
  encoder.write(bulkReply(big), 2);
  encoder.write(integerReply(1), 3);
  const out = encoder.take();
  assert.equal(out.length, 5 + 9 + 100_000 + 2 + 4);
  assert.equal(out.subarray(0, 14).toString(), '+OK\r\n$100000\r\n');
  assert.equal(out.subarray(out.length - 7).toString(), 'a\r\n:1\r\n');
  assert.equal(encoder.take().length, 0);
});

test('doubles print as Redis 7.0 prints them: printf %.17g (ties to even), inf, -inf, nan', () => {
  assert.deepEqual(both({ type: 'double', value: 1.1 }), ['$18\r\n1.1000000000000001\r\n', ',1.1000000000000001\r\n']);
  const cases: [number, string][] = [
    [0.1, '0.10000000000000001'], [5, '5'], [-0, '-0'], [1e17, '1e+17'], [1e16, '10000000000000000'],
    [1e-5, '1.0000000000000001e-05'], [1e300, '1.0000000000000001e+300'], [1e-320, '9.9998886718268301e-321'],
    // 562949953421312.125 has 18 digits ending in 5: glibc keeps the even ...12, toExponential would give ...13.
    [562949953421312.125, '562949953421312.12'], [562949953421312.375, '562949953421312.38'], [NaN, 'nan'],
  ];
  for (const [value, text] of cases) assert.equal(encodeReply({ type: 'double', value }, 3).toString('latin1'), `,${text}\r\n`, String(value));
});
