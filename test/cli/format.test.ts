// The client's pure pieces: redis-cli's terminal format (nested indentation, maps, escapes),
// raw and JSON output, completion and argument hints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRaw, formatTTY, quote, toJson } from '../../src/cli/client-format.js';
import { complete, hintFor } from '../../src/cli/client-hints.js';
import type { ServerReply } from '../../src/resp/reply-parser.js';

const bulk = (text: string): ServerReply => ({ type: 'bulk', value: Buffer.from(text, 'latin1') });

test('terminal format follows redis-cli', () => {
  assert.equal(formatTTY({ type: 'null' }), '(nil)\n');
  assert.equal(formatTTY({ type: 'integer', value: -3n }), '(integer) -3\n');
  assert.equal(formatTTY({ type: 'error', message: 'ERR x' }), '(error) ERR x\n');
  assert.equal(formatTTY({ type: 'array', items: [] }), '(empty array)\n');
  const nested: ServerReply = { type: 'array', items: [bulk('a'), { type: 'array', items: [bulk('b'), { type: 'null' }] }, { type: 'integer', value: 1n }] };
  assert.equal(formatTTY(nested), '1) "a"\n2) 1) "b"\n   2) (nil)\n3) (integer) 1\n');
  const ten: ServerReply = { type: 'array', items: Array.from({ length: 10 }, (_, i) => ({ type: 'integer', value: BigInt(i) })) };
  assert.ok(formatTTY(ten).startsWith(' 1) (integer) 0\n 2) (integer) 1\n'));
  const map: ServerReply = { type: 'map', entries: [[bulk('k'), bulk('v')], [bulk('n'), { type: 'integer', value: 2n }]] };
  assert.equal(formatTTY(map), '1# "k" => "v"\n2# "n" => (integer) 2\n');
  assert.equal(formatTTY({ type: 'boolean', value: true }), '(true)\n');
  assert.equal(formatTTY({ type: 'double', text: '1.5' }), '(double) 1.5\n');
});

test('strings are quoted with C escapes', () => {
  assert.equal(quote(Buffer.from('a"b\\c\n\r\t\x07\x08\x00\xff', 'latin1')), '"a\\"b\\\\c\\n\\r\\t\\a\\b\\x00\\xff"');
});

test('raw and JSON output', () => {
  const reply: ServerReply = { type: 'array', items: [bulk('x'), { type: 'null' }, { type: 'integer', value: 9007199254740993n }] };
  assert.equal(formatRaw(reply), 'x\n\n9007199254740993\n');
  assert.deepEqual(toJson(reply), ['x', null, '9007199254740993']);
  assert.deepEqual(toJson({ type: 'error', message: 'ERR y' }), { error: 'ERR y' });
});

test('completion and hints', () => {
  assert.deepEqual(complete('strl'), [['strlen'], 'strl']);
  assert.deepEqual(complete('INCRB'), [['INCRBY', 'INCRBYFLOAT'], 'INCRB']);
  assert.deepEqual(complete('client setn'), [['setname'], 'setn']);
  assert.deepEqual(complete('get k'), [[], 'get k']);
  assert.equal(hintFor('getrange k'), ' start end');
  assert.equal(hintFor('getrange k '), 'start end');
  assert.equal(hintFor('get k'), '');
  assert.equal(hintFor('nosuch '), '');
});
