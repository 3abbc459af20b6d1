// The embedded KVStore API: strings and Buffers, awkward keys, del's result, reopen, and the
// folder lock against a second process (a real child) and a lock left by a dead one.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { KVStore, isCairnError } from '../../src/index.js';
import { withTempDir } from './helpers.js';

const LOCK_CHILD = fileURLToPath(new URL('./lock-child.ts', import.meta.url));

test('put, get, del with strings, Buffers and awkward keys; reopen keeps them', async () => {
  await withTempDir(async (dir) => {
    const store = await KVStore.open(dir);
    const keys = ['plain', 'with space', 'new\nline', 'nul\u0000inside', 'ünï', Buffer.from([0, 255, 10, 32])];
    for (const [i, key] of keys.entries()) await store.put(key, `value ${i}\n`);
    await store.put('bin', Buffer.from([1, 0, 2]));
    assert.equal(store.get('missing'), undefined);
    assert.deepEqual(store.get('bin'), Buffer.from([1, 0, 2]));
    assert.equal(await store.del('plain'), true);
    assert.equal(await store.del('plain'), false);
    await store.close();
    assert.throws(() => store.get('x'), (e) => isCairnError(e, 'CAIRN_CLOSED'));
    const again = await KVStore.open(dir, { fsync: 'everysec' });
    assert.equal(again.get('plain'), undefined);
    for (const [i, key] of keys.entries()) if (i > 0) assert.equal(again.get(key)?.toString(), `value ${i}\n`);
    assert.equal(again.get(Buffer.from('with space'))?.toString(), 'value 1\n');
    await again.close();
  });
});

test('bad arguments get clear errors', async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(KVStore.open(dir, { fsync: 'sometimes' as 'always' }), (e) => isCairnError(e, 'CAIRN_INVALID_ARGUMENT'));
    const store = await KVStore.open(dir);
    await assert.rejects(store.put(42 as unknown as string, 'v'), (e) => isCairnError(e, 'CAIRN_INVALID_ARGUMENT'));
    await store.close();
  });
});

test('a second process opening the folder gets CAIRN_LOCKED naming the folder and our pid', async () => {
  await withTempDir(async (dir) => {
    const store = await KVStore.open(dir);
    try {
      await assert.rejects(KVStore.open(dir), (e) => isCairnError(e, 'CAIRN_LOCKED'));
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', LOCK_CHILD, dir], { timeout: 30_000 });
      const result = JSON.parse(stdout) as { code: string; message: string };
      assert.equal(result.code, 'CAIRN_LOCKED');
      assert.ok(result.message.includes(dir) && result.message.includes(String(process.pid)), result.message);
    } finally {
      await store.close();
    }
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', LOCK_CHILD, dir], { timeout: 30_000 });
    assert.equal((JSON.parse(stdout) as { code: string }).code, 'OPENED', 'the lock is released on close');
  });
});

test('a lock left by a dead process is taken over', async () => {
  await withTempDir(async (dir) => {
    const dead = await new Promise<number>((resolve) => {
      const child = execFile(process.execPath, ['-e', '0']);
      child.on('exit', () => resolve(child.pid ?? 0));
    });
    await writeFile(join(dir, 'LOCK'), `${dead}\n`);
    const store = await KVStore.open(dir);
    await store.put('k', 'v');
    await store.close();
  });
});

test('a value over the record limit is refused with CAIRN_INVALID_ARGUMENT and the store keeps working', async () => {
  await withTempDir(async (dir) => {
    const store = await KVStore.open(dir);
    await assert.rejects(store.put('big', Buffer.alloc(65 * 1024 * 1024)), (e) => isCairnError(e, 'CAIRN_INVALID_ARGUMENT') && /record limit/.test(e.message));
    await store.put('small', 'ok');
    await store.close();
    const again = await KVStore.open(dir);
    assert.equal(again.get('small')?.toString(), 'ok');
    assert.equal(again.get('big'), undefined);
    await again.close();
  });
});

test('a torn tail is reported as a CAIRN_RECOVERY warning and in recovery', async (t) => {
  await withTempDir(async (dir) => {
    const store = await KVStore.open(dir);
    await store.put('k', 'v');
    await store.close();
    const segments = (await readdir(join(dir, 'log'))).filter((n) => n.endsWith('.seg')).sort();
    await appendFile(join(dir, 'log', segments[segments.length - 1]!), Buffer.from('torn'));
    const warnings: string[] = [];
    const emit = t.mock.method(process, 'emitWarning', (message: string) => warnings.push(message));
    const again = await KVStore.open(dir);
    emit.mock.restore();
    assert.equal(again.recovery.truncatedTail?.droppedBytes, 4);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /torn tail .* dropping 4 bytes and 1 record/);
    assert.equal(again.get('k')?.toString(), 'v');
    await again.close();
  });
});
