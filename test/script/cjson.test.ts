// cjson against redis-server 7.0.15, byte for byte: EVAL of each snippet on Redis and the same
// snippet in fengari with src/script/lib loaded (test/script/lib-harness.ts). Fixed edge cases
// (number formatting, escapes, sparse arrays, depth, errors, settings) plus generated values.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REDIS_AVAILABLE, withRedisServer, type RedisProcess } from '../kv/redis-server.js';
import { attempt, compareSnippets, evalInFengari, luaQuote, seededRandom } from './lib-harness.js';

let redis: RedisProcess;
withRedisServer((started) => {
  redis = started;
});

const NUMBERS = [
  '0', 'NEGZERO', '1', '-1', '3.0', '0.1', '1/3', '-1/3', '2^31', '2^31-1', '-2^31', '2^32', '2^53', '2^53+1', '2^63', '-2^63',
  '2^64', '1e15', '1e16', '1e17', '123456789012345', '12345678901234', '1e-4', '1e-5', '0.0001234', '1e308', '-1e308',
  '1e-308', '5e-324', '2.5', '0.5', '1.5', '100000000000000.5', '10000000000000.5', '1e21', '1e100', '3.14159265358979',
  '0.30000000000000004', '1/0', '-1/0', '0/0', '255', '65535', '4294967295', '1234.5678', '-0.000001',
];

const FIXED = [
  ...NUMBERS.map((n) => `return ${attempt(`cjson.encode(${n})`)}`),
  ...NUMBERS.map((n) => `return ${attempt(`cjson.encode({${n}})`)}`),
  ...NUMBERS.map((n) => `return try(function() local t = {} t[${n}] = 1 return cjson.encode(t) end)`),
  `return cjson.encode('a/b"c\\\\d\\0e\\1f\\8\\9\\10\\11\\12\\13\\31\\127\\128\\255 ~')`,
  `local s = '' for i = 0, 255 do s = s .. string.char(i) end return cjson.encode(s)`,
  `return cjson.encode({})`, `return cjson.encode({{}, {{}}})`, `return cjson.encode(true)`, `return cjson.encode(false)`,
  `return cjson.encode(cjson.null)`, `return cjson.encode({cjson.null, 1})`, `return cjson.encode(nil)`,
  `return ${attempt('cjson.encode()')}`, `return try(function() return cjson.encode(1, 2) end)`,
  `return ${attempt(`cjson.encode(function() end)`)}`, `return ${attempt(`cjson.encode({function() end})`)}`, `return ${attempt(`cjson.encode({[true] = 1})`)}`,
  `return ${attempt(`cjson.encode({[{}] = 1})`)}`, `return ${attempt(`cjson.encode(coroutine and 1 or 1)`)}`,
  `return ${attempt(`cjson.encode({1, 2, nil, 4})`)}`, `return ${attempt(`cjson.encode({[1] = 1, [3] = 3})`)}`,
  `return ${attempt(`cjson.encode({[11] = 1})`)}`, `return ${attempt(`cjson.encode({[10] = 1})`)}`, `return ${attempt(`cjson.encode({[20] = 1, [1] = 1, [2] = 2, [3] = 3, [4] = 4, [5] = 5, [6] = 6, [7] = 7, [8] = 8, [9] = 9, [10] = 10})`)}`,
  `return ${attempt(`cjson.encode({[21] = 1, [1] = 1, [2] = 2, [3] = 3, [4] = 4, [5] = 5, [6] = 6, [7] = 7, [8] = 8, [9] = 9, [10] = 10})`)}`,
  `return ${attempt(`cjson.encode({[0] = 1})`)}`, `return ${attempt(`cjson.encode({[-1] = 1})`)}`, `return ${attempt(`cjson.encode({[1.5] = 1})`)}`,
  `return ${attempt(`cjson.encode({[2^31] = 1})`)}`, `return ${attempt(`cjson.encode({[2^40] = 1})`)}`, `return ${attempt(`cjson.encode({[1/0] = 1})`)}`,
  `local t = {} t[1] = t return ${attempt(`cjson.encode(t)`)}`, `local t = {} t.a = t return ${attempt(`cjson.encode(t)`)}`,
  `local t = {} local c = t for i = 1, 999 do c[1] = {} c = c[1] end return ${attempt(`cjson.encode(t)`)}`,
  `local t = {} local c = t for i = 1, 1000 do c[1] = {} c = c[1] end return ${attempt(`cjson.encode(t)`)}`,
  `cjson.encode_max_depth(100000) local t = {} local c = t for i = 1, 999 do c[1] = {} c = c[1] end return ${attempt('#cjson.encode(t)')}`,
  `cjson.encode_max_depth(100000) local t = {} local c = t for i = 1, 999 do c.a = {} c = c.a end return ${attempt('#cjson.encode(t)')}`,
  `cjson.encode_max_depth(3) return {${attempt(`cjson.encode({{{1}}})`)}, ${attempt(`cjson.encode({{{{1}}}})`)}}`,
  `cjson.encode_sparse_array(true) return {cjson.encode({[1] = 1, [30] = 2}), cjson.encode({[3] = 1})}`,
  `return {cjson.encode_sparse_array(true, 0, 1)}`, `cjson.encode_sparse_array(false, 0) return cjson.encode({[1000] = 1})`,
  `return {${attempt(`cjson.encode_sparse_array('yes')`)}}`, `return {${attempt(`cjson.encode_sparse_array('on')`)}}`,
  `return {try(function() return cjson.encode_sparse_array(true, -1) end)}`,
  `return {try(function() return cjson.encode_sparse_array(true, 2, 3, 4) end)}`,
  `return {cjson.encode_max_depth(), cjson.decode_max_depth(), cjson.encode_number_precision()}`,
  `return {try(function() return cjson.encode_max_depth(0) end), try(function() return cjson.encode_number_precision(15) end)}`,
  `return {try(function() return cjson.encode_number_precision('x') end), try(function() return cjson.encode_max_depth({}) end)}`,
  ...[1, 2, 5, 10, 13, 14].map((p) => `cjson.encode_number_precision(${p}) return cjson.encode({1/3, 2/3, 1e20/3, 123456.789, 0.000012345, 100, 1e15})`),
  `cjson.encode_number_precision(3.9) return cjson.encode(1/3)`,
  `return {cjson.encode_invalid_numbers(), cjson.decode_invalid_numbers(), cjson.encode_keep_buffer()}`,
  `cjson.encode_invalid_numbers(true) return cjson.encode({1/0, -1/0, 0/0})`,
  `cjson.encode_invalid_numbers('null') return {cjson.encode({1/0, -1/0, 0/0}), cjson.encode_invalid_numbers()}`,
  `return {${attempt(`cjson.encode_invalid_numbers('maybe')`)}}`, `return {${attempt(`cjson.encode_invalid_numbers('null\\0x')`)}}`,
  `return {${attempt(`cjson.encode_invalid_numbers('x\\0null')`)}}`, `return {${attempt(`cjson.encode_invalid_numbers('on')`)}, cjson.encode_invalid_numbers()}`,
  `return {cjson.encode_keep_buffer(false), cjson.encode({1, 2})}`,
  `local c = cjson.new() c.encode_number_precision(3) return {c.encode(1/3), cjson.encode(1/3), c._NAME, c._VERSION, type(c.null)}`,
  `return {cjson._NAME, cjson._VERSION, type(cjson.null), tostring(cjson.null == cjson.decode('null'))}`,
  `return cjson.encode({a = {b = {c = 'd'}}})`, `return cjson.encode({['1'] = 1})`, `return cjson.encode({[''] = ''})`,
];

const DECODES = [
  '1', '-1', '0', '-0', '1.5', '1e2', '1E+2', '1e-2', '123456789012345678', '2147483647', '2147483648', '-2147483648', '-2147483649',
  '4294967296', '9007199254740993', '1e400', '-1e400', '1e-400', '0x10', '0X1f', '0x1p4', '0x.8', '-0x10', '+1', '01', '-01', 'inf', '-inf', 'Infinity',
  '-Infinity', 'nan', 'NaN', '-nan', 'nan(123)', 'infinit', 'infx', '1.', '-', '.5', '1e', '1e+', '[1,2,3]', '[]', '{}', '[[]]',
  '{"a":1}', '{"a":[1,{"b":null}]}', '[true,false,null]', '"abc"', '"a\\/b\\"c\\\\d\\b\\f\\n\\r\\t"', '"\\u0041\\u00e9\\u20ac"',
  '"\\ud83d\\ude00"', '"\\ud83d"', '"\\ude00"', '"\\ud83d\\u0041"', '"\\u12"', '"\\u12G4"', '"\\x"', '"abc', '"', '', ' ', '  1  ',
  '\t\n\r 1', '[1,]', '[,1]', '{"a"}', '{"a":}', '{1:2}', '{"a":1,}', '{"a":1 "b":2}', '[1 2]', 'tru', 'true1', 'nul', 'nullx',
  'falsey', '[1,2', '{"a":1', 'x', '@', '1 2', '[1]]', '"a\0b"', '"\\u0000"', '1\0garbage', '\0\0', 'a\0', '\0',
  '"\x80\xff"', '[-]', '[--1]', '[1e5]', '[0.1, 0.2, 0.30000000000000004]', '{"":""}', '{"a":1,"a":2}',
];

function generatedValues(seed: number, count: number, multiKey = false): string[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const scalar = (): string => {
    const kind = Math.floor(random() * 6);
    if (kind === 0) return pick(NUMBERS.filter((n) => !n.includes('/0')));
    if (kind === 1) return String(Math.floor(random() * 2 ** 32) - 2 ** 31);
    if (kind === 2) return `${(random() - 0.5) * 10 ** Math.floor(random() * 40 - 20)}`;
    if (kind === 3) return `'${Array.from({ length: Math.floor(random() * 6) }, () => `\\${Math.floor(random() * 256)}`).join('')}'`;
    if (kind === 4) return pick(['true', 'false', 'cjson.null']);
    return `'${pick(['', 'a', 'key', 'x/y', 'quote"'])}'`;
  };
  const value = (depth: number): string => {
    if (depth > 3 || random() < 0.4) return scalar();
    const length = Math.floor(random() * 5);
    if (random() < 0.6) return `{${Array.from({ length }, () => value(depth + 1)).join(', ')}}`;
    // One key per object unless asked: Lua 5.1 and fengari iterate multi-key tables in different orders.
    if (multiKey) return `{${Array.from({ length }, (_, i) => `${pick([`['k${i}']`, `['x/y${i}']`, `[${7 + 10 * i}]`, `[${100 + i}]`])} = ${value(depth + 1)}`).join(', ')}}`;
    return random() < 0.5 ? `{k = ${value(depth + 1)}}` : `{[${Math.floor(random() * 30) + 1}] = ${value(depth + 1)}}`;
  };
  return Array.from({ length: count }, () => value(0));
}

test('cjson: numbers, escapes, sparse arrays, depth, errors and settings as Redis 7.0', { skip: !REDIS_AVAILABLE }, async () => {
  assert.deepEqual(await compareSnippets(redis, FIXED), []);
});

test('cjson.decode: numbers, strings, escapes and errors as Redis 7.0', { skip: !REDIS_AVAILABLE }, async () => {
  const snippets = DECODES.flatMap((json) => [
    `return ${attempt(`dump(cjson.decode(${luaQuote(json)}))`)}`,
    `return ${attempt(`cjson.encode(cjson.decode(${luaQuote(json)}))`)}`,
  ]);
  snippets.push(
    `return cjson.decode('1') .. '|' .. cjson.decode('1.5') .. '|' .. cjson.decode('-7') .. '|' .. cjson.decode('[1e2]')[1] .. '|' .. cjson.decode('1E3')`,
    `return {cjson.decode('[1,2,3]')[3] + 1, cjson.decode('{"a":40}').a + 2, #cjson.decode('[1,2,3,4]')}`,
    `local s = string.rep('[', 1000) .. string.rep(']', 1000) return try(function() return dump(cjson.decode(s)) end)`,
    `local s = string.rep('[', 1001) .. string.rep(']', 1001) return ${attempt(`cjson.decode(s)`)}`,
    `local s = string.rep('{"a":', 1001) .. '1' .. string.rep('}', 1001) return ${attempt(`cjson.decode(s)`)}`,
    `cjson.decode_max_depth(100000) local s = string.rep('[', 1000) .. string.rep(']', 1000) return ${attempt('#cjson.decode(s)')}`,
    `cjson.decode_max_depth(100000) local s = string.rep('{"a":', 1000) .. '1' .. string.rep('}', 1000) return ${attempt('type(cjson.decode(s))')}`,
    `cjson.decode_max_depth(2) return {try(function() return dump(cjson.decode('[[1]]')) end), ${attempt(`cjson.decode('[[[1]]]')`)}}`,
    `cjson.decode_invalid_numbers(false) return {${attempt(`cjson.decode('0x10')`)}, ${attempt(`cjson.decode('nan')`)}, ${attempt(`cjson.decode('+1')`)}, ${attempt(`cjson.decode('01')`)}, ${attempt(`cjson.decode('inf')`)}, dump(cjson.decode('-0'))}`,
    `return {${attempt('cjson.decode()')}, try(function() return cjson.decode('1', 2) end), ${attempt(`cjson.decode({})`)}, dump(cjson.decode(12))}`,
  );
  assert.deepEqual(await compareSnippets(redis, snippets), []);
});

test('cjson: generated nested values encode and round-trip as in Redis 7.0', { skip: !REDIS_AVAILABLE }, async () => {
  const values = generatedValues(12, 200);
  const snippets = values.map((v) => `return try(function() local t = ${v} local s = cjson.encode(t) return s .. ' ' .. dump(cjson.decode(s)) end)`);
  assert.deepEqual(await compareSnippets(redis, snippets), []);
});

test('cjson: generated multi-key objects encode to the same length and round-trip alike (key order aside)', { skip: !REDIS_AVAILABLE }, async () => {
  const values = generatedValues(13, 100, true);
  const snippets = values.map((v) => `return try(function() local t = ${v} local s = cjson.encode(t) return #s .. ' ' .. dump(cjson.decode(s)) end)`);
  assert.deepEqual(await compareSnippets(redis, snippets), []);
});

test('cjson.decode gives integers where Lua 5.1 prints integers', () => {
  const reply = evalInFengari(`return cjson.decode('[3, 3.0, 1e2, 2.5]')[2] .. ' ' .. cjson.decode('1e2') .. ' ' .. cjson.encode(3.0)`);
  assert.equal(reply.toString('latin1'), '$7\r\n3 100 3\r\n');
});

test('cjson: nesting past 1000 levels fails cleanly even when the configured depth allows it (JS stack bound)', () => {
  const encode = evalInFengari(`cjson.encode_max_depth(100000) local t = {} local c = t for i = 1, 5000 do c[1] = {} c = c[1] end return ${attempt('cjson.encode(t)')}`);
  assert.equal(encode.toString('latin1'), '$62\r\nERR:user_script:18: Cannot serialise, excessive nesting (1001)\r\n');
  const decode = evalInFengari(`cjson.decode_max_depth(100000) local s = string.rep('[', 5000) return ${attempt('cjson.decode(s)')}`);
  assert.equal(decode.toString('latin1'), '$82\r\nERR:user_script:18: Found too many nested data structures (1001) at character 1001\r\n');
});
