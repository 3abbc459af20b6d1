// bit (LuaBitOp) against redis-server 7.0.15, byte for byte (test/script/lib-harness.ts): every
// function over 32-bit edges, values past 2^32 and 2^52, fractions (rounded half to even),
// negative and large shift counts, tohex widths, numeric strings and the argument errors.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REDIS_AVAILABLE, withRedisServer, type RedisProcess } from '../kv/redis-server.js';
import { attempt, compareSnippets, seededRandom } from './lib-harness.js';

let redis: RedisProcess;
withRedisServer((started) => {
  redis = started;
});

const VALUES = ['0', '1', '-1', '2^31', '2^31-1', '-2^31', '-2^31-1', '2^32', '2^32-1', '2^32+5', '-2^32', '2^40+3', '2^52', '2^53', '2^53+2', '2^60',
  '-2^60', '2^64', '1e300', '-1e300', '0.5', '1.5', '2.5', '-0.5', '-1.5', '0.49999999999999994', '3.7', '-3.7', '1/0', '-1/0', '0/0', "'7'", "'0x10'", "' 12 '", '0x7fffffff', '0xdeadbeef', '305419896'];
const SHIFTS = ['0', '1', '4', '31', '32', '33', '-1', '-31', '-32', '64', '2^32+1', '1.5'];

function fixed(): string[] {
  const out: string[] = [];
  const list = `{${VALUES.join(', ')}}`;
  for (const fn of ['tobit', 'bnot', 'bswap', 'tohex']) {
    out.push(`local r = {} for _, v in ipairs(${list}) do r[#r + 1] = tostring(bit.${fn}(v)) end return table.concat(r, ' ')`);
  }
  for (const fn of ['band', 'bor', 'bxor']) {
    out.push(`local r = {} local l = ${list} for i, v in ipairs(l) do r[#r + 1] = tostring(bit.${fn}(v, l[(i % #l) + 1])) .. ',' .. tostring(bit.${fn}(v)) .. ',' .. tostring(bit.${fn}(v, 0xff, 0xf0f, -1)) end return table.concat(r, ' ')`);
  }
  for (const fn of ['lshift', 'rshift', 'arshift', 'rol', 'ror']) {
    out.push(`local r = {} for _, v in ipairs(${list}) do for _, n in ipairs({${SHIFTS.join(', ')}}) do r[#r + 1] = tostring(bit.${fn}(v, n)) end end return table.concat(r, ' ')`);
  }
  out.push(`local r = {} for _, v in ipairs({0xdeadbeef, -1, 0, 1, 255}) do for _, n in ipairs({0, 1, 2, 7, 8, 9, -1, -3, -8, -9, 2^31, -2^31, 2^32 - 1, 100, 0.5, 1.5}) do r[#r + 1] = bit.tohex(v, n) end end return table.concat(r, ' ')`);
  out.push(`return bit.tohex(-1) .. bit.tohex(1, 2) .. bit.tobit(5) .. '|' .. bit.band(12, 10) + 1`);
  for (const call of ["bit.band('x')", 'bit.band(1, nil)', 'bit.band()', 'bit.bnot({})', 'bit.tohex(1, true)', 'bit.lshift(1)', "bit.rshift(1, 'y')", 'bit.tobit()', "bit.tobit('')", 'bit.bor(1, 2, {})']) {
    out.push(`return ${attempt(call)}`);
  }
  return out;
}

function generated(seed: number, count: number): string[] {
  const random = seededRandom(seed);
  const functions = ['tobit', 'bnot', 'band', 'bor', 'bxor', 'lshift', 'rshift', 'arshift', 'rol', 'ror', 'bswap', 'tohex'];
  const number = (): string => {
    const kind = Math.floor(random() * 3);
    if (kind === 0) return String(Math.floor((random() - 0.5) * 2 ** 33));
    if (kind === 1) return String((random() - 0.5) * 2 ** Math.floor(random() * 60));
    return String(Math.floor(random() * 64) - 32);
  };
  return Array.from({ length: count }, () => {
    const calls = Array.from({ length: 8 }, () => `tostring(bit.${functions[Math.floor(random() * functions.length)]}(${number()}, ${number()}, ${number()}))`);
    return `return ${calls.join(" .. ' ' .. ")}`;
  });
}

test('bit: every function over 32-bit edges, rounding, shifts, tohex widths and errors as Redis 7.0', { skip: !REDIS_AVAILABLE }, async () => {
  assert.deepEqual(await compareSnippets(redis, fixed()), []);
});

test('bit: generated calls as in Redis 7.0', { skip: !REDIS_AVAILABLE }, async () => {
  assert.deepEqual(await compareSnippets(redis, generated(3, 100)), []);
});
