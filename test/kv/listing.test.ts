import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globMatch, globMatchNoCase } from '../../src/kv/glob.js';
import { KvState } from '../../src/kv/state.js';
import { err, type Plain, session } from './helpers.js';

const m = (pattern: string, subject: string) => globMatch(Buffer.from(pattern, 'latin1'), Buffer.from(subject, 'latin1'));

test('glob matching follows stringmatchlen', () => {
  assert.ok(m('*', 'anything'));
  assert.ok(m('h?llo', 'hello'));
  assert.ok(!m('h?llo', 'hllo'));
  assert.ok(m('h*llo', 'heeeello'));
  assert.ok(m('h[ae]llo', 'hallo'));
  assert.ok(!m('h[ae]llo', 'hillo'));
  assert.ok(m('h[^e]llo', 'hallo'));
  assert.ok(!m('h[^e]llo', 'hello'));
  assert.ok(m('h[a-b]llo', 'hbllo'));
  assert.ok(m('h[b-a]llo', 'hallo'), 'reversed ranges are swapped');
  assert.ok(m('h\\*llo', 'h*llo'));
  assert.ok(!m('h\\*llo', 'hallo'));
  assert.ok(m('a*b*c', 'aXXbYYc'));
  assert.ok(!m('a*b*c', 'aXXbYY'));
  assert.ok(m('[a', 'a'), 'an unterminated class runs to the end');
  assert.ok(m('k*', 'k'));
  assert.ok(!m('', 'k'));
  assert.ok(m('[\\]]', ']'));
  assert.ok(m('[a-\u00ff]', '\u00fe') === false, 'bytes above 127 compare as signed chars');
  assert.ok(m('[\u00fe-\u00ff]', '\u00fe'));
});

test('glob matching without case folds ASCII letters only, in literals, classes and ranges (CONFIG GET)', () => {
  const n = (pattern: string, subject: string) => globMatchNoCase(Buffer.from(pattern, 'latin1'), Buffer.from(subject, 'latin1'));
  assert.ok(n('MAX*', 'maxclients'));
  assert.ok(n('max*', 'MAXCLIENTS'));
  assert.ok(n('[M]axclients', 'maxclients'));
  assert.ok(n('[K-N]axclients', 'maxclients'));
  assert.ok(n('[^M]ort', 'port'));
  assert.ok(!n('[^P]ort', 'port'));
  assert.ok(!n('\u00c0', '\u00e0'), 'bytes above 127 keep their case, as C tolower does');
  assert.ok(!m('MAX*', 'maxclients'), 'the plain match keeps case');
});

test('glob matching is bounded on hostile patterns', () => {
  const subject = 'a'.repeat(5000);
  const pattern = '*a'.repeat(2000) + 'b';
  const started = process.hrtime.bigint();
  assert.equal(m(pattern, subject), false);
  assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 2000);
});

test('KEYS returns live matching keys in insertion order', () => {
  const { run, clock } = session(1000);
  run('MSET', 'one', '1', 'two', '2', 'three', '3');
  run('SET', 'gone', 'x', 'PX', '5');
  clock.nowMs = 2000;
  assert.deepEqual(run('KEYS', '*'), ['one', 'two', 'three']);
  assert.deepEqual(run('KEYS', 't*'), ['two', 'three']);
  assert.deepEqual(run('KEYS', 'nothing'), []);
});

function scanAll(run: (...parts: string[]) => Plain, options: string[] = [], mutate?: (step: number) => void): string[] {
  const seen: string[] = [];
  let cursor = '0';
  for (let step = 0; step < 100_000; step++) {
    const reply = run('SCAN', cursor, ...options) as [string, string[]];
    seen.push(...reply[1]);
    cursor = reply[0];
    mutate?.(step);
    if (cursor === '0') return seen;
  }
  throw new Error('SCAN did not finish');
}

test('SCAN returns every key exactly once with MATCH, COUNT and TYPE', () => {
  const { run } = session();
  for (let i = 0; i < 500; i++) run('SET', `key:${i}`, 'v');
  const all = scanAll(run, ['COUNT', '7']);
  assert.equal(all.length, 500);
  assert.equal(new Set(all).size, 500);
  assert.equal(scanAll(run, ['MATCH', 'key:1*', 'COUNT', '50']).length, 111);
  assert.equal(scanAll(run, ['TYPE', 'string']).length, 500);
  assert.equal(scanAll(run, ['type', 'hash']).length, 0);
});

test('SCAN keeps its promise while keys come and go: keys present throughout are returned', () => {
  const { run } = session();
  for (let i = 0; i < 3000; i++) run('SET', `k${i}`, 'v');
  const stable = new Set<string>();
  for (let i = 0; i < 3000; i += 3) stable.add(`k${i}`);
  const seen = new Set(scanAll(run, ['COUNT', '20'], (step) => {
    run('DEL', `k${step * 3 + 1}`, `k${step * 3 + 2}`);
    run('SET', `new${step}`, 'v');
  }));
  for (const key of stable) assert.ok(seen.has(key), `SCAN missed ${key}`);
});

test('SCAN argument errors match Redis', () => {
  const { run } = session();
  assert.deepEqual(run('SCAN', 'x'), err('ERR invalid cursor'));
  assert.deepEqual(run('SCAN', '-1'), err('ERR invalid cursor'));
  assert.deepEqual(run('SCAN', '0', 'COUNT', '0'), err('ERR syntax error'));
  assert.deepEqual(run('SCAN', '0', 'COUNT', 'x'), err('ERR value is not an integer or out of range'));
  assert.deepEqual(run('SCAN', '0', 'MATCH'), err('ERR syntax error'));
  assert.deepEqual(run('SCAN', '0', 'BOGUS', '1'), err('ERR syntax error'));
  assert.deepEqual(run('SCAN', '18446744073709551615'), ['0', []]);
});

test('RANDOMKEY picks live keys from the seeded Prng, nil when empty', () => {
  const { run, clock } = session(1000);
  assert.deepEqual(run('RANDOMKEY'), null);
  run('MSET', 'a', '1', 'b', '2', 'c', '3');
  run('SET', 'gone', 'x', 'PX', '5');
  clock.nowMs = 2000;
  const picks = new Set<Plain>();
  for (let i = 0; i < 200; i++) picks.add(run('RANDOMKEY'));
  assert.deepEqual([...picks].sort(), ['a', 'b', 'c']);
  const a = new KvState({ randomSeed: 9 });
  const b = new KvState({ randomSeed: 9 });
  const cmd = (s: KvState, ...parts: string[]) => s.execute(parts.map((p) => Buffer.from(p)), 0);
  for (const s of [a, b]) for (let i = 0; i < 50; i++) cmd(s, 'SET', `k${i}`, 'v');
  for (let i = 0; i < 20; i++) assert.deepEqual(cmd(a, 'RANDOMKEY'), cmd(b, 'RANDOMKEY'));
});
