// Byte-for-byte differential test against a real redis-server: the same bytes (pipelined commands,
// inline commands, errors, transactions, RESP2 and RESP3, malformed frames) go to both over raw
// sockets, and the reply bytes must be identical. Commands whose replies legitimately differ
// (server identity, time, randomness, hash order) are left out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../src/lib/prng.js';
import { RawClient, encodeCommand, haveRedis, startCairn, startRedis, waitFor, withCairnAndRedis } from './helpers.js';

const servers = withCairnAndRedis();

const sentinel = '__differential_end__';

/** Sends bytes on a fresh connection; returns every reply byte until the sentinel echo or the close. */
async function exchange(port: number, bytes: Buffer, resp3: boolean): Promise<string> {
  const client = await RawClient.connect(port);
  try {
    await client.call('FLUSHALL');
    // HELLO's reply names the server, its version and the client id: not compared.
    if (resp3) await client.call('HELLO', '3');
    client.raw = Buffer.alloc(0);
    // DISCARD ends a MULTI the bytes may have left open, so the sentinel is not just queued.
    client.send(Buffer.concat([bytes, encodeCommand(['DISCARD']), encodeCommand(['ECHO', sentinel])]));
    await waitFor('the sentinel or the close', () => (client.closed || client.raw.includes(sentinel) ? true : undefined));
    return client.raw.toString('latin1');
  } finally {
    client.close();
  }
}

async function compare(label: string, bytes: Buffer, resp3 = false): Promise<void> {
  const { cairn, redis } = servers;
  assert.ok(cairn !== undefined && redis !== undefined);
  const [ours, theirs] = await Promise.all([exchange(cairn.port, bytes, resp3), exchange(redis.port, bytes, resp3)]);
  assert.equal(JSON.stringify(ours), JSON.stringify(theirs), `${label}: sent ${JSON.stringify(bytes.toString('latin1').slice(0, 300))}`);
}

const commands = (...lines: string[][]): Buffer => Buffer.concat(lines.map(encodeCommand));

const fixedCases: [string, Buffer][] = [
  ['ping and echo', commands(['PING'], ['PING', 'x'], ['ECHO', 'hello'], ['ping', 'a', 'b'], ['echo'])],
  ['unknown commands and arity', commands(['FOO'], ['foo', 'a', 'b', 'c'], ['GET'], ['SET', 'k'], ['client'], ['client', 'nope'], ['config', 'get'], ['command', 'nope'])],
  ['long unknown command arguments are cut like Redis', commands(['nosuch', 'a'.repeat(100), 'b'.repeat(100), 'c'])],
  ['select', commands(['SELECT', '0'], ['SELECT', 'x'], ['SELECT', '99999999999'], ['SELECT', '00'], ['SELECT', '16'], ['SELECT', '-1'], ['SELECT', '15'], ['SELECT', '0'])],
  ['databases', commands(['SELECT', '1'], ['SET', 'k', 'one'], ['SELECT', '0'], ['GET', 'k'], ['SET', 'k', 'zero'], ['MOVE', 'k', '1'], ['MOVE', 'k', '0'],
    ['MOVE', 'k', '16'], ['MOVE', 'k', 'x'], ['MOVE', 'nope', '2'], ['SWAPDB', '0', '1'], ['GET', 'k'], ['DBSIZE'], ['SWAPDB', 'x', '1'], ['SWAPDB', '0', 'y'],
    ['SWAPDB', '0', '99'], ['SWAPDB', '3', '3'], ['MULTI'], ['SELECT', '2'], ['SET', 'm', '2'], ['SELECT', '1'], ['GET', 'm'], ['EXEC'], ['GET', 'm'], ['SELECT', '2'],
    ['GET', 'm'], ['FLUSHDB'], ['SELECT', '1'], ['DBSIZE'], ['FLUSHALL'], ['DBSIZE'], ['SELECT', '0'])],
  ['watch across databases', commands(['SELECT', '1'], ['WATCH', 'w'], ['SELECT', '0'], ['SET', 'w', 'db0'], ['MULTI'], ['PING'], ['EXEC'], ['SELECT', '1'],
    ['SET', 'w', 'db1'], ['SELECT', '0'], ['MULTI'], ['PING'], ['EXEC'], ['SELECT', '2'], ['WATCH', 'v'], ['SWAPDB', '2', '3'], ['MULTI'], ['PING'], ['EXEC'], ['SELECT', '0'])],
  ['strings', commands(['SET', 'k', 'v'], ['GET', 'k'], ['APPEND', 'k', 'xyz'], ['STRLEN', 'k'], ['GETRANGE', 'k', '1', '-1'], ['SETRANGE', 'k', '10', 'z'], ['GET', 'k'], ['GETSET', 'k', '1'], ['GETDEL', 'k'], ['GET', 'k'])],
  ['set options and errors', commands(['SET', 'k', 'v', 'NX'], ['SET', 'k', 'w', 'NX'], ['SET', 'k', 'w', 'XX', 'GET'], ['SET', 'k', 'v', 'EX', '0'], ['SET', 'k', 'v', 'EX', 'x'], ['SET', 'k', 'v', 'NX', 'XX'], ['SET', 'k', 'v', 'FOO'], ['SET', 'k', 'v', 'EX', '100', 'KEEPTTL'])],
  ['counters', commands(['INCR', 'n'], ['INCRBY', 'n', '10'], ['DECR', 'n'], ['DECRBY', 'n', '3'], ['INCRBY', 'n', 'x'], ['SET', 'n', '9223372036854775807'], ['INCR', 'n'], ['INCRBYFLOAT', 'f', '1.5'], ['INCRBYFLOAT', 'f', '0.1'], ['INCRBYFLOAT', 'f', 'abc'])],
  ['multi keys', commands(['MSET', 'a', '1', 'b', '2'], ['MGET', 'a', 'b', 'c'], ['MSETNX', 'a', '1', 'c', '3'], ['MSET', 'a'], ['EXISTS', 'a', 'b', 'c', 'a'], ['DEL', 'a', 'c'], ['UNLINK', 'b'], ['DBSIZE'])],
  ['keyspace', commands(['SET', 'a', '1'], ['TYPE', 'a'], ['TYPE', 'z'], ['RENAME', 'a', 'b'], ['RENAME', 'a', 'b'], ['RENAMENX', 'b', 'b'], ['KEYS', 'b'], ['KEYS', 'zz*'], ['EXPIRE', 'b', '100'], ['PERSIST', 'b'], ['PERSIST', 'b'], ['TTL', 'b'], ['TTL', 'nope'], ['EXPIRE', 'b', 'x'], ['EXPIRE', 'b', '100', 'FOO'])],
  ['transactions', commands(['MULTI'], ['SET', 't', '1'], ['INCR', 't'], ['GET', 't'], ['PING'], ['EXEC'], ['EXEC'], ['DISCARD'], ['MULTI'], ['MULTI'], ['WATCH', 'x'], ['DISCARD'])],
  ['queued errors abort EXEC', commands(['MULTI'], ['SET', 't', '1'], ['NOPE'], ['GET'], ['EXEC'], ['GET', 't'])],
  ['runtime errors inside EXEC', commands(['SET', 's', 'x'], ['MULTI'], ['INCR', 's'], ['SET', 'u', '1'], ['EXEC'], ['GET', 'u'])],
  ['watch', commands(['SET', 'w', '1'], ['WATCH', 'w'], ['SET', 'w', '2'], ['MULTI'], ['SET', 'w', '3'], ['EXEC'], ['GET', 'w'], ['WATCH', 'w'], ['UNWATCH'], ['MULTI'], ['SET', 'w', '4'], ['EXEC'])],
  ['inline commands', Buffer.from('SET "a b" \'c d\'\r\nGET "a b"\nPING\r\n\r\n\n   \r\nECHO "\\x41\\n"\r\nGET "a\r\n')],
  ['empty and negative counts', Buffer.from('*0\r\n*-1\r\nPING\r\n')],
  ['RESP3', Buffer.concat([commands(['GET', 'none'], ['SET', 'k', 'v'], ['MGET', 'k', 'none'], ['MULTI'], ['GET', 'none'], ['EXEC'], ['INCRBYFLOAT', 'f', '2.5'], ['EXISTS', 'k'])])],
  ['HELLO errors', Buffer.from('HELLO 4\r\nHELLO x\r\nHELLO 2 FOO\r\nHELLO 2 AUTH default\r\n')],
  ['auth without a password', Buffer.from('AUTH x\r\nAUTH default x\r\nAUTH a b\r\nAUTH a b c\r\n')],
  ['client names', commands(['CLIENT', 'GETNAME'], ['CLIENT', 'SETNAME', 'a b'], ['CLIENT', 'SETNAME', 'ok'], ['CLIENT', 'GETNAME'], ['CLIENT', 'SETNAME', ''], ['CLIENT', 'GETNAME'], ['CLIENT', 'ID', 'x'])],
  ['reset', commands(['CLIENT', 'SETNAME', 'n'], ['MULTI'], ['RESET'], ['CLIENT', 'GETNAME'], ['GET', 'none'])],
  ['binary keys and values', Buffer.concat([commands(['SET', 'k\r\n\u0000', 'v\r\n\u0000x']), commands(['GET', 'k\r\n\u0000'], ['MGET', 'k\r\n\u0000', 'nope'], ['STRLEN', 'k\r\n\u0000'], ['ECHO', '\u00ff\u00fe'])])],
  ['connection commands in RESP2', commands(['CLIENT', 'SETNAME', 'x\ny'], ['CLIENT', 'SETNAME', '~!'], ['CLIENT', 'GETNAME'], ['HELLO', '2', 'SETNAME', 'bad name'], ['CLIENT', 'GETNAME'], ['PING', ''], ['ECHO', ''], ['client', 'getname', 'extra'])],
  ['errors with odd arguments', commands(['nosuch', 'a\r\nb'], ['SET', 'k', 'v', 'EX', '-5'], ['SET', 'k', 'v', 'PX', '9223372036854775807'], ['GETRANGE', 'k', 'a', 'b'], ['MSET', 'a', 'b', 'c'])],
  ['connection commands inside MULTI', Buffer.from('MULTI\r\nSELECT 0\r\nCLIENT SETNAME a\r\nEXEC\r\nCLIENT GETNAME\r\nWATCH a b a\r\nMULTI\r\nEXEC\r\nUNWATCH x\r\nECHO\r\nECHO a b\r\nTIME x\r\nMULTI x\r\nMULTI\r\nRESET\r\nPING\r\n')],
  ['quit inside MULTI', Buffer.from('MULTI\r\nQUIT\r\nPING\r\n')],
  ['quit closes after its reply', Buffer.from('PING\r\nQUIT\r\nPING\r\n')],
];

const protocolErrors: [string, string][] = [
  ['expected $', '*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n'],
  ['invalid bulk length', '*1\r\n$-1\r\n'],
  ['bulk length with a plus', '*1\r\n$+1\r\n'],
  ['bulk length over the maximum', '*1\r\n$536870913\r\n'],
  ['invalid multibulk length', '*x\r\n'],
  ['multibulk length out of range', '*3000000000\r\n'],
  ['unbalanced quotes', 'PING\r\nSET a "b\r\n'],
  ['closing quote followed by text', 'SET a "b"c\r\n'],
];

test('fixed cases reply byte for byte as redis-server', { skip: !haveRedis }, async () => {
  for (const [label, bytes] of fixedCases) await compare(label, bytes);
  for (const [label, bytes] of fixedCases) await compare(`${label} (RESP3)`, bytes, true);
});

test('protocol errors reply and close as redis-server', { skip: !haveRedis }, async () => {
  for (const [label, text] of protocolErrors) await compare(label, Buffer.from(text, 'latin1'));
  const big = (prefix: string) => Buffer.concat([Buffer.from(prefix), Buffer.alloc(70 * 1024, '1')]);
  await compare('too big inline request', Buffer.alloc(70 * 1024, 'a'));
  await compare('too big mbulk count string', big('*'));
  await compare('too big bulk count string', big('*1\r\n$'));
});

/** A random command over a few keys: valid and invalid, nothing whose reply depends on time. */
function randomCommand(prng: Prng): string[] {
  const key = () => prng.pick(['a', 'b', 'c', 'n']);
  const value = () => prng.pick(['1', '-7', 'x', '', '3.5', '9223372036854775807', 'hello world']);
  const choices: (() => string[])[] = [
    () => ['SET', key(), value()],
    () => ['SET', key(), value(), prng.pick(['NX', 'XX', 'GET', 'KEEPTTL', 'EX', 'PX'])],
    () => ['GET', key()],
    () => ['GET'],
    () => ['DEL', key(), key()],
    () => ['EXISTS', key(), key()],
    () => ['INCR', key()],
    () => ['DECRBY', key(), value()],
    () => ['INCRBYFLOAT', key(), value()],
    () => ['APPEND', key(), value()],
    () => ['STRLEN', key()],
    () => ['GETRANGE', key(), value(), value()],
    () => ['SETRANGE', key(), prng.pick(['0', '3', '-1', 'x']), value()],
    () => ['MGET', key(), key(), key()],
    () => ['MSET', key(), value(), key(), value()],
    () => ['MSETNX', key(), value()],
    () => ['GETDEL', key()],
    () => ['GETSET', key(), value()],
    () => ['TYPE', key()],
    () => ['RENAME', key(), key()],
    () => ['RENAMENX', key(), key()],
    () => ['DBSIZE'],
    () => ['EXPIRE', key(), prng.pick(['100', '-1', 'x'])],
    () => ['PERSIST', key()],
    () => ['SETNX', key(), value()],
    () => ['MULTI'],
    () => ['EXEC'],
    () => ['DISCARD'],
    () => ['WATCH', key()],
    () => ['UNWATCH'],
    () => ['PING'],
    () => ['NOSUCH', value()],
    () => ['SELECT', prng.pick(['0', '1', '2', '0', '16', 'x'])],
    () => ['MOVE', key(), prng.pick(['0', '1', '2', '16'])],
    () => ['SWAPDB', prng.pick(['0', '1', '2']), prng.pick(['0', '1', '2', '-1'])],
    () => ['FLUSHDB'],
  ];
  return prng.pick(choices)();
}

test('random pipelined command streams reply byte for byte as redis-server (RESP2 and RESP3)', { skip: !haveRedis }, async () => {
  const prng = new Prng(Number(process.env.CAIRN_DIFF_SEED ?? 20_261_125));
  for (let round = 0; round < 60; round++) {
    const batch: Buffer[] = [];
    for (let i = 0; i < 40; i++) batch.push(encodeCommand(randomCommand(prng)));
    await compare(`round ${round}`, Buffer.concat(batch), round % 2 === 1).catch((error: Error) => {
      throw new Error(`round ${round}: ${error.message}; sent ${JSON.stringify(Buffer.concat(batch).toString('latin1'))}`);
    });
  }
});

test('with requirepass, auth errors and ordering match redis-server', { skip: !haveRedis }, async () => {
  const [ours, theirs] = await Promise.all([startCairn(['--requirepass', 'pw']), startRedis(['--requirepass', 'pw'])]);
  try {
    const bytes = Buffer.from('FOO\r\nGET\r\nGET k\r\nMULTI\r\nAUTH pw\r\nMULTI\r\nAUTH x\r\nEXEC\r\nHELLO 2 AUTH default wrong\r\nAUTH default pw\r\nSET k v\r\nGET k\r\n');
    const run = async (port: number): Promise<string> => {
      const client = await RawClient.connect(port);
      try {
        client.send(Buffer.concat([bytes, encodeCommand(['ECHO', sentinel])]));
        await waitFor('the sentinel', () => (client.raw.includes(sentinel) ? true : undefined));
        return client.raw.toString('latin1');
      } finally {
        client.close();
      }
    };
    const [a, b] = await Promise.all([run(ours.port), run(theirs.port)]);
    assert.equal(JSON.stringify(a), JSON.stringify(b));
  } finally {
    await ours.cleanup();
    await theirs.cleanup();
  }
});
