// The script engine alone (no kv): the sandbox has exactly Redis 7.0.15's globals and library
// functions, numbers print as Lua 5.1 prints them, replies convert to Lua in RESP2 and RESP3 as
// Redis converts them, and the instruction limit stops a runaway script (pcall cannot swallow it).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { AssertionError } from '../../src/lib/assert.js';
import type { Reply } from '../../src/lib/reply.js';
import { ScriptEngine, scriptSha } from '../../src/script/engine.js';
import { formatLuaNumber } from '../../src/script/number-text.js';

/** Runs a body with a host that answers every command with `reply`; returns the script's reply. */
function run(engine: ScriptEngine, body: string, reply: Reply = { type: 'simple', value: 'OK' }): Reply {
  const bytes = Buffer.from(body);
  return engine.run({ sha: scriptSha(bytes), body: bytes, keys: [], args: [], randomSeed: 0, call: () => reply });
}

function bulks(reply: Reply): string[] {
  assert.equal(reply.type, 'array');
  return (reply as { readonly items: readonly Reply[] }).items.map((item) => Buffer.from((item as { value: Uint8Array }).value).toString());
}

const SORTED_NAMES = (table: string): string => `local t = {} for k in pairs(${table}) do t[#t + 1] = k end table.sort(t) return t`;

test('the globals and the libraries are those of Redis 7.0.15 (redis-server answered the same listing)', () => {
  const engine = new ScriptEngine();
  assert.deepEqual(bulks(run(engine, SORTED_NAMES('_G'))).filter((n) => n !== 'KEYS' && n !== 'ARGV'), [
    '_G', '_VERSION', 'assert', 'bit', 'cjson', 'cmsgpack', 'collectgarbage', 'coroutine', 'error', 'gcinfo', 'getmetatable', 'ipairs', 'load', 'loadstring',
    'math', 'next', 'pairs', 'pcall', 'rawequal', 'rawget', 'rawset', 'redis', 'select', 'setmetatable', 'string', 'table',
    'struct', 'tonumber', 'tostring', 'type', 'unpack', 'xpcall', '__redis__err__handler',
  ].sort());
  assert.deepEqual(bulks(run(engine, SORTED_NAMES('string'))),
    ['byte', 'char', 'dump', 'find', 'format', 'gfind', 'gmatch', 'gsub', 'len', 'lower', 'match', 'rep', 'reverse', 'sub', 'upper']);
  assert.deepEqual(bulks(run(engine, SORTED_NAMES('math'))),
    ['abs', 'acos', 'asin', 'atan', 'atan2', 'ceil', 'cos', 'cosh', 'deg', 'exp', 'floor', 'fmod', 'frexp', 'huge', 'ldexp', 'log',
      'log10', 'max', 'min', 'mod', 'modf', 'pi', 'pow', 'rad', 'random', 'randomseed', 'sin', 'sinh', 'sqrt', 'tan', 'tanh']);
  assert.deepEqual(bulks(run(engine, SORTED_NAMES('table'))),
    ['concat', 'foreach', 'foreachi', 'getn', 'insert', 'maxn', 'remove', 'setn', 'sort']);
  assert.deepEqual(bulks(run(engine, SORTED_NAMES('redis'))), [
    'LOG_DEBUG', 'LOG_NOTICE', 'LOG_VERBOSE', 'LOG_WARNING', 'REDIS_VERSION', 'REDIS_VERSION_NUM', 'REPL_ALL', 'REPL_AOF', 'REPL_NONE',
    'REPL_REPLICA', 'REPL_SLAVE', 'acl_check_cmd', 'breakpoint', 'call', 'debug', 'error_reply', 'log', 'pcall', 'replicate_commands',
    'set_repl', 'setresp', 'sha1hex', 'status_reply',
  ]);
});

test('numbers print as Lua 5.1 prints them ("%.14g"), with glibc\'s rounding of exact ties', () => {
  const cases: [number, string][] = [
    [5, '5'], [0.1, '0.1'], [1e20, '1e+20'], [1e-5, '1e-05'], [123456789012345, '1.2345678901234e+14'], [1 / 3, '0.33333333333333'],
    [2 ** 53, '9.007199254741e+15'], [-0.5, '-0.5'], [Infinity, 'inf'], [-Infinity, '-inf'], [Number.NaN, '-nan'], [100000000000000, '1e+14'],
    [12345678901234.5, '12345678901234'], [12345678901235.5, '12345678901236'],
  ];
  for (const [value, text] of cases) assert.equal(formatLuaNumber(value), text, String(value));
  assert.deepEqual(bulks(run(new ScriptEngine(), "return {tostring(10/2), 7 .. '', tostring(2147483647 + 1), string.format('%s', 3)}")), ['5', '7', '2147483648', '3']);
});

test('replies reach Lua as Redis gives them: RESP2 by default, RESP3 after redis.setresp(3)', () => {
  const engine = new ScriptEngine();
  const pairs: Reply = { type: 'pairs', entries: [[{ type: 'bulk', value: Buffer.from('a') }, { type: 'double', value: 1.5 }]] };
  const probe = (resp: 2 | 3, reply: Reply, expression: string): Reply =>
    run(engine, `redis.setresp(${resp}) local r = redis.call('x') return ${expression}`, reply);
  assert.deepEqual(probe(2, pairs, "{r[1], r[2]}"), { type: 'array', items: [{ type: 'bulk', value: Buffer.from('a') }, { type: 'bulk', value: Buffer.from('1.5') }] });
  assert.deepEqual(probe(3, pairs, "{r[1][1], r[1][2].double}"), { type: 'array', items: [{ type: 'bulk', value: Buffer.from('a') }, { type: 'integer', value: 1 }] });
  assert.deepEqual(probe(3, { type: 'boolean', value: true }, 'type(r)'), { type: 'bulk', value: Buffer.from('boolean') });
  assert.deepEqual(probe(2, { type: 'boolean', value: true }, 'r'), { type: 'integer', value: 1 });
  assert.deepEqual(probe(3, { type: 'verbatim', format: 'txt', value: 'hi' }, 'r.verbatim_string.string'), { type: 'bulk', value: Buffer.from('hi') });
  assert.deepEqual(probe(2, { type: 'nullArray' }, 'type(r)'), { type: 'bulk', value: Buffer.from('boolean') });
  assert.deepEqual(probe(3, { type: 'null' }, 'type(r)'), { type: 'bulk', value: Buffer.from('nil') });
  assert.deepEqual(probe(3, { type: 'set', items: [{ type: 'bulk', value: Buffer.from('m') }] }, 'r'), { type: 'set', items: [{ type: 'bulk', value: Buffer.from('m') }] });
});

test('the instruction limit stops a runaway script, even one that pcalls its loop; the engine runs on afterwards', () => {
  const engine = new ScriptEngine({ maxInstructions: 100_000 });
  for (const body of ['while true do end', 'local ok = pcall(function() while true do end end) return ok', 'coroutine.wrap(function() while true do end end)()']) {
    const reply = run(engine, body);
    assert.equal(reply.type, 'error', body);
    assert.match((reply as { message: string }).message, /^ERR Script stopped after 100000 Lua instructions/, body);
  }
  assert.deepEqual(run(engine, 'local n = 0 for i = 1, 1000 do n = n + i end return n'), { type: 'integer', value: 500500 });
});

test('SCRIPT FLUSH\'s reset drops compiled functions; a compile error names user_script as Redis does', () => {
  const engine = new ScriptEngine();
  const body = Buffer.from('return 1');
  assert.equal(engine.compile(scriptSha(body), body), undefined);
  assert.ok(engine.compiled(scriptSha(body)));
  engine.reset();
  assert.ok(!engine.compiled(scriptSha(body)));
  const bad = Buffer.from('return +');
  assert.deepEqual(engine.compile(scriptSha(bad), bad), { type: 'error', message: "ERR Error compiling script (new function): user_script:1: unexpected symbol near '+'" });
});

test('a JavaScript error inside the VM becomes the script\'s error; a Cairn assertion stops the run and is rethrown', () => {
  const engine = new ScriptEngine();
  const body = Buffer.from("return redis.call('x')");
  const call = (thrown: Error) => () => engine.run({ sha: scriptSha(body), body, keys: [], args: [], randomSeed: 0, call: () => { throw thrown; } });
  assert.deepEqual(call(new TypeError('boom'))(), { type: 'error', message: `ERR boom script: ${scriptSha(body)}, on @user_script:1.` });
  assert.throws(call(new AssertionError('kv invariant')), AssertionError);
  assert.deepEqual(run(engine, 'return 1'), { type: 'integer', value: 1 });
});

test('a result nested past 60 levels (a table holding itself) ends in an error element, within what RESP encodes', () => {
  let reply = run(new ScriptEngine(), 'local t = {} t[1] = t return t');
  let depth = 0;
  while (reply.type === 'array') {
    reply = reply.items[0]!;
    depth++;
  }
  assert.equal(depth, 61);
  assert.deepEqual(reply, { type: 'error', message: 'ERR reached lua stack limit' });
});
