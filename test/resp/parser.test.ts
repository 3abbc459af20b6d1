// Tests for the incremental request parser: frames split at every byte and at random points,
// inline commands and quoting, malformed frames with Redis's error texts, and every size cap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestParser, defaultParserLimits, parseRedisInteger } from '../../src/resp/parser.js';
import type { ParseResult } from '../../src/resp/parser.js';
import { splitInlineArgs } from '../../src/resp/inline.js';
import { Prng } from '../../src/lib/prng.js';

type Outcome = string[] | { error: string } | 'overflow';

/** Feeds the chunks one at a time and collects everything the parser produces. */
function feed(chunks: Buffer[], parser = new RequestParser()): Outcome[] {
  const out: Outcome[] = [];
  for (const chunk of chunks) {
    parser.push(chunk);
    for (let i = 0; i < 10_000; i++) {
      const result: ParseResult = parser.next();
      if (result.kind === 'needMore') break;
      if (result.kind === 'command') out.push(result.argv.map((a) => a.toString('latin1')));
      else if (result.kind === 'error') return [...out, { error: result.message }];
      else return [...out, 'overflow'];
    }
  }
  return out;
}

function splitAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    chunks.push(bytes.subarray(from, cut));
    from = cut;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

const stream = Buffer.from(
  '*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nva\r\nl\r\n' +
    'PING\r\n' +
    '\r\n' +
    '*0\r\n*-1\r\n' +
    'set a "b c\\x41\\n" \'d\\\'e\'\n' +
    '*1\r\n$0\r\n\r\n' +
    '*2\r\n$4\r\nECHO\r\n$10\r\n0123456789\r\n',
  'latin1',
);
const expected: Outcome[] = [['SET', 'key', 'va\r\nl'], ['PING'], ['set', 'a', 'b cA\n', "d'e"], [''], ['ECHO', '0123456789']];

test('a whole stream parses into its commands, skipping empty ones', () => {
  assert.deepEqual(feed([stream]), expected);
});

test('the stream split at every single byte position parses the same', () => {
  for (let cut = 1; cut < stream.length; cut++) {
    assert.deepEqual(feed(splitAt(stream, [cut])), expected, `cut at ${cut}`);
  }
});

test('the stream fed one byte at a time parses the same', () => {
  const chunks = [...stream].map((b) => Buffer.from([b]));
  assert.deepEqual(feed(chunks), expected);
});

test('random splits parse the same', () => {
  const prng = new Prng(7);
  for (let round = 0; round < 500; round++) {
    const cuts = Array.from({ length: prng.int(1, 12) }, () => prng.int(0, stream.length));
    assert.deepEqual(feed(splitAt(stream, cuts)), expected, `cuts ${cuts.join(',')}`);
  }
});

test('arguments are views into the received bytes, not copies', () => {
  const chunk = Buffer.from('*2\r\n$3\r\nGET\r\n$1\r\nk\r\n');
  const parser = new RequestParser();
  parser.push(chunk);
  const result = parser.next();
  assert.equal(result.kind, 'command');
  if (result.kind !== 'command') return;
  assert.equal(result.argv[0]!.buffer, chunk.buffer);
  assert.equal(parser.bufferedBytes, 0);
});

test('a large bulk arriving in many chunks is joined once', () => {
  const value = Buffer.alloc(200_000, 0x62);
  const frame = Buffer.concat([Buffer.from(`*2\r\n$3\r\nSET\r\n$${value.length}\r\n`), value, Buffer.from('\r\n')]);
  const parser = new RequestParser();
  let commands = 0;
  for (let at = 0; at < frame.length; at += 1000) {
    parser.push(frame.subarray(at, at + 1000));
    const result = parser.next();
    if (result.kind === 'command') {
      commands++;
      assert.equal(result.argv[1]!.length, value.length);
    } else assert.equal(result.kind, 'needMore');
  }
  assert.equal(commands, 1);
});

const malformed: [string, string][] = [
  ['*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n', "Protocol error: expected '$', got 'f'"],
  ['*1\r\n$-1\r\n', 'Protocol error: invalid bulk length'],
  ['*1\r\n$abc\r\n', 'Protocol error: invalid bulk length'],
  ['*1\r\n$+1\r\n', 'Protocol error: invalid bulk length'],
  ['*1\r\n$01\r\n', 'Protocol error: invalid bulk length'],
  ['*1\r\n$\r\n', 'Protocol error: invalid bulk length'],
  ['*x\r\n', 'Protocol error: invalid multibulk length'],
  ['*3000000000\r\n', 'Protocol error: invalid multibulk length'],
  ['*\r\n', 'Protocol error: invalid multibulk length'],
  ['set a "b\r\n', 'Protocol error: unbalanced quotes in request'],
  ["set a 'b\r\n", 'Protocol error: unbalanced quotes in request'],
  ['set a "b"c\r\n', 'Protocol error: unbalanced quotes in request'],
];

test('malformed frames give Redis\'s protocol error texts', () => {
  for (const [input, message] of malformed) {
    assert.deepEqual(feed([Buffer.from(input)]), [{ error: message }], JSON.stringify(input));
  }
});

test('commands before a malformed frame are still delivered', () => {
  assert.deepEqual(feed([Buffer.from('PING\r\n*1\r\n$x\r\n')]), [['PING'], { error: 'Protocol error: invalid bulk length' }]);
});

test('an inline request over 64 KiB without a newline is refused', () => {
  const big = Buffer.alloc(64 * 1024 + 1, 0x61);
  assert.deepEqual(feed([big]), [{ error: 'Protocol error: too big inline request' }]);
  assert.deepEqual(feed([big.subarray(0, 40_000), big.subarray(40_000)]), [{ error: 'Protocol error: too big inline request' }]);
  assert.deepEqual(feed([Buffer.alloc(64 * 1024, 0x61)]), []);
});

test('a count line over 64 KiB is refused', () => {
  const mbulk = Buffer.concat([Buffer.from('*'), Buffer.alloc(64 * 1024 + 1, 0x31)]);
  assert.deepEqual(feed([mbulk]), [{ error: 'Protocol error: too big mbulk count string' }]);
  const bulk = Buffer.concat([Buffer.from('*1\r\n$'), Buffer.alloc(64 * 1024 + 1, 0x31)]);
  assert.deepEqual(feed([bulk]), [{ error: 'Protocol error: too big bulk count string' }]);
});

test('bulk lengths over the configured maximum are refused', () => {
  assert.deepEqual(feed([Buffer.from('*1\r\n$536870913\r\n')]), [{ error: 'Protocol error: invalid bulk length' }]);
  assert.deepEqual(feed([Buffer.from('*1\r\n$536870912\r\n')]), []);
  const small = new RequestParser({ ...defaultParserLimits, bulkMaxBytes: 10 });
  assert.deepEqual(feed([Buffer.from('*1\r\n$11\r\n')], small), [{ error: 'Protocol error: invalid bulk length' }]);
});

test('the multibulk count has a configurable maximum', () => {
  const parser = new RequestParser({ ...defaultParserLimits, multibulkMaxCount: 3 });
  assert.deepEqual(feed([Buffer.from('*4\r\n')], parser), [{ error: 'Protocol error: invalid multibulk length' }]);
});

test('unauthenticated clients get Redis\'s lower caps', () => {
  const parser = new RequestParser();
  parser.authenticated = false;
  assert.deepEqual(feed([Buffer.from('*11\r\n')], parser), [{ error: 'Protocol error: unauthenticated multibulk length' }]);
  const other = new RequestParser();
  other.authenticated = false;
  assert.deepEqual(feed([Buffer.from('*1\r\n$16385\r\n')], other), [{ error: 'Protocol error: unauthenticated bulk length' }]);
});

test('the query buffer limit reports an overflow', () => {
  const parser = new RequestParser({ ...defaultParserLimits, queryBufferMaxBytes: 100_000 });
  const header = Buffer.from('*1\r\n$200000\r\n');
  assert.deepEqual(feed([header, Buffer.alloc(60_000), Buffer.alloc(60_000)], parser), ['overflow']);
});

test('a NUL before the line end keeps waiting, as Redis does', () => {
  assert.deepEqual(feed([Buffer.from('PI\0NG\r\n')]), []);
});

test('parseRedisInteger follows string2ll', () => {
  const parse = (s: string) => parseRedisInteger(Buffer.from(s), 0, s.length);
  assert.equal(parse('0'), 0);
  assert.equal(parse('-12'), -12);
  assert.equal(parse('-0'), undefined);
  assert.equal(parse('007'), undefined);
  assert.equal(parse('+1'), undefined);
  assert.equal(parse(' 1'), undefined);
  assert.equal(parse('-'), undefined);
  assert.equal(parse('123456789012345678901'), undefined);
});

test('inline splitting handles quotes and escapes like sdssplitargs', () => {
  const split = (s: string) => splitInlineArgs(Buffer.from(s, 'latin1'))?.map((b) => b.toString('latin1'));
  assert.deepEqual(split('  a   b\t c '), ['a', 'b', 'c']);
  assert.deepEqual(split('"a\\tb" \'x\\ny\''), ['a\tb', 'x\\ny']);
  assert.deepEqual(split('a"b c"d'), undefined);
  assert.deepEqual(split('a"b c" d'), ['ab c', 'd']);
  assert.deepEqual(split('"\\x4g"'), ['x4g']);
  assert.deepEqual(split('""'), ['']);
  assert.deepEqual(split(''), []);
  // Unquoted tokens end only at space, \t, \r, \n: a \v or \f inside one is kept, as sdssplitargs keeps it.
  assert.deepEqual(split('PING\vx \fy'), ['PING\vx', 'y']);
  assert.deepEqual(split('get key'), ['get', 'key']);
  assert.deepEqual(split("a'b c'"), ['ab c']);
});

test('inline arguments are the bytes of the line, also when the line is a view into a larger buffer', () => {
  const received = Buffer.from('xxGET k1 "v 2"\r\n', 'latin1');
  const parser = new RequestParser();
  parser.push(received.subarray(2));
  const result = parser.next();
  assert.equal(result.kind, 'command');
  if (result.kind !== 'command') return;
  assert.deepEqual(result.argv.map((b) => b.toString('latin1')), ['GET', 'k1', 'v 2']);
  assert.ok(result.argv.every((b) => Buffer.isBuffer(b)));
});

test('complete commands left in the buffer are served even when more bytes arrive first', () => {
  const parser = new RequestParser();
  parser.push(Buffer.from('*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n'));
  const first = parser.next();
  assert.equal(first.kind, 'command');
  // The caller stopped its turn here; a partial frame without a line end arrives meanwhile.
  parser.push(Buffer.from('*1'));
  const second = parser.next();
  assert.equal(second.kind, 'command');
  if (second.kind === 'command') assert.deepEqual(second.argv.map(String), ['ECHO', 'hello']);
  assert.equal(parser.next().kind, 'needMore');
  parser.push(Buffer.from('\r\n$4\r\nPING\r\n'));
  const third = parser.next();
  assert.equal(third.kind, 'command');
});
