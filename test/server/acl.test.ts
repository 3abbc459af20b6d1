// ACL on one node: an aclfile seeds the users of a new cluster once (clear passwords become digests
// before the log), ACL LOAD / SAVE, requirepass as this node's password for `default` beside the
// replicated ones, and no clear password anywhere after a run that used them: not in the data
// folder (log, snapshots), the saved aclfile, the server's output, INFO, ACL LOG or error replies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawClient, show, startCairn, waitFor } from './helpers.js';

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

async function holds(dir: string, secret: string): Promise<string[]> {
  const found: string[] = [];
  for (const file of await filesUnder(dir)) if ((await readFile(file)).includes(secret)) found.push(file);
  return found;
}

test('an aclfile seeds a new cluster once; ACL SAVE and LOAD; no clear password is kept anywhere', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'cairn-acl-test-'));
  const aclfile = join(folder, 'users.acl');
  const config = join(folder, 'cairn.conf');
  await writeFile(aclfile, 'user seeded on >file-secret-1 ~* &* +@all\nuser default on nopass ~* &* +@all\n');
  await writeFile(config, `aclfile ${aclfile}\n`);
  let server = await startCairn(['--config', config]);
  try {
    const client = await RawClient.connect(server.port);
    await waitFor('the seeded user', async () => (show(await client.call('AUTH', 'seeded', 'file-secret-1')) === 'OK' ? true : undefined));
    assert.equal(show(await client.call('ACL', 'SETUSER', 'made', 'on', '>made-secret-2', '+get', '~*')), 'OK');
    const refused = show(await client.call('ACL', 'SETUSER', 'made', '<removed-secret-3')) as string;
    assert.match(refused, /The password you are trying to remove from the user does not exist/);
    assert.ok(!refused.includes('removed-secret-3'), 'the refusal names the digest, not the password');
    assert.equal(show(await client.call('AUTH', 'made', 'wrong-secret-4')), 'ERR:WRONGPASS invalid username-password pair or user is disabled.');
    assert.equal(show(await client.call('ACL', 'SAVE')), 'OK');
    const saved = await readFile(aclfile, 'latin1');
    assert.match(saved, /^user made on #[0-9a-f]{64} ~\* resetchannels -@all \+get$/m);
    const info = show(await client.call('INFO', 'all')) as string;
    const log = JSON.stringify(show(await client.call('ACL', 'LOG')));
    // Another user in the file does not come in on restart: the ACL is no longer a fresh one.
    await writeFile(aclfile, `${saved}user extra on nopass +@all\n`);
    client.close();
    await server.stop();
    server = await startCairn(['--config', config], server.dir);
    const again = await RawClient.connect(server.port);
    assert.equal(show(await again.call('ACL', 'GETUSER', 'extra')), null);
    assert.equal(show(await again.call('AUTH', 'made', 'made-secret-2')), 'OK');
    assert.equal(show(await again.call('AUTH', 'default', 'x')), 'OK');
    assert.equal(show(await again.call('ACL', 'LOAD')), 'OK');
    assert.deepEqual(show(await again.call('ACL', 'USERS')), ['default', 'extra', 'made', 'seeded']);
    again.close();
    for (const secret of ['file-secret-1', 'made-secret-2', 'removed-secret-3', 'wrong-secret-4']) {
      assert.deepEqual(await holds(server.dir, secret), [], `${secret} in the data folder`);
      assert.ok(!(await readFile(aclfile, 'latin1')).includes(secret) || secret === 'file-secret-1', `${secret} in the aclfile`);
      assert.ok(!server.output().includes(secret) && !info.includes(secret) && !log.includes(secret), `${secret} in the output, INFO or ACL LOG`);
    }
  } finally {
    await server.cleanup();
    await rm(folder, { recursive: true, force: true });
  }
});

test('ACL LOAD refuses a bad file as Redis does and changes nothing', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'cairn-acl-test-'));
  const aclfile = join(folder, 'users.acl');
  const config = join(folder, 'cairn.conf');
  await writeFile(aclfile, 'user default on nopass ~* &* +@all\n');
  await writeFile(config, `aclfile ${aclfile}\n`);
  const server = await startCairn(['--config', config]);
  try {
    const client = await RawClient.connect(server.port);
    assert.equal(show(await client.call('ACL', 'SETUSER', 'keep', 'on')), 'OK');
    await writeFile(aclfile, 'user a on +nosuch\nnot a user line\nuser a off\nuser b (+get\n');
    assert.equal(show(await client.call('ACL', 'LOAD')),
      `ERR:ERR ${aclfile}:1: Unknown command or category name in ACL. ${aclfile}:2 should start with user keyword followed by the username. ` +
      `WARNING: Duplicate user 'a' found on line 3. ${aclfile}:4: Unmatched parenthesis in selector definition.` +
      'WARNING: ACL errors detected, no change to the previously active ACL rules was performed');
    assert.deepEqual(show(await client.call('ACL', 'USERS')), ['default', 'keep']);
    client.close();
  } finally {
    await server.cleanup();
    await rm(folder, { recursive: true, force: true });
  }
});

test('requirepass stays this node\'s password for default beside the replicated ones', async () => {
  const server = await startCairn(['--requirepass', 'node-pass']);
  try {
    const client = await RawClient.connect(server.port);
    assert.equal(show(await client.call('GET', 'k')), 'ERR:NOAUTH Authentication required.');
    assert.equal(show(await client.call('AUTH', 'node-pass')), 'OK');
    assert.equal(show(await client.call('ACL', 'SETUSER', 'default', 'resetpass', '>cluster-pass')), 'OK');
    const other = await RawClient.connect(server.port);
    assert.equal(show(await other.call('AUTH', 'cluster-pass')), 'OK');
    assert.equal(show(await other.call('AUTH', 'default', 'node-pass')), 'OK');
    assert.equal(show(await other.call('ACL', 'WHOAMI')), 'default');
    assert.equal(show(await other.call('AUTH', 'nope')), 'ERR:WRONGPASS invalid username-password pair or user is disabled.');
    assert.deepEqual(show(await other.call('CONFIG', 'GET', 'requirepass')), ['requirepass', '(redacted)']);
    assert.ok(!JSON.stringify(show(await other.call('INFO', 'all'))).includes('node-pass'));
    other.close();
    client.close();
  } finally {
    await server.cleanup();
  }
});

test('a subscriber is disconnected when its user may no longer hear one of its channels', async () => {
  const server = await startCairn();
  try {
    const admin = await RawClient.connect(server.port);
    assert.equal(show(await admin.call('ACL', 'SETUSER', 'listener', 'on', 'nopass', '+@all', 'resetchannels', '&news:*', '&sport')), 'OK');
    const kept = await RawClient.connect(server.port);
    const dropped = await RawClient.connect(server.port);
    for (const client of [kept, dropped]) assert.equal(show(await client.call('AUTH', 'listener', 'x')), 'OK');
    assert.deepEqual(show(await kept.call('SUBSCRIBE', 'sport')), ['subscribe', 'sport', 1]);
    assert.deepEqual(show(await dropped.call('SUBSCRIBE', 'news:1')), ['subscribe', 'news:1', 1]);
    assert.equal(show(await dropped.call('SUBSCRIBE', 'weather')), 'ERR:NOPERM this user has no permissions to access one of the channels used as arguments');
    assert.equal(show(await admin.call('ACL', 'SETUSER', 'listener', 'resetchannels', '&sport')), 'OK');
    await dropped.waitClosed();
    assert.deepEqual(show(await kept.call('PING')), ['pong', '']);
    for (const client of [admin, kept, dropped]) client.close();
  } finally {
    await server.cleanup();
  }
});
