// The ACL's corners against a real redis-server 7.0, byte for byte in RESP2 and RESP3: a script's
// redis.call / redis.pcall refused by the calling user's rules (commands, keys, channels; EVAL,
// EVALSHA, the _RO forms, FCALL, FCALL_RO; redis.acl_check_cmd), queued commands checked again at
// EXEC after another connection changed the user, a user disabled or deleted between MULTI and
// EXEC — and the ACL LOG entries each leaves (context lua / multi), without client-info and age.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aclLogShape as logShape, RawClient, show, withCairnAndRedis } from './helpers.js';

const servers = withCairnAndRedis();

/** A command on connection a (the user under test) or b (default, changing the user); `closed` waits for a's connection to close. */
type Step = ['a' | 'b', ...string[]] | ['a', 'closed'];

const LIBRARY = [
  '#!lua name=acllib',
  "redis.register_function('g', function(keys, args) return redis.call('get', keys[1]) end)",
  "redis.register_function{function_name='r', callback=function(keys, args) return redis.pcall(args[1], keys[1]) end, flags={'no-writes'}}",
].join('\n');

async function cleanup(port: number): Promise<void> {
  const admin = await RawClient.connect(port);
  const users = show(await admin.call('ACL', 'USERS')) as string[];
  const others = users.filter((u) => u !== 'default');
  if (others.length > 0) await admin.call('ACL', 'DELUSER', ...others);
  for (const step of [['ACL', 'LOG', 'RESET'], ['FLUSHALL'], ['SCRIPT', 'FLUSH'], ['FUNCTION', 'FLUSH']]) await admin.call(...step);
  admin.close();
}

interface Outcome {
  readonly a: string;
  readonly b: string;
  readonly log: unknown;
}

async function run(port: number, steps: readonly Step[], resp3: boolean): Promise<Outcome> {
  const clients = { a: await RawClient.connect(port), b: await RawClient.connect(port) };
  try {
    if (resp3) for (const client of Object.values(clients)) await client.call('HELLO', '3');
    for (const client of Object.values(clients)) client.raw = Buffer.alloc(0);
    for (const [on, ...args] of steps) {
      if (args[0] === 'closed') await clients.a.waitClosed();
      else await clients[on].call(...args);
    }
    const a = clients.a.raw.toString('latin1');
    const b = clients.b.raw.toString('latin1');
    return { a, b, log: logShape(await clients.b.call('ACL', 'LOG')) };
  } finally {
    clients.a.close();
    clients.b.close();
  }
}

async function compare(label: string, steps: readonly Step[]): Promise<void> {
  const { cairn, redis } = servers;
  if (cairn === undefined || redis === undefined) return;
  for (const resp3 of [false, true]) {
    const [ours, theirs] = (await Promise.all([run(cairn.port, steps, resp3), run(redis.port, steps, resp3)])) as [Outcome, Outcome];
    await Promise.all([cleanup(cairn.port), cleanup(redis.port)]);
    const name = `${label} (RESP${resp3 ? 3 : 2})`;
    assert.equal(JSON.stringify(ours.a), JSON.stringify(theirs.a), `${name}: the user's replies`);
    assert.equal(JSON.stringify(ours.b), JSON.stringify(theirs.b), `${name}: the admin's replies`);
    assert.deepEqual(ours.log, theirs.log, `${name}: ACL LOG`);
  }
}

const BOB = ['b', 'ACL', 'SETUSER', 'bob', 'on', 'nopass', '~k:*', '%R~r:*', '&c:*', '+@all', '-get', '-ping', '-flushall'] as Step;
const AUTH: Step = ['a', 'AUTH', 'bob', 'x'];
const evalOf = (body: string, ...rest: string[]): Step => ['a', 'EVAL', body, '0', ...rest];

const cases: [string, Step[]][] = [
  ['redis.call and redis.pcall refused inside EVAL', [
    BOB, AUTH,
    evalOf("return redis.call('get','k:1')"), evalOf("return redis.pcall('get','k:1')"),
    evalOf("return redis.call('set',ARGV[1],'v')", 'x'), evalOf("return redis.pcall('set','r:1','v')"), evalOf("return redis.call('strlen','r:1')"),
    evalOf("return redis.call('publish','z','m')"), evalOf("return redis.pcall('publish','z','m')"), evalOf("return redis.call('publish','c:1','m')"),
    evalOf("return redis.call('ping')"), evalOf("return redis.call('echo','e')"), evalOf("return redis.pcall('object','encoding','x')"),
    evalOf("redis.pcall('get','k:1') return redis.call('set','k:1','v')"), evalOf("return redis.call('nosuch')"), evalOf("return redis.call('get')"),
    evalOf("return redis.pcall('flushall')"), evalOf("return redis.pcall('config','get','x')"), ['b', 'GET', 'k:1'],
  ]],
  ['EVALSHA, the _RO forms and a script in MULTI', [
    BOB, AUTH, ['a', 'SCRIPT', 'LOAD', "return redis.pcall('get', 'k:2')"], ['a', 'EVALSHA', 'cd78bc516de00495962f1348bf221aeab133851c', '0'],
    ['a', 'EVAL_RO', "return redis.pcall('get','k:1')", '0'], ['a', 'EVAL', "#!lua flags=no-writes\nreturn redis.pcall('get','k:1')", '0'],
    ['a', 'EVAL_RO', "return redis.pcall('strlen','x')", '0'], ['a', 'MULTI'], evalOf("return redis.pcall('get','k:3')"), ['a', 'SET', 'k:4', 'v'], ['a', 'EXEC'],
  ]],
  ['FCALL and FCALL_RO', [
    BOB, ['b', 'FUNCTION', 'LOAD', LIBRARY], AUTH, ['a', 'FCALL', 'g', '1', 'k:1'], ['a', 'FCALL_RO', 'r', '1', 'k:1', 'get'],
    ['a', 'FCALL_RO', 'r', '1', 'k:1', 'strlen'], ['a', 'FCALL_RO', 'r', '1', 'r:1', 'strlen'],
  ]],
  ['redis.acl_check_cmd', [
    evalOf("return redis.acl_check_cmd('get','x')"), BOB, AUTH,
    evalOf("return {redis.acl_check_cmd('get','k:1'), redis.acl_check_cmd('set','k:1','v'), redis.acl_check_cmd('set','x','v'), redis.acl_check_cmd('config','get','x')}"),
    evalOf("return {redis.acl_check_cmd('publish','z','m'), redis.acl_check_cmd('set','r:1','v'), redis.acl_check_cmd('strlen','r:1'), redis.acl_check_cmd('config')}"),
    evalOf("return redis.acl_check_cmd('nosuch')"), evalOf("return redis.acl_check_cmd('config','nosuch')"), evalOf('return redis.acl_check_cmd()'),
    evalOf('return redis.acl_check_cmd({})'),
  ]],
  ['queued commands checked again at EXEC', [
    ['b', 'ACL', 'SETUSER', 'bob', 'on', 'nopass', '~k:*', '&c:*', '+@all', '-flushall'], AUTH, ['a', 'MULTI'], ['a', 'GET', 'k:1'], ['a', 'SET', 'k:2', 'v'],
    ['a', 'PING'], ['a', 'PUBLISH', 'c:1', 'm'], ['a', 'ACL', 'WHOAMI'], evalOf("return redis.pcall('get','k:1')"), ['a', 'INCR', 'k:3'],
    ['b', 'ACL', 'SETUSER', 'bob', '-get', 'resetkeys', '~k:2', '-ping', 'resetchannels'], ['a', 'EXEC'], ['a', 'GET', 'k:2'], ['b', 'MGET', 'k:2', 'k:3'],
  ]],
  ['a command refused at EXEC in a transaction of reads', [
    ['b', 'ACL', 'SETUSER', 'bob', 'on', 'nopass', '~*', '&*', '+@all'], AUTH, ['b', 'SET', 'x', '1'], ['a', 'MULTI'], ['a', 'GET', 'x'], ['a', 'STRLEN', 'x'],
    ['b', 'ACL', 'SETUSER', 'bob', '-strlen'], ['a', 'EXEC'], ['a', 'MULTI'], ['a', 'STRLEN', 'x'], ['b', 'ACL', 'SETUSER', 'bob', '-@all'], ['a', 'EXEC'],
    ['b', 'ACL', 'SETUSER', 'bob', '+@all'], ['a', 'EXEC'],
  ]],
  ['a user disabled between MULTI and EXEC', [
    ['b', 'ACL', 'SETUSER', 'bob', 'on', 'nopass', '~*', '&*', '+@all'], AUTH, ['a', 'MULTI'], ['a', 'SET', 'k', 'v'],
    ['b', 'ACL', 'SETUSER', 'bob', 'off'], ['a', 'EXEC'], ['a', 'GET', 'k'], ['b', 'GET', 'k'],
  ]],
  ['a user deleted between MULTI and EXEC', [
    ['b', 'ACL', 'SETUSER', 'bob', 'on', 'nopass', '~*', '&*', '+@all'], AUTH, ['a', 'MULTI'], ['a', 'SET', 'k', 'v'],
    ['b', 'ACL', 'DELUSER', 'bob'], ['a', 'closed'], ['b', 'EXISTS', 'k'],
  ]],
];

for (const [label, steps] of cases) test(`ACL corners match redis-server: ${label}`, () => compare(label, steps));
