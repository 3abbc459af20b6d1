// `cairn server` flags and config file: settings from a Redis-style file, flags overriding it,
// CONFIG GET reporting them, clear errors (exit 2) for bad flags or file lines, the one-member
// Raft cluster a plain `cairn server` runs, and the refusal of a data dir in the old layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawClient, show, startCairn } from '../server/helpers.js';
import { entryArgs } from '../support/bundled-entry.js';

const root = new URL('../../', import.meta.url).pathname;

test('a config file sets requirepass and limits; flags override it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-config-test-'));
  const file = join(dir, 'cairn.conf');
  await writeFile(file, '# Cairn settings\nrequirepass "from file"\nmaxclients 5\nappendfsync everysec\nproto-max-bulk-len 2mb\n');
  const server = await startCairn(['--config', file, '--fsync', 'always']);
  try {
    const c = await RawClient.connect(server.port);
    assert.equal(show(await c.call('PING')), 'ERR:NOAUTH Authentication required.');
    assert.equal(show(await c.call('AUTH', 'from file')), 'OK');
    assert.deepEqual(show(await c.call('CONFIG', 'GET', 'maxclients')), ['maxclients', '5']);
    assert.deepEqual(show(await c.call('CONFIG', 'GET', 'appendfsync')), ['appendfsync', 'always']);
    assert.deepEqual(show(await c.call('CONFIG', 'GET', 'proto-max-bulk-len')), ['proto-max-bulk-len', String(2 * 1024 * 1024)]);
    c.close();
  } finally {
    await server.cleanup();
    await rm(dir, { recursive: true, force: true });
  }
});

test('bad flags and bad config lines exit 2 with the reason', async () => {
  const server = await entryArgs('test/server/fixtures/run-server.ts');
  const dir = await mkdtemp(join(tmpdir(), 'cairn-config-test-'));
  try {
    const run = (...args: string[]) => spawnSync(process.execPath, [...server, '--dir', dir, ...args], { cwd: root, encoding: 'utf8' });
    const badFlag = run('--nope');
    assert.equal(badFlag.status, 2);
    assert.match(badFlag.stderr, /cairn server: Unknown option '--nope'/);
    const badFsync = run('--fsync', 'sometimes');
    assert.equal(badFsync.status, 2);
    assert.match(badFsync.stderr, /--fsync: argument\(s\) must be one of the following: always, everysec, no/);
    const file = join(dir, 'bad.conf');
    await writeFile(file, 'port 7001\nmaxclients lots\n');
    const badFile = run('--config', file);
    assert.equal(badFile.status, 2);
    assert.match(badFile.stderr, /bad\.conf:2: argument couldn't be parsed into an integer/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a data dir held by another server is a clear error', async () => {
  const first = await startCairn();
  try {
    const second = spawnSync(process.execPath, [...(await entryArgs('test/server/fixtures/run-server.ts')), '--port', '0', '--dir', first.dir], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    assert.equal(second.status, 1);
    assert.match(second.stderr, new RegExp(`cairn server: .*${first.dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.match(second.stderr, new RegExp(String(first.proc.pid)));
  } finally {
    await first.cleanup();
  }
});

test('without --id the server is n1 of a one-member Raft cluster: log in DIR/log, data kept across a restart', async () => {
  let server = await startCairn();
  const dir = server.dir;
  try {
    assert.match(server.output(), / node n1 ready on 127\.0\.0\.1:\d+ .*members n1, .*fsync always/);
    const c = await RawClient.connect(server.port);
    assert.equal(show(await c.call('SET', 'k', 'v')), 'OK');
    assert.equal(show(await c.call('INCR', 'n')), 1);
    const info = String(show(await c.call('INFO', 'persistence')));
    assert.match(info, /cairn_role:leader/);
    assert.match(info, /cairn_leader:n1/);
    c.close();
    const logFiles = await readdir(join(dir, 'log'));
    assert.ok(logFiles.some((name) => name.endsWith('.seg')), `a Raft log segment in DIR/log: ${logFiles.join(',')}`);
    assert.equal(await server.stop(), 0);
    server = await startCairn([], dir);
    const again = await RawClient.connect(server.port);
    assert.equal(show(await again.call('GET', 'k')), 'v');
    assert.equal(show(await again.call('INCR', 'n')), 2);
    again.close();
  } finally {
    await server.kill();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a data dir in the old single-node layout (segments directly in DIR) is refused, not read as empty', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-old-layout-test-'));
  try {
    await writeFile(join(dir, 'log-00000000000000000001.seg'), Buffer.alloc(64));
    const run = spawnSync(process.execPath, [...(await entryArgs('test/server/fixtures/run-server.ts')), '--port', '0', '--dir', dir], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /cairn server: .* holds a log in the old single-node layout .*log-00000000000000000001\.seg/);
    assert.deepEqual((await readdir(dir)).sort(), ['log-00000000000000000001.seg'], 'nothing was written into the refused dir');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a node with other members needs a fixed client port; --id is required with --peers', async () => {
  const server = await entryArgs('test/server/fixtures/run-server.ts');
  const run = (...args: string[]) => spawnSync(process.execPath, [...server, '--dir', '/nonexistent', ...args], { cwd: root, encoding: 'utf8' });
  const portZero = run('--id', 'n1', '--port', '0', '--peer-port', '17001', '--peers', 'n1=127.0.0.1:17001,n2=127.0.0.1:17002');
  assert.equal(portZero.status, 2);
  assert.match(portZero.stderr, /--port: a node with other members needs a fixed client port/);
  const noId = run('--peers', 'n1=127.0.0.1:17001,n2=127.0.0.1:17002');
  assert.equal(noId.status, 2);
  assert.match(noId.stderr, /--id: with --peers, say which member this node is/);
});

test('--fsync everysec is accepted for the Raft node and INFO persistence reports the policy it runs with', async () => {
  const server = await startCairn(['--fsync', 'everysec']);
  try {
    assert.match(server.output(), / ready on .*fsync everysec/);
    const c = await RawClient.connect(server.port);
    assert.equal(show(await c.call('SET', 'k', 'v')), 'OK');
    assert.match(String(show(await c.call('INFO', 'persistence'))), /cairn_fsync:everysec/);
    assert.deepEqual(show(await c.call('CONFIG', 'GET', 'appendfsync')), ['appendfsync', 'everysec']);
    c.close();
  } finally {
    await server.cleanup();
  }
});
