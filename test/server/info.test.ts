// What clients and tools read, against redis-server 7.0 on the same machine: every field INFO
// prints in each section (in Redis's order, INFO default/all/everything choosing sections as Redis
// does), every CLIENT INFO / CLIENT LIST field parsed as redis-py's client_info() parses it, and
// COMMAND COUNT / LIST / DOCS / INFO describing every command of Cairn's table.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { KV_COMMANDS } from '../../src/kv/commands.js';
import { RawClient, show, startCairn, startRedis, type RunningProcess } from './helpers.js';
import { serverCommands } from '../../src/server/server-commands.js';

let cairn: RunningProcess;
let redis: RunningProcess;
let ours: RawClient;
let theirs: RawClient;

before(async () => {
  [cairn, redis] = await Promise.all([startCairn(), startRedis()]);
  [ours, theirs] = await Promise.all([RawClient.connect(cairn.port), RawClient.connect(redis.port)]);
});

after(async () => {
  ours?.close();
  theirs?.close();
  await Promise.all([cairn?.cleanup(), redis?.cleanup()]);
});

/** INFO's text as section heading → field names in order. */
function sections(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split('\r\n')) {
    if (line.startsWith('# ')) out.set(line.slice(2), (current = []));
    else if (line !== '') current?.push(line.slice(0, line.indexOf(':')));
  }
  return out;
}

/** Per-command and per-error fields are named after what ran; their sections only need to exist. */
const DYNAMIC = /^(cmdstat_|latency_percentiles_usec_|errorstat_|db\d+$)/;

async function info(client: RawClient, ...args: string[]): Promise<string> {
  return String(show(await client.call('INFO', ...args)));
}

for (const request of [[], ['default'], ['all'], ['everything']]) {
  test(`INFO ${request.join(' ') || '(no argument)'}: Redis's sections, each with every field redis-server prints, in its order`, async () => {
    const [mine, reference] = [sections(await info(ours, ...request)), sections(await info(theirs, ...request))];
    assert.deepEqual([...mine.keys()], [...reference.keys()], 'the same sections in the same order');
    for (const [heading, fields] of reference) {
      const have = mine.get(heading) ?? [];
      const expected = fields.filter((f) => !DYNAMIC.test(f));
      const inOrder = have.filter((f) => expected.includes(f));
      assert.deepEqual(inOrder, expected, `section ${heading}: Redis's fields, in Redis's order`);
    }
  });
}

test('INFO names single sections as Redis does; Cluster says cluster_enabled:1; Keyspace has keys, expires and avg_ttl', async () => {
  for (const name of ['cpu', 'CLUSTER', 'modules', 'errorstats', 'commandstats', 'latencystats', 'memory']) {
    assert.deepEqual([...sections(await info(ours, name)).keys()], [...sections(await info(theirs, name)).keys()], name);
  }
  assert.match(await info(ours, 'cluster'), /^# Cluster\r\ncluster_enabled:1\r\n$/);
  assert.equal(show(await ours.call('SET', 'info-key', 'v', 'EX', '100')), 'OK');
  assert.match(await info(ours, 'keyspace'), /^# Keyspace\r\ndb0:keys=\d+,expires=1,avg_ttl=\d+\r\n$/);
  const memory = await info(ours, 'memory');
  const rss = Number(/used_memory_rss:(\d+)/.exec(memory)?.[1]);
  assert.ok(rss > 1_000_000, `used_memory_rss is the process's (${rss})`);
  assert.match(await info(ours, 'cpu'), /used_cpu_user:\d+\.\d{6}\r\n/);
});

test('error replies are counted by kind in Errorstats and total_error_replies, as Redis counts them', async () => {
  for (const client of [ours, theirs]) {
    assert.match(String(show(await client.call('NOSUCHCOMMAND'))), /^ERR:ERR unknown command/);
    assert.equal(show(await client.call('SET', 'typed', 'v')), 'OK');
    assert.match(String(show(await client.call('SORT', 'typed'))), /^ERR:WRONGTYPE/);
  }
  const [mine, reference] = [await info(ours, 'errorstats'), await info(theirs, 'errorstats')];
  for (const kind of ['ERR', 'WRONGTYPE']) {
    assert.match(reference, new RegExp(`errorstat_${kind}:count=\\d+`));
    assert.match(mine, new RegExp(`errorstat_${kind}:count=\\d+`), `Cairn counts ${kind}`);
  }
  assert.ok(Number(/total_error_replies:(\d+)/.exec(await info(ours, 'stats'))?.[1]) >= 2);
});

/** redis-py's parse_client_info: space-separated key=value pairs, these converted with int(). */
const REDIS_PY_INTEGERS = ['id', 'age', 'idle', 'db', 'sub', 'psub', 'multi', 'qbuf', 'qbuf-free', 'obl', 'argv-mem', 'oll', 'omem', 'tot-mem'];

function clientFields(line: string): Map<string, string> {
  return new Map(line.trim().split(' ').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)] as const));
}

test('CLIENT INFO and CLIENT LIST give every field redis-server gives, in its order, parseable as redis-py parses them', async () => {
  for (const sub of ['INFO', 'LIST']) {
    const mine = clientFields(String(show(await ours.call('CLIENT', sub))).split('\n')[0] as string);
    const reference = clientFields(String(show(await theirs.call('CLIENT', sub))).split('\n')[0] as string);
    const names = [...reference.keys()];
    assert.deepEqual([...mine.keys()].filter((k) => reference.has(k)), names, `CLIENT ${sub}: Redis's fields in order`);
    for (const key of REDIS_PY_INTEGERS) assert.match(mine.get(key) ?? '', /^-?\d+$/, `CLIENT ${sub} ${key} is an integer`);
    assert.equal(mine.get('cmd'), `client|${sub.toLowerCase()}`);
  }
});

test('COMMAND COUNT, LIST, DOCS and INFO describe every command in the table', async () => {
  const names = [...KV_COMMANDS.values()].filter((c) => !c.flags.includes('internal')).map((c) => c.name)
    .concat(serverCommands.map((e) => e.meta.name));
  const listed = show(await ours.call('COMMAND', 'LIST')) as string[];
  const count = show(await ours.call('COMMAND', 'COUNT')) as number;
  assert.equal(count, listed.length);
  for (const name of names) assert.ok(listed.includes(name), `COMMAND LIST names ${name}`);
  const docs = show(await ours.call('COMMAND', 'DOCS')) as unknown[];
  assert.equal(docs.length, 2 * count, 'COMMAND DOCS: one entry per command');
  const all = show(await ours.call('COMMAND')) as unknown[][];
  assert.equal(all.length, count);
  assert.deepEqual(new Set(all.map((entry) => entry[0])), new Set(listed));
  for (const name of ['copy', 'object', 'memory', 'sort', 'sort_ro']) {
    const [entry] = show(await ours.call('COMMAND', 'INFO', name)) as unknown[][];
    assert.equal(entry?.[0], name);
  }
});
