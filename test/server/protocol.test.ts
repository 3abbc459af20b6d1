// The server over raw sockets: pipelining order, RESP3, transactions, auth, and every bad-input
// limit (inline, count lines, bulk length, query buffer, max clients), backpressure, port taken,
// and graceful shutdown on SIGTERM.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient, encodeCommand, show, startCairn, waitFor, type RunningProcess } from './helpers.js';

let server: RunningProcess;
before(async () => {
  server = await startCairn();
});
after(async () => {
  await server.cleanup();
});

async function client(): Promise<RawClient> {
  return RawClient.connect(server.port);
}

describe('commands and replies', () => {
  test('pipelined commands get every reply in order, in one batch', async () => {
    const c = await client();
    const commands: Buffer[] = [];
    for (let i = 0; i < 200; i++) commands.push(encodeCommand(['SET', `pipe:${i}`, String(i)]), encodeCommand(['GET', `pipe:${i}`]));
    commands.push(encodeCommand(['INCR', 'pipe:0']), encodeCommand(['GET', 'pipe:0']));
    c.send(Buffer.concat(commands));
    const replies = (await c.replies(402)).map(show);
    for (let i = 0; i < 200; i++) {
      assert.equal(replies[2 * i], 'OK');
      assert.equal(replies[2 * i + 1], String(i));
    }
    assert.deepEqual(replies.slice(400), [1, '1']);
    c.close();
  });

  test('pipelines longer than one turn are served completely, in order', async () => {
    const c = await client();
    const pings = Array.from({ length: 10_000 }, (_, i) => encodeCommand(['ECHO', String(i)]));
    c.send(Buffer.concat(pings));
    const replies = (await c.replies(10_000)).map(show);
    assert.deepEqual(replies.slice(0, 3), ['0', '1', '2']);
    assert.equal(replies[9_999], '9999');
    await c.call('SET', 'turn:big', Buffer.alloc(100_000, 'b'));
    c.send(Buffer.concat(Array.from({ length: 40 }, () => encodeCommand(['GET', 'turn:big']))));
    const big = await c.replies(40);
    assert.ok(big.every((r) => r.type === 'bulk' && r.value.length === 100_000));
    c.close();
  });

  test('inline commands and quoting', async () => {
    const c = await client();
    c.send('SET "inline key" \'a b\'\r\nGET "inline key"\nPING\r\n\r\n');
    assert.deepEqual((await c.replies(3)).map(show), ['OK', 'a b', 'PONG']);
    c.close();
  });

  test('unknown commands and wrong arity keep the connection open', async () => {
    const c = await client();
    c.send('FOO a b\r\nGET\r\nPING\r\n');
    assert.deepEqual((await c.replies(3)).map(show), [
      "ERR:ERR unknown command 'FOO', with args beginning with: 'a' 'b' ",
      "ERR:ERR wrong number of arguments for 'get' command",
      'PONG',
    ]);
    c.close();
  });

  test('HELLO 3 switches to RESP3 replies', async () => {
    const c = await client();
    c.send('HELLO 3\r\nGET nothing-here\r\nCONFIG GET maxclients\r\nHELLO 2\r\nGET nothing-here\r\n');
    await c.replies(5);
    const text = c.raw.toString('latin1');
    assert.match(text, /^%7\r\n/);
    assert.ok(text.includes('_\r\n%1\r\n$10\r\nmaxclients\r\n'), text);
    assert.ok(text.endsWith('$-1\r\n'), text);
    c.close();
  });

  test('internal commands (active expiry) are refused from clients', async () => {
    const c = await client();
    assert.match(String(show(await c.call('CAIRN.EXPIRED', 'k'))), /^ERR:ERR unknown command 'CAIRN\.EXPIRED'/);
    c.close();
  });

  test('an idle client is closed after CONFIG SET timeout', async () => {
    const admin = await client();
    assert.equal(show(await admin.call('CONFIG', 'SET', 'timeout', '1')), 'OK');
    const idle = await client();
    assert.equal(show(await admin.call('CONFIG', 'SET', 'timeout', '0')), 'OK');
    await idle.waitClosed(5000);
    assert.equal(show(await admin.call('PING')), 'PONG');
    admin.close();
  });

  test('SELECT picks one of sixteen databases; others are refused; INFO keyspace lists each', async () => {
    const c = await client();
    c.send('SELECT 0\r\nSELECT 15\r\nSELECT 16\r\nSELECT x\r\nSET ks:15 v\r\nSELECT 0\r\n');
    assert.deepEqual((await c.replies(6)).map(show), ['OK', 'OK', 'ERR:ERR DB index is out of range', 'ERR:ERR value is not an integer or out of range', 'OK', 'OK']);
    assert.match(String(show(await c.call('INFO', 'keyspace'))), /^db15:keys=1,expires=0,avg_ttl=0$/m);
    c.send('SELECT 15\r\nDEL ks:15\r\nSELECT 0\r\n');
    assert.deepEqual((await c.replies(3)).map(show), ['OK', 1, 'OK']);
    c.close();
  });

  test('CLIENT SETNAME / GETNAME / ID / LIST and QUIT', async () => {
    const c = await client();
    c.send('CLIENT SETNAME tester\r\nCLIENT GETNAME\r\nCLIENT ID\r\nCLIENT LIST\r\nQUIT\r\n');
    const [set, name, id, list, quit] = (await c.replies(5)).map(show);
    assert.equal(set, 'OK');
    assert.equal(name, 'tester');
    assert.ok(typeof id === 'number' && id > 0);
    assert.match(String(list), new RegExp(`id=${String(id)} .*name=tester`));
    assert.equal(quit, 'OK');
    await c.waitClosed();
  });

  test('COMMAND COUNT, INFO and DOCS are well-formed', async () => {
    const c = await client();
    await c.call('HELLO', '3');
    const count = show(await c.call('COMMAND', 'COUNT'));
    assert.ok(typeof count === 'number' && count > 40);
    const info = show(await c.call('COMMAND', 'INFO', 'get', 'nope')) as unknown[];
    assert.deepEqual((info[0] as unknown[]).slice(0, 6), ['get', 2, ['readonly', 'fast'], 1, 1, 1]);
    assert.equal(info[1], null);
    const docs = show(await c.call('COMMAND', 'DOCS')) as Record<string, Record<string, unknown>>;
    assert.equal(Object.keys(docs).length, count);
    assert.equal(typeof docs.get!.summary, 'string');
    assert.ok('client|setname' in (docs.client!.subcommands as object));
    c.close();
  });

  test('INFO has every section as key:value lines', async () => {
    const c = await client();
    const info = String(show(await c.call('INFO')));
    for (const section of ['Server', 'Clients', 'Memory', 'Persistence', 'Stats', 'Replication', 'Keyspace']) {
      assert.ok(info.includes(`# ${section}\r\n`), section);
    }
    assert.match(info, /\r\nloading:0\r\n/);
    assert.match(info, /\r\nconnected_clients:\d+\r\n/);
    c.close();
  });

  test('CONFIG GET / SET', async () => {
    const c = await client();
    assert.deepEqual(show(await c.call('CONFIG', 'GET', 'save')), ['save', '']);
    assert.deepEqual(show(await c.call('CONFIG', 'GET', 'appendonly')), ['appendonly', 'yes']);
    assert.equal(show(await c.call('CONFIG', 'SET', 'timeout', '0')), 'OK');
    assert.match(String(show(await c.call('CONFIG', 'SET', 'port', '1'))), /can't set immutable config/);
    assert.match(String(show(await c.call('CONFIG', 'SET', 'nope', '1'))), /Unknown option/);
    c.close();
  });
});

describe('transactions', () => {
  test('MULTI / EXEC runs the queue as one entry', async () => {
    const c = await client();
    c.send('MULTI\r\nSET tx:a 1\r\nINCR tx:a\r\nGET tx:a\r\nPING\r\nEXEC\r\n');
    const replies = (await c.replies(6)).map(show);
    assert.deepEqual(replies, ['OK', 'QUEUED', 'QUEUED', 'QUEUED', 'QUEUED', ['OK', 2, '2', 'PONG']]);
    c.close();
  });

  test('errors while queueing abort EXEC', async () => {
    const c = await client();
    c.send('MULTI\r\nSET tx:b 1\r\nNOSUCH\r\nEXEC\r\nGET tx:b\r\n');
    const replies = (await c.replies(5)).map(show);
    assert.equal(replies[3], 'ERR:EXECABORT Transaction discarded because of previous errors.');
    assert.equal(replies[4], null);
    c.close();
  });

  test('WATCH aborts EXEC when another client changed the key', async () => {
    const a = await client();
    const b = await client();
    await a.call('SET', 'tx:w', '1');
    assert.equal(show(await a.call('WATCH', 'tx:w')), 'OK');
    assert.equal(show(await b.call('SET', 'tx:w', '2')), 'OK');
    a.send('MULTI\r\nSET tx:w 3\r\nEXEC\r\nGET tx:w\r\n');
    const replies = await a.replies(4);
    assert.equal(replies[2]!.type, 'null');
    assert.equal(show(replies[3]!), '2');
    // Unchanged watched keys let EXEC through.
    a.send('WATCH tx:w\r\nMULTI\r\nSET tx:w 4\r\nEXEC\r\n');
    assert.deepEqual(show((await a.replies(4)).at(-1)!), ['OK']);
    a.close();
    b.close();
  });

  test('DISCARD, nested MULTI, EXEC without MULTI', async () => {
    const c = await client();
    c.send('EXEC\r\nDISCARD\r\nMULTI\r\nMULTI\r\nDISCARD\r\n');
    assert.deepEqual((await c.replies(5)).map(show), [
      'ERR:ERR EXEC without MULTI', 'ERR:ERR DISCARD without MULTI', 'OK', 'ERR:ERR MULTI calls can not be nested', 'OK',
    ]);
    c.close();
  });
});

describe('bad input limits', () => {
  const cases: [string, Buffer, string][] = [
    ['inline request over 64 KiB', Buffer.alloc(64 * 1024 + 10, 'a'), 'Protocol error: too big inline request'],
    ['multibulk count line over 64 KiB', Buffer.concat([Buffer.from('*'), Buffer.alloc(64 * 1024 + 10, '1')]), 'Protocol error: too big mbulk count string'],
    ['bulk count line over 64 KiB', Buffer.concat([Buffer.from('*1\r\n$'), Buffer.alloc(64 * 1024 + 10, '1')]), 'Protocol error: too big bulk count string'],
    ['bulk length over 512 MiB', Buffer.from('*1\r\n$536870913\r\n'), 'Protocol error: invalid bulk length'],
    ['negative bulk length', Buffer.from('*1\r\n$-5\r\n'), 'Protocol error: invalid bulk length'],
    ['multibulk length out of range', Buffer.from('*3000000000\r\n'), 'Protocol error: invalid multibulk length'],
    ["missing '$'", Buffer.from('*1\r\n+x\r\n'), "Protocol error: expected '$', got '+'"],
    ['unbalanced quotes', Buffer.from('SET a "b\r\n'), 'Protocol error: unbalanced quotes in request'],
  ];
  for (const [name, bytes, message] of cases) {
    test(`${name}: protocol error, then the connection closes`, async () => {
      const c = await client();
      c.send(Buffer.concat([Buffer.from('PING\r\n'), bytes]));
      const replies = (await c.replies(2)).map(show);
      assert.deepEqual(replies, ['PONG', `ERR:ERR ${message}`]);
      await c.waitClosed();
    });
  }

  test('the query buffer limit closes the connection', async () => {
    const admin = await client();
    assert.equal(show(await admin.call('CONFIG', 'SET', 'client-query-buffer-limit', '1mb')), 'OK');
    const c = await client();
    c.send('*2\r\n$4\r\nECHO\r\n$3000000\r\n');
    c.send(Buffer.alloc(1_500_000, 'x'));
    await c.waitClosed();
    assert.equal(show(await admin.call('CONFIG', 'SET', 'client-query-buffer-limit', '1gb')), 'OK');
    assert.equal(show(await admin.call('PING')), 'PONG');
    admin.close();
  });

  test('a configured proto-max-bulk-len applies to new connections', async () => {
    const admin = await client();
    assert.equal(show(await admin.call('CONFIG', 'SET', 'proto-max-bulk-len', '2mb')), 'OK');
    const c = await client();
    c.send(`*2\r\n$4\r\nECHO\r\n$${2 * 1024 * 1024 + 1}\r\n`);
    assert.equal(show(await c.reply()), 'ERR:ERR Protocol error: invalid bulk length');
    await c.waitClosed();
    assert.equal(show(await admin.call('CONFIG', 'SET', 'proto-max-bulk-len', '512mb')), 'OK');
    admin.close();
  });

  test('max clients: the extra client gets Redis\'s error', async () => {
    const admin = await client();
    const listed = String(show(await admin.call('CLIENT', 'LIST')));
    const connected = listed.trim().split('\n').length;
    assert.equal(show(await admin.call('CONFIG', 'SET', 'maxclients', String(connected + 1))), 'OK');
    const second = await client();
    assert.equal(show(await second.call('PING')), 'PONG');
    const third = await client();
    assert.equal(show(await third.reply()), 'ERR:ERR max number of clients reached');
    await third.waitClosed();
    assert.equal(show(await admin.call('CONFIG', 'SET', 'maxclients', '10000')), 'OK');
    second.close();
    admin.close();
  });

  test('backpressure: a client that never reads stalls only itself', async () => {
    const admin = await client();
    await admin.call('SET', 'big', Buffer.alloc(1024 * 1024, 'v'));
    const greedy = await client();
    greedy.socket.pause();
    const get = encodeCommand(['GET', 'big']);
    // 4,000 replies of 1 MiB would be 4 GiB if the server kept producing them.
    greedy.send(Buffer.concat(new Array<Buffer>(4000).fill(get)));
    const other = await client();
    for (let i = 0; i < 20; i++) assert.equal(show(await other.call('PING')), 'PONG');
    const rssLine = /used_memory_rss:(\d+)/.exec(String(show(await other.call('INFO', 'memory'))));
    assert.ok(rssLine !== null);
    assert.ok(Number(rssLine[1]) < 400 * 1024 * 1024, `rss ${rssLine[1]}`);
    const list = String(show(await other.call('CLIENT', 'LIST')));
    assert.match(list, /qbuf=[1-9]/, 'the greedy client has unread requests buffered');
    greedy.close();
    other.close();
    admin.close();
  });
});

describe('process', () => {
  test('a port already in use is a clear error', async () => {
    const { spawnSync } = await import('node:child_process');
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'test/server/fixtures/run-server.ts', '--port', String(server.port), '--dir', `${server.dir}/other`], {
      cwd: new URL('../../', import.meta.url).pathname,
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /cairn server: port 127\.0\.0\.1:\d+ is already in use/);
  });

  test('SIGTERM finishes in-flight writes and exits cleanly', async () => {
    const own = await startCairn();
    try {
      const c = await RawClient.connect(own.port);
      const commands = Array.from({ length: 500 }, (_, i) => encodeCommand(['SET', `k${i}`, 'v']));
      c.send(Buffer.concat(commands));
      await waitFor('some replies', () => (c.parser.bufferedBytes > 0 ? true : undefined));
      const code = await own.stop();
      assert.equal(code, 0, own.output());
      assert.match(own.output(), /SIGTERM, shutting down[\s\S]*stopped/);
    } finally {
      await own.cleanup();
    }
  });
});

describe('transaction limits', () => {
  test('a MULTI queue over its byte cap aborts EXEC instead of growing', async () => {
    const c = await client();
    assert.equal(show(await c.call('MULTI')), 'OK');
    const value = Buffer.alloc(10 * 1024 * 1024, 'q');
    const replies = [];
    for (let i = 0; i < 5; i++) replies.push(show(await c.call('SET', `mq${i}`, value)));
    assert.deepEqual(replies.slice(0, 4), ['QUEUED', 'QUEUED', 'QUEUED', 'QUEUED']);
    assert.match(String(replies[4]), /^ERR:ERR MULTI queue is full/);
    assert.equal(show(await c.call('EXEC')), 'ERR:EXECABORT Transaction discarded because of previous errors.');
    assert.equal(show(await c.call('EXISTS', 'mq0')), 0);
    c.close();
  });
});
