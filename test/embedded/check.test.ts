// `cairn check` on Raft data folders: clean folders pass, damage is reported with file and offset,
// --repair cuts the log at the first bad record and the one-member node opens on the valid prefix;
// a log without its snapshot, a damaged members.json and the retired single-node layout are damage.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { main } from '../../src/cli/check.js';
import { NodeDisk } from '../../src/runtime/disk.js';
import { LocalNode, type LocalNodeOptions } from '../../src/runtime/local-node.js';
import { SegmentedLog } from '../../src/storage/log.js';
import { isCairnError } from '../../src/lib/errors.js';
import { b, ManualClock, text, withTempDir } from './helpers.js';

async function runCheck(t: TestContext, args: string[]): Promise<{ code: number; output: string }> {
  const lines: string[] = [];
  const log = t.mock.method(console, 'log', (line: string) => lines.push(line));
  const error = t.mock.method(console, 'error', (line: string) => lines.push(line));
  try {
    return { code: await main(args), output: lines.join('\n') };
  } finally {
    log.mock.restore();
    error.mock.restore();
  }
}

test('check reports a clean folder, then middle damage with file and offset, and --repair fixes it', async (t) => {
  await withTempDir(async (dir) => {
    const options: LocalNodeOptions = { dir, disk: new NodeDisk(), clock: new ManualClock(), segmentBytesMax: 1024 };
    const store = await LocalNode.open(options);
    for (let i = 0; i < 100; i++) await store.write([[b('SET'), b(`k${i}`), b(`v${i}`)]]);
    await store.compact();
    const snapshotIndex = store.stats().snapshotIndex;
    for (let i = 100; i < 200; i++) await store.write([[b('SET'), b(`k${i}`), b(`v${i}`)]]);
    await store.close();

    const clean = await runCheck(t, [dir]);
    assert.equal(clean.code, 0, clean.output);
    assert.match(clean.output, new RegExp(`snapshot .*index ${snapshotIndex}, .*valid, voters local`));
    assert.match(clean.output, /hard state: term 1, votedFor local/);
    assert.match(clean.output, /ok: no damage found/);

    const segments = (await readdir(join(dir, 'log'))).filter((n) => n.endsWith('.seg')).sort();
    assert.ok(segments.length >= 3);
    const victim = join(dir, 'log', segments[1]!);
    const bytes = await readFile(victim);
    bytes[40] = bytes[40]! ^ 0x55;
    await writeFile(victim, bytes);
    await assert.rejects(LocalNode.open(options), (e) => isCairnError(e, 'CAIRN_CORRUPT') && e.message.includes(victim));

    const damaged = await runCheck(t, [dir]);
    assert.equal(damaged.code, 1);
    assert.ok(damaged.output.includes(`${victim} at byte offset 32`), damaged.output);
    assert.match(damaged.output, /in the middle/);

    const repaired = await runCheck(t, [dir, '--repair']);
    assert.equal(repaired.code, 0, repaired.output);
    assert.match(repaired.output, /repair: cutting/);
    const reopened = await LocalNode.open(options);
    assert.equal(text(reopened.read([b('GET'), b('k0')])), 'v0', 'the snapshot and the log prefix survive');
    assert.ok(reopened.state.keyCount >= 100 && reopened.state.keyCount < 200, `${reopened.state.keyCount} keys`);
    await reopened.close();
    assert.equal((await runCheck(t, [dir])).code, 0);
  });
});

test('check refuses bad usage and a missing folder', async (t) => {
  assert.equal((await runCheck(t, [])).code, 2);
  assert.equal((await runCheck(t, ['/nonexistent/cairn-check-dir'])).code, 2);
});

test('check reports a log without its snapshot, a damaged members.json and the retired single-node layout', async (t) => {
  await withTempDir(async (dir) => {
    const store = await LocalNode.open({ dir, disk: new NodeDisk(), clock: new ManualClock() });
    await store.write([[b('SET'), b('k'), b('v')]]);
    await store.close();
    await writeFile(join(dir, 'members.json'), '{"peers": [1, 2]}');
    const members = await runCheck(t, [dir]);
    assert.equal(members.code, 1, members.output);
    assert.match(members.output, /members\.json: DAMAGED/);
    await writeFile(join(dir, 'members.json'), '{"peers": {"a": "127.0.0.1:7001"}}');
    assert.match((await runCheck(t, [dir])).output, /members\.json: 1 peer address/);
    for (const name of await readdir(dir)) if (name.endsWith('.snap')) await rm(join(dir, name));
    const noSnapshot = await runCheck(t, [dir]);
    assert.equal(noSnapshot.code, 1, noSnapshot.output);
    assert.match(noSnapshot.output, /DAMAGE: a log or hard state without any valid snapshot/);
  });
  await withTempDir(async (dir) => {
    const { log } = await SegmentedLog.open(new NodeDisk(), dir);
    await log.appendAndSync([{ index: 1, term: 1, kind: 1, data: b('x') }]);
    await log.close();
    await mkdir(join(dir, 'log'));
    const old = await runCheck(t, [dir]);
    assert.equal(old.code, 1, old.output);
    assert.match(old.output, /retired single-node store layout/);
  });
});
