// requirepass: NOAUTH before AUTH, AUTH and HELLO AUTH, WRONGPASS, RESET forgetting the login,
// and Redis's lower input caps for clients that have not authenticated.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient, show, startCairn, type RunningProcess } from './helpers.js';

let server: RunningProcess;
before(async () => {
  server = await startCairn(['--requirepass', 's3cret']);
});
after(async () => {
  await server.cleanup();
});

test('commands before AUTH get NOAUTH; AUTH unlocks them', async () => {
  const c = await RawClient.connect(server.port);
  c.send('GET k\r\nPING\r\nAUTH wrong\r\nAUTH s3cret\r\nPING\r\nRESET\r\nPING\r\n');
  assert.deepEqual((await c.replies(7)).map(show), [
    'ERR:NOAUTH Authentication required.',
    'ERR:NOAUTH Authentication required.',
    'ERR:WRONGPASS invalid username-password pair or user is disabled.',
    'OK',
    'PONG',
    'RESET',
    'ERR:NOAUTH Authentication required.',
  ]);
  c.close();
});

test('HELLO with AUTH authenticates and switches protocol', async () => {
  const c = await RawClient.connect(server.port);
  assert.match(String(show(await c.call('HELLO', '3'))), /NOAUTH HELLO must be called with the client already authenticated/);
  const hello = show(await c.call('HELLO', '3', 'AUTH', 'default', 's3cret', 'SETNAME', 'me')) as Record<string, unknown>;
  assert.equal(hello.proto, 3);
  assert.equal(show(await c.call('CLIENT', 'GETNAME')), 'me');
  c.close();
});

test('unauthenticated clients get the lower multibulk and bulk caps', async () => {
  const a = await RawClient.connect(server.port);
  a.send('*11\r\n');
  assert.equal(show(await a.reply()), 'ERR:ERR Protocol error: unauthenticated multibulk length');
  await a.waitClosed();
  const b = await RawClient.connect(server.port);
  b.send('*2\r\n$4\r\nAUTH\r\n$16385\r\n');
  assert.equal(show(await b.reply()), 'ERR:ERR Protocol error: unauthenticated bulk length');
  await b.waitClosed();
  // Once authenticated, the normal limits apply.
  const c = await RawClient.connect(server.port);
  assert.equal(show(await c.call('AUTH', 's3cret')), 'OK');
  assert.equal(show(await c.call('SET', 'big', Buffer.alloc(100_000, 'x'))), 'OK');
  assert.equal(show(await c.call('MSET', ...Array.from({ length: 12 }, (_, i) => String(i)))), 'OK');
  c.close();
});
