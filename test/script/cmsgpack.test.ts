// cmsgpack against redis-server 7.0.15, byte for byte (test/script/lib-harness.ts): the encoding
// chosen for each number (fixint .. int64/uint64, float32 when exact, float64), string lengths
// around the str8/16/32 limits with NUL and high bytes, arrays versus maps, nesting past 16,
// hand-made inputs (uint64 above 2^63, bin/ext types, truncated data), unpack_one/unpack_limit
// offsets, and the errors; plus generated values packed, unpacked and packed again.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REDIS_AVAILABLE, withRedisServer, type RedisProcess } from '../kv/redis-server.js';
import { attempt, compareSnippets, evalInFengari, luaQuote, seededRandom } from './lib-harness.js';

let redis: RedisProcess;
withRedisServer((started) => {
  redis = started;
});

const NUMBERS = ['0', 'NEGZERO', '1', '-1', '127', '128', '-32', '-33', '-128', '-129', '255', '256', '-32768', '-32769', '65535', '65536',
  '2^31', '2^31-1', '-2^31', '-2^31-1', '2^32-1', '2^32', '2^53', '2^53+2', '-2^53', '2^63', '-2^63', '2^64', '1e300', '0.5', '-0.5', '0.1',
  '1/3', '2^24+1', '3.4028234663852886e38', '3.5e38', '1e-45', '1e-40', '5e-324', '1/0', '-1/0', '0/0', '1.5', '2^31+0.5'];

const RAW = [
  'cf ff ff ff ff ff ff ff ff', 'cf 80 00 00 00 00 00 00 00', 'cf 00 20 00 00 00 00 00 01', 'd3 ff ff ff ff ff ff ff ff', 'd3 80 00 00 00 00 00 00 00',
  'd3 00 20 00 00 00 00 00 01', 'ce ff ff ff ff', 'd2 80 00 00 00', 'd1 80 00', 'd0 80', 'cd ff ff', 'cc ff', 'ca 7f c0 00 00', 'cb 7f f8 00 00 00 00 00 01',
  'ca 3f 80 00 00', 'cb 40 08 00 00 00 00 00 00', 'c0', 'c2', 'c3', 'c1', 'c4 01 41', 'c5 00 01 41', 'c7 01 01 41', 'd4 01 41', 'd8 01 00', 'e0', 'ff',
  '7f', 'a3 61 62', 'a3 61 62 63 01', 'd9 02 61', 'da 00 01 61', 'db 00 00 00 01 61', 'db 00 00 00 05 61', '93 01 02', '92 01 c1', '81 01', '81 a1 61',
  '82 01 02 01 03', '81 c0 01', '80', '90', 'dc 00 01 01', 'dd 00 00 00 02 01 02', 'de 00 01 01 02', 'df 00 00 00 01 a1 6b 90', 'dc 00', 'dd 00 00',
  '91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 01', '01 02 03', '',
];

function hexBytes(spaced: string): string {
  return luaQuote(spaced.split(' ').filter((b) => b !== '').map((b) => String.fromCharCode(parseInt(b, 16))).join(''));
}

const FIXED = [
  `local r = {} for _, v in ipairs({${NUMBERS.join(', ')}}) do local s = cmsgpack.pack(v) r[#r + 1] = hex(s) .. ':' .. dump(cmsgpack.unpack(s)) end return table.concat(r, ' ')`,
  ...[0, 1, 31, 32, 255, 256, 65535, 65536].map((n) => `local s = cmsgpack.pack(string.rep('\\0\\255', ${n >> 1}) .. string.rep('x', ${n & 1})) return hex(s:sub(1, 8)) .. ' ' .. #s .. ' ' .. tostring(cmsgpack.unpack(s) == string.rep('\\0\\255', ${n >> 1}) .. string.rep('x', ${n & 1}))`),
  `return hex(cmsgpack.pack({}))`, `return hex(cmsgpack.pack({1, 2, 3}))`, `return hex(cmsgpack.pack({nil, 3}))`, `return hex(cmsgpack.pack({[1] = 1, [3] = 3}))`,
  `return hex(cmsgpack.pack({[2] = 'b', [1] = 'a'}))`, `return hex(cmsgpack.pack({[0] = 1}))`, `return hex(cmsgpack.pack({[1.5] = 1}))`, `return hex(cmsgpack.pack({[2^31] = 1}))`,
  `return hex(cmsgpack.pack({a = 1}))`, `return hex(cmsgpack.pack({[true] = false}))`, `return hex(cmsgpack.pack({[{}] = {}}))`, `return hex(cmsgpack.pack({{}, {{}}, {a = {}}}))`,
  `local t = {} for i = 1, 15 do t[i] = i end return hex(cmsgpack.pack(t))`, `local t = {} for i = 1, 16 do t[i] = i end return hex(cmsgpack.pack(t))`,
  `local t = {} for i = 1, 65536 do t[i] = 0 end local s = cmsgpack.pack(t) return hex(s:sub(1, 6)) .. ' ' .. #s .. ' ' .. #cmsgpack.unpack(s)`,
  `local t = {} for i = 1, 15 do t['k' .. i] = i end return hex(cmsgpack.pack(t)):sub(1, 2)`, `local t = {} for i = 1, 16 do t['k' .. i] = i end return hex(cmsgpack.pack(t)):sub(1, 6)`,
  `return hex(cmsgpack.pack(function() end, cjson.null, nil, true, false))`, `return hex(cmsgpack.pack(1, 'a', {2}))`,
  `local t = {} t[1] = t return hex(cmsgpack.pack(t))`, `local t = {} t.a = t return hex(cmsgpack.pack(t))`,
  `local t = {} local c = t for i = 1, 20 do c[1] = {} c = c[1] end return hex(cmsgpack.pack(t))`,
  `return ${attempt('cmsgpack.pack()')}`, `return ${attempt('cmsgpack.unpack()')}`, `return ${attempt('cmsgpack.unpack({})')}`,
  `return dump({cmsgpack.unpack(cmsgpack.pack(1, 2, 3))})`, `return dump({cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3))})`,
  `local s = cmsgpack.pack(1, 'ab', {3}) local r = {} local o = 0 while o ~= -1 do local v o, v = cmsgpack.unpack_one(s, o) r[#r + 1] = o .. '=' .. dump(v) end return table.concat(r, ' ')`,
  `local s = cmsgpack.pack(1, 2, 3, 4) return dump({cmsgpack.unpack_limit(s, 2)}) .. dump({cmsgpack.unpack_limit(s, 2, 2)}) .. dump({cmsgpack.unpack_limit(s, 0)}) .. dump({cmsgpack.unpack_limit(s, 9, 1)})`,
  `return dump({cmsgpack.unpack_limit(cmsgpack.pack(1, 2), 0, 1)})`, `return dump({cmsgpack.unpack_one('')})`, `return dump({cmsgpack.unpack_one('\\1', 1)})`,
  `return ${attempt(`cmsgpack.unpack_one('\\1\\2', 3)`)}`, `return ${attempt(`cmsgpack.unpack_one('\\1\\2', -1)`)}`, `return ${attempt(`cmsgpack.unpack_limit('\\1\\2', -1)`)}`,
  `return ${attempt(`cmsgpack.unpack_limit('\\1\\2')`)}`, `return ${attempt(`cmsgpack.unpack_limit('\\1\\2', 'x')`)}`, `return ${attempt(`cmsgpack.unpack_one('\\1\\2', 1.7)`)}`,
  `return dump({cmsgpack.unpack(12)})`, `local s = string.rep('\\1', 7990) return ${attempt('select("#", cmsgpack.unpack(s))')}`,
  `local s = string.rep('\\1', 8000) return ${attempt('select("#", cmsgpack.unpack(s))')}`,
  `local t = {} for i = 1, 3000 do t[i] = i end return ${attempt('#cmsgpack.pack((unpack or table.unpack)(t))')}`,
  `local t = {} for i = 1, 4500 do t[i] = i end return ${attempt('#cmsgpack.pack((unpack or table.unpack)(t))')}`,
  `local s = string.rep('\\145', 1000) .. '\\1' return ${attempt('dump(cmsgpack.unpack(s)):sub(1, 30)')}`,
  `local s = string.rep('\\129\\1', 1000) .. '\\1' return ${attempt('type(cmsgpack.unpack(s))')}`,
  `local s = string.rep('\\1', 7999) return ${attempt('select("#", cmsgpack.unpack(s))')}`,
  `return cmsgpack._NAME .. '|' .. cmsgpack._VERSION .. '|' .. cmsgpack._COPYRIGHT .. '|' .. cmsgpack._DESCRIPTION`,
  `return cmsgpack.unpack(cmsgpack.pack(7)) .. '|' .. cmsgpack.unpack(cmsgpack.pack(3.0)) .. '|' .. cmsgpack.unpack('\\202\\63\\128\\0\\0') + 1`,
  ...RAW.map((bytes) => `return ${attempt(`dump({cmsgpack.unpack(${hexBytes(bytes)})})`)}`),
];

function generatedValues(seed: number, count: number, multiKey = false): string[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const scalar = (): string => {
    const kind = Math.floor(random() * 5);
    if (kind === 0) return pick(NUMBERS.filter((n) => n !== '0/0'));
    if (kind === 1) return String(Math.floor((random() - 0.5) * 2 ** Math.floor(random() * 64)));
    if (kind === 2) return String((random() - 0.5) * 10 ** Math.floor(random() * 20 - 10));
    if (kind === 3) return `'${Array.from({ length: Math.floor(random() * 40) }, () => `\\${Math.floor(random() * 256)}`).join('')}'`;
    return pick(['true', 'false', "''", "'k'"]);
  };
  const value = (depth: number): string => {
    if (depth > 4 || random() < 0.4) return scalar();
    const length = Math.floor(random() * 6);
    if (random() < 0.6) return `{${Array.from({ length }, () => value(depth + 1)).join(', ')}}`;
    // One key per map unless asked: Lua 5.1 and fengari iterate multi-key tables in different orders.
    if (multiKey) return `{${Array.from({ length }, (_, i) => `[${pick(["'k'", "'a'", '0', '-1', '1.5', "'x/y'", "'1'"])} .. '${i}'] = ${value(depth + 1)}`).join(', ')}}`;
    return random() < 0.5 ? `{k = ${value(depth + 1)}}` : `{[${pick(['0', '-1', '2', '5', '1.5', '2^40', "'1'"])}] = ${value(depth + 1)}}`;
  };
  return Array.from({ length: count }, () => value(0));
}

test('cmsgpack: number and string encodings, arrays and maps, nesting and errors as Redis 7.0', { skip: !REDIS_AVAILABLE }, async () => {
  assert.deepEqual(await compareSnippets(redis, FIXED), []);
});

test('cmsgpack: generated values pack, unpack and pack again as in Redis 7.0', { skip: !REDIS_AVAILABLE }, async () => {
  const snippets = generatedValues(5, 200).map((v) => `return ${attempt(`(function(s) return hex(s) .. ' ' .. dump(cmsgpack.unpack(s)) .. ' ' .. hex(cmsgpack.pack(cmsgpack.unpack(s))) end)(cmsgpack.pack(${v}))`)}`);
  assert.deepEqual(await compareSnippets(redis, snippets), []);
});

test('cmsgpack: generated multi-key maps pack to the same length and round-trip alike (key order aside)', { skip: !REDIS_AVAILABLE }, async () => {
  const snippets = generatedValues(6, 100, true).map((v) => `return ${attempt(`(function(s) return #s .. ' ' .. dump(cmsgpack.unpack(s)) end)(cmsgpack.pack(${v}))`)}`);
  assert.deepEqual(await compareSnippets(redis, snippets), []);
});

test('cmsgpack: input nested past 1000 levels fails cleanly (JS stack bound; Redis allows about 4000)', () => {
  const reply = evalInFengari(`local s = string.rep('\\145', 100000) .. '\\1' return ${attempt('cmsgpack.unpack(s)')}`);
  assert.equal(reply.toString('latin1'), '$71\r\nERR:user_script:18: stack overflow (in function mp_decode_to_lua_array)\r\n');
});
