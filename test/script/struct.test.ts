// struct against redis-server 7.0.15, byte for byte (test/script/lib-harness.ts): every format
// option at both endiannesses and alignments, integer edges (2^31, 2^53, 2^63, 2^64, negatives,
// NaN), floats, strings with NUL and high bytes, round trips, and the library's errors.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REDIS_AVAILABLE, withRedisServer, type RedisProcess } from '../kv/redis-server.js';
import { attempt, compareSnippets, seededRandom } from './lib-harness.js';

let redis: RedisProcess;
withRedisServer((started) => {
  redis = started;
});

const INTEGERS = ['0', '1', '-1', '127', '128', '-128', '-129', '255', '256', '32767', '-32768', '65535', '65536', '2^31', '2^31-1', '-2^31',
  '-2^31-1', '2^32', '2^32-1', '2^53', '2^53+1', '-2^53', '2^63', '-2^63', '2^64', '-2^64', '1e30', '-1e30', '0/0', '1/0', '-1/0', '1.5', '-1.5', '2.7', '-2.7', "'12'", "'0x10'"];
const INT_FORMATS = ['b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I', 'i1', 'i2', 'i3', 'I3', 'i5', 'I7', 'i8', 'I8', 'i16', 'I16', 'i32'];

function packSnippets(): string[] {
  const out: string[] = [];
  for (const format of INT_FORMATS) {
    for (const endian of ['<', '>']) {
      const values = INTEGERS.filter((_, i) => (i + format.length) % 3 !== 0);
      out.push(`local r = {} for _, v in ipairs({${values.join(', ')}}) do local s = struct.pack('${endian}${format}', v) r[#r + 1] = hex(s) .. ':' .. dump(struct.unpack('${endian}${format}', s)) end return table.concat(r, ' ')`);
    }
  }
  return out;
}

const FIXED = [
  ...['f', 'd'].flatMap((f) => ['<', '>'].map((e) => `local r = {} for _, v in ipairs({0, NEGZERO, 1, -1, 0.1, 1/3, 1e38, 3.5e38, 1e-40, 1e-46, 1e308, 5e-324, 2^24+1, 1/0, -1/0}) do local s = struct.pack('${e}${f}', v) r[#r + 1] = hex(s) .. ':' .. dump(struct.unpack('${e}${f}', s)) end return table.concat(r, ' ')`)),
  `return hex(struct.pack('>c5', 'abcdefg'))`, `return hex(struct.pack('c0', 'a\\0b\\255'))`, `return hex(struct.pack('s', 'a\\255b'))`,
  `return hex(struct.pack('s', 'a\\0b'))`, `return ${attempt(`struct.pack('c5', 'abc')`)}`, `return ${attempt(`struct.pack('>i c5', 1, 'abc')`)}`,
  `return hex(struct.pack('!4 b i b d', 1, 2, 3, 4))`, `return hex(struct.pack('!2 b i b h', 1, 2, 3, 4))`, `return hex(struct.pack('! b d', 1, 2))`,
  `return hex(struct.pack('!8 b i3 b i3 b', 1, 2, 3, 4, 5))`, `return hex(struct.pack('!4 c3 i', 'abc', 7))`, `return hex(struct.pack('b x x b', 1, 2))`,
  `return hex(struct.pack('>  h < h', 1, 2))`, `return hex(struct.pack('b\\0b', 1, 2))`, `return hex(struct.pack(''))`,
  `return {struct.size('b'), struct.size('!8 b d'), struct.size('!i3i3'), struct.size('c10 i'), struct.size('q'), struct.size('x T L l f'), struct.size('! b h b i b l')}`,
  `return ${attempt(`struct.size('s')`)}`, `return ${attempt(`struct.size('c0')`)}`, `return ${attempt(`struct.size('!3')`)}`, `return ${attempt(`struct.size('&')`)}`,
  `return ${attempt(`struct.pack('q', 1)`)}`, `return ${attempt(`struct.pack('!3i', 1)`)}`, `return ${attempt(`struct.pack('i33', 1)`)}`,
  `return ${attempt(`struct.pack('i99999999999', 1)`)}`, `return ${attempt(`struct.pack('c99999999999', 'a')`)}`, `return ${attempt(`struct.pack('i', 'x')`)}`,
  `return ${attempt(`struct.pack('i')`)}`, `return ${attempt(`struct.pack('i i', 1)`)}`, `return ${attempt(`struct.pack('d', {})`)}`, `return ${attempt(`struct.pack()`)}`,
  `return ${attempt(`struct.pack(5, 1)`)}`, `return ${attempt(`struct.unpack('i', 'abc')`)}`, `return ${attempt(`struct.unpack('c0', 'abc')`)}`,
  `return ${attempt(`struct.unpack('s', 'abc')`)}`, `return ${attempt(`struct.unpack('i')`)}`, `return ${attempt(`struct.unpack('q', 'abcd')`)}`,
  `return {struct.unpack('b c0', '\\3abcdef')}`, `return {struct.unpack('B c0 b', '\\2ab\\255')}`, `return ${attempt(`struct.unpack('b c0', '\\9ab')`)}`,
  `return {struct.unpack('s s', 'ab\\0cd\\0ef')}`, `return {struct.unpack('c2 c2', 'abcdef', 2)}`, `return {struct.unpack('c2', 'abcdef', 5)}`,
  `return ${attempt(`struct.unpack('c2', 'abcdef', 6)`)}`, `return {struct.unpack('b', 'abc', 3.7)}`, `return {struct.unpack('x b x', 'abc')}`,
  `return {struct.unpack('!4 b i', '\\1\\0\\0\\0\\2\\0\\0\\0')}`, `return {struct.unpack('>i3', '\\255\\255\\254')}`,
  `return ${attempt(`{struct.unpack('c0', '3abc')}`)}`, `return {struct.unpack('<I2 >I2', '\\1\\2\\1\\2')}`, `return {struct.unpack('', 'abc')}`,
  `return dump({struct.unpack('>L', '\\255\\255\\255\\255\\255\\255\\255\\255')})`, `return dump({struct.unpack('>l', '\\128\\0\\0\\0\\0\\0\\0\\1')})`,
  `return dump({struct.unpack('>i16', string.rep('\\255', 16))})`, `return dump({struct.unpack('<I9', string.rep('\\255', 9))})`,
  ...[7996, 7997, 7998].map((n) => `local s = string.rep('b', ${n}) return ${attempt("select('#', struct.unpack(s, string.rep('a', 8000)))")}`),
  `local s = struct.unpack('i', struct.pack('i', 42)) return s .. '|' .. struct.size('i') .. '|' .. select(2, struct.unpack('i', struct.pack('i', 42)))`,
];

function generated(seed: number, count: number): string[] {
  const random = seededRandom(seed);
  const options = ['b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I', 'i2', 'I4', 'f', 'd', 'x', 's', 'c3', 'c0', '<', '>', '!', '!2', '!4', ' '];
  return Array.from({ length: count }, () => {
    const format: string[] = [];
    const args: string[] = [];
    for (let n = Math.floor(random() * 6) + 1; n > 0; n--) {
      const option = options[Math.floor(random() * options.length)] as string;
      format.push(option);
      if ('bBhHlLTiI'.includes(option[0] as string)) args.push(String(Math.floor((random() - 0.5) * 2 ** (8 * Math.floor(random() * 9)))));
      else if (option === 'f' || option === 'd') args.push(String((random() - 0.5) * 1e6));
      else if (option === 's' || option.startsWith('c')) args.push(`'${'abcdef'.slice(0, Math.floor(random() * 6))}\\0\\200'`);
    }
    const f = format.join('');
    return `return ${attempt(`hex(struct.pack('${f}'${args.map((a) => `, ${a}`).join('')})) .. ' ' .. struct.size('${f.replace(/s|c0/g, 'x')}') .. ' ' .. dump({struct.unpack('${f}', struct.pack('${f}'${args.map((a) => `, ${a}`).join('')}))})`)}`;
  });
}

test('struct: formats, integer edges, floats, strings and errors as Redis 7.0', { skip: !REDIS_AVAILABLE }, async () => {
  assert.deepEqual(await compareSnippets(redis, [...packSnippets(), ...FIXED]), []);
});

test('struct: generated formats pack, size and unpack as in Redis 7.0', { skip: !REDIS_AVAILABLE }, async () => {
  assert.deepEqual(await compareSnippets(redis, generated(7, 150)), []);
});
