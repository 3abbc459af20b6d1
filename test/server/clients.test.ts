// ioredis (v5) and node-redis (v6) against a live Cairn server: every command of issue #3 through
// each client's generic command call, plus each client's own MULTI/WATCH helpers and pipelines.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startCairn, type RunningProcess } from './helpers.js';

let server: RunningProcess;
before(async () => {
  server = await startCairn();
});
after(async () => {
  await server.cleanup();
});

type Check = unknown | ((value: unknown) => boolean);
type Step = [args: string[], expected: Check];
const isError = (pattern: RegExp) => (value: unknown): boolean => value instanceof Error && pattern.test(value.message);
const isInt = (value: unknown): boolean => typeof value === 'number' && Number.isInteger(value);
const between = (low: number, high: number) => (value: unknown): boolean => typeof value === 'number' && value >= low && value <= high;

/** Every command of the issue, with what a RESP2 client returns for it. */
function script(): Step[] {
  const future = Math.floor(Date.now() / 1000) + 3600;
  return [
    [['FLUSHALL'], 'OK'],
    [['PING'], 'PONG'],
    [['PING', 'hi'], 'hi'],
    [['ECHO', 'hello'], 'hello'],
    [['SELECT', '0'], 'OK'],
    [['SELECT', '16'], isError(/DB index is out of range/)],
    [['AUTH', 'x'], isError(/without any password configured/)],
    [['HELLO', '2'], (v: unknown) => Array.isArray(v) && v.includes('proto')],
    [['CLIENT', 'SETNAME', 'suite'], 'OK'],
    [['CLIENT', 'GETNAME'], 'suite'],
    [['CLIENT', 'ID'], isInt],
    [['CLIENT', 'SETINFO', 'LIB-NAME', 'suite-lib'], 'OK'],
    [['CLIENT', 'INFO'], (v: unknown) => typeof v === 'string' && v.includes('name=suite') && v.includes('lib-name=suite-lib')],
    [['CLIENT', 'LIST'], (v: unknown) => typeof v === 'string' && v.includes('name=suite')],
    [['INFO'], (v: unknown) => typeof v === 'string' && v.includes('# Persistence')],
    [['INFO', 'keyspace'], (v: unknown) => typeof v === 'string' && v.startsWith('# Keyspace')],
    [['CONFIG', 'GET', 'appendonly'], ['appendonly', 'yes']],
    [['CONFIG', 'GET', 'databases'], ['databases', '16']],
    [['CONFIG', 'SET', 'timeout', '0'], 'OK'],
    [['COMMAND', 'COUNT'], (v: unknown) => typeof v === 'number' && v > 50],
    [['COMMAND', 'INFO', 'set'], (v: unknown) => Array.isArray(v) && Array.isArray(v[0]) && v[0][0] === 'set'],
    [['COMMAND', 'DOCS', 'get'], (v: unknown) => Array.isArray(v) && v[0] === 'get'],
    [['COMMAND'], (v: unknown) => Array.isArray(v) && v.length > 50],
    [['TIME'], (v: unknown) => Array.isArray(v) && v.length === 2],
    [['DBSIZE'], 0],
    [['SET', 's', 'v'], 'OK'],
    [['GET', 's'], 'v'],
    [['SET', 's', 'w', 'NX'], null],
    [['SET', 's', 'w', 'XX', 'GET'], 'v'],
    [['SET', 's', 'x', 'EX', '100'], 'OK'],
    [['SET', 's', 'x', 'PX', '100000', 'KEEPTTL'], isError(/syntax error/)],
    [['SET', 's', 'y', 'KEEPTTL'], 'OK'],
    [['SET', 's', 'z', 'EXAT', String(future)], 'OK'],
    [['SET', 's', 'z', 'PXAT', String(future * 1000)], 'OK'],
    [['SET', 's', 'cas', 'IFEQ', 'z'], 'OK'],
    [['SET', 's', 'no', 'IFEQ', 'z'], null],
    [['SET', 's', 'ne', 'IFNE', 'z'], 'OK'],
    [['SET', 's', 'v', 'EX', '0'], isError(/invalid expire time in 'set' command/)],
    [['SETNX', 's', 'q'], 0],
    [['SETEX', 'se', '100', 'v'], 'OK'],
    [['PSETEX', 'pse', '100000', 'v'], 'OK'],
    [['GETSET', 's', 'gs'], 'ne'],
    [['GETDEL', 'pse'], 'v'],
    [['GETEX', 'se', 'PERSIST'], 'v'],
    [['MSET', 'a', '1', 'b', '2'], 'OK'],
    [['MGET', 'a', 'b', 'nope'], ['1', '2', null]],
    [['MSETNX', 'a', '9', 'c', '3'], 0],
    [['EXISTS', 'a', 'b', 'nope'], 2],
    [['TYPE', 'a'], 'string'],
    [['TYPE', 'nope'], 'none'],
    [['INCR', 'a'], 2],
    [['INCRBY', 'a', '10'], 12],
    [['DECR', 'a'], 11],
    [['DECRBY', 'a', '5'], 6],
    [['INCRBYFLOAT', 'a', '1.5'], '7.5'],
    [['INCR', 's'], isError(/not an integer/)],
    [['APPEND', 'b', 'xyz'], 4],
    [['STRLEN', 'b'], 4],
    [['GETRANGE', 'b', '1', '2'], 'xy'],
    [['SETRANGE', 'b', '1', 'AB'], 4],
    [['GET', 'b'], '2ABz'],
    [['EXPIRE', 'b', '100'], 1],
    [['TTL', 'b'], between(99, 100)],
    [['PEXPIRE', 'b', '50000'], 1],
    [['PTTL', 'b'], between(49_000, 50_000)],
    [['EXPIREAT', 'b', String(future)], 1],
    [['EXPIRETIME', 'b'], future],
    [['PEXPIREAT', 'b', String(future * 1000)], 1],
    [['PERSIST', 'b'], 1],
    [['TTL', 'b'], -1],
    [['RENAME', 'b', 'b2'], 'OK'],
    [['RENAMENX', 'b2', 'a'], 0],
    [['RENAME', 'nope', 'x'], isError(/no such key/)],
    [['KEYS', 'b*'], ['b2']],
    [['SCAN', '0', 'MATCH', 'a*', 'COUNT', '100', 'TYPE', 'string'], (v: unknown) => Array.isArray(v) && v.length === 2],
    [['RANDOMKEY'], (v: unknown) => typeof v === 'string'],
    [['DEL', 'a', 'nope'], 1],
    [['UNLINK', 'c', 'b2'], 1],
    [['SET', 'd', 'v'], 'OK'],
    [['DELEX', 'd', 'IFEQ', 'other'], 0],
    [['DELEX', 'd', 'IFNE', 'other'], 1],
    [['WATCH', 'w'], 'OK'],
    [['UNWATCH'], 'OK'],
    [['MULTI'], 'OK'],
    [['SET', 'm', '1'], 'QUEUED'],
    [['INCR', 'm'], 'QUEUED'],
    [['EXEC'], ['OK', 2]],
    [['MULTI'], 'OK'],
    [['SET', 'm', '9'], 'QUEUED'],
    [['DISCARD'], 'OK'],
    [['GET', 'm'], '2'],
    [['NOSUCHCOMMAND', 'x'], isError(/unknown command 'NOSUCHCOMMAND', with args beginning with: 'x'/)],
    [['GET'], isError(/wrong number of arguments for 'get' command/)],
    [['DBSIZE'], (v: unknown) => typeof v === 'number' && v >= 3],
    [['FLUSHDB'], 'OK'],
    [['DBSIZE'], 0],
    [['RESET'], 'RESET'],
  ];
}

async function runScript(call: (args: string[]) => Promise<unknown>): Promise<void> {
  for (const [args, expected] of script()) {
    let value: unknown;
    try {
      value = await call(args);
    } catch (error) {
      value = error;
    }
    const label = `${args.join(' ')} → ${value instanceof Error ? value.message : JSON.stringify(value)}`;
    if (typeof expected === 'function') assert.ok((expected as (v: unknown) => boolean)(value), label);
    else assert.deepEqual(value, expected, label);
  }
}

test('ioredis runs every command', async () => {
  const redis = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
  await redis.connect();
  try {
    await runScript((args) => redis.call(args[0]!, ...args.slice(1)));
    // The client's own helpers: pipeline, MULTI with WATCH, typed calls.
    const results = await redis.pipeline().set('p1', '1').incr('p1').get('p1').exec();
    assert.deepEqual(results, [[null, 'OK'], [null, 2], [null, '2']]);
    await redis.watch('p1');
    const tx = await redis.multi().incr('p1').get('p1').exec();
    assert.deepEqual(tx, [[null, 3], [null, '3']]);
    assert.equal(await redis.quit(), 'OK');
  } finally {
    redis.disconnect();
  }
});

test('node-redis runs every command', async () => {
  const client = createClient({ socket: { port: server.port, host: '127.0.0.1', reconnectStrategy: false } });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await runScript((args) => client.sendCommand(args));
    await client.set('n1', '5');
    assert.equal(await client.incrBy('n1', 5), 10);
    const tx = await client.multi().incr('n1').get('n1').exec();
    assert.deepEqual(tx, [11, '11']);
    await client.watch('n1');
    await client.set('n1', 'changed-by-me');
    await assert.rejects(client.multi().set('n1', 'x').exec(), /WATCH/i);
    assert.equal(await client.quit(), 'OK');
  } finally {
    if (client.isOpen) await client.disconnect();
  }
});
