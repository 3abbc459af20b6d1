// `cairn server` flags and config file: settings from a Redis-style file, flags overriding it,
// CONFIG GET reporting them, and clear errors (exit 2) for bad flags or file lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawClient, show, startCairn } from '../server/helpers.js';

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
  const dir = await mkdtemp(join(tmpdir(), 'cairn-config-test-'));
  try {
    const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'test/server/fixtures/run-server.ts', '--dir', dir, ...args], { cwd: root, encoding: 'utf8' });
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
    const second = spawnSync(process.execPath, ['--import', 'tsx', 'test/server/fixtures/run-server.ts', '--port', '0', '--dir', first.dir], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    assert.equal(second.status, 1);
    assert.match(second.stderr, new RegExp(`cairn server: .*${first.dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.match(second.stderr, new RegExp(String(first.proc.pid)));
  } finally {
    await first.cleanup();
  }
});
