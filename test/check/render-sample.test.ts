// Writes a sample failing report to a temp dir (removed afterwards) so the rendering path is
// exercised end to end through the file system. Set CAIRN_REPORT_DIR to keep the file there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Prng } from '../../src/lib/prng.js';
import { checkHistory, renderReport } from '../../src/check/index.js';
import { plantStaleRead, randomHistory } from './generate.js';

test('a sample report of a planted stale read is written and reads back whole', async () => {
  const keep = process.env.CAIRN_REPORT_DIR;
  const dir = keep ?? (await mkdtemp(join(tmpdir(), 'cairn-check-')));
  try {
    const history = randomHistory({ seed: 8, clients: 5, operations: 300, keys: 3, mix: [4, 3, 1, 1, 1], unknownRate: 0.03, failRate: 0.02 });
    assert.notEqual(plantStaleRead(history, new Prng(8)), null);
    const result = checkHistory(history, { now: () => performance.now(), timeLimitMs: 10_000 });
    assert.equal(result.verdict, 'illegal');
    const path = join(dir, 'check-report.html');
    const html = renderReport(history, result);
    await writeFile(path, html);
    assert.equal(await readFile(path, 'utf8'), html);
    if (keep !== undefined) console.log(`report written to ${path}`);
  } finally {
    if (keep === undefined) await rm(dir, { recursive: true, force: true });
  }
});
