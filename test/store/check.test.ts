// `cairn check`: clean folders pass, damage is reported with file and offset, --repair cuts the log
// at the first bad record and the store opens on the valid prefix.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { main } from '../../src/cli/check.js';
import { NodeDisk } from '../../src/runtime/disk.js';
import { Store } from '../../src/store/store.js';
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
    const options = { dir, disk: new NodeDisk(), clock: new ManualClock(), segmentBytesMax: 1024, autoCompact: false };
    const store = await Store.open(options);
    for (let i = 0; i < 100; i++) await store.write({ commands: [[b('SET'), b(`k${i}`), b(`v${i}`)]] });
    await store.compact();
    for (let i = 100; i < 200; i++) await store.write({ commands: [[b('SET'), b(`k${i}`), b(`v${i}`)]] });
    await store.close();

    const clean = await runCheck(t, [dir]);
    assert.equal(clean.code, 0, clean.output);
    assert.match(clean.output, /snapshot .*index 100/);
    assert.match(clean.output, /ok: no damage found/);

    const segments = (await readdir(dir)).filter((n) => n.endsWith('.seg')).sort();
    assert.ok(segments.length >= 3);
    const victim = join(dir, segments[1]!);
    const bytes = await readFile(victim);
    bytes[40] = bytes[40]! ^ 0x55;
    await writeFile(victim, bytes);
    await assert.rejects(Store.open(options), (e) => isCairnError(e, 'CAIRN_CORRUPT') && e.message.includes(victim));

    const damaged = await runCheck(t, [dir]);
    assert.equal(damaged.code, 1);
    assert.ok(damaged.output.includes(`${victim} at byte offset 32`), damaged.output);
    assert.match(damaged.output, /in the middle/);

    const repaired = await runCheck(t, [dir, '--repair']);
    assert.equal(repaired.code, 0, repaired.output);
    assert.match(repaired.output, /repair: cutting/);
    const reopened = await Store.open(options);
    assert.equal(text(reopened.read([b('GET'), b('k0')])), 'v0', 'the snapshot and the log prefix survive');
    assert.ok(reopened.appliedIndex >= 100 && reopened.appliedIndex < 200);
    await reopened.close();
    assert.equal((await runCheck(t, [dir])).code, 0);
  });
});

test('check refuses bad usage and a missing folder', async (t) => {
  assert.equal((await runCheck(t, [])).code, 2);
  assert.equal((await runCheck(t, ['/nonexistent/cairn-check-dir'])).code, 2);
});

test('check reads a replica folder, whose segments live in DIR/log', async (t) => {
  await withTempDir(async (dir) => {
    const { log } = await SegmentedLog.open(new NodeDisk(), `${dir}/log`);
    await log.appendAndSync([{ index: 1, term: 3, kind: 2, data: b('x') }]);
    await log.close();
    const result = await runCheck(t, [dir]);
    assert.equal(result.code, 0, result.output);
    assert.ok(result.output.includes(`${dir}/log/log-00000000000000000001.seg: 1 records`), result.output);
  });
});
