// Corruption: flip bytes and cut files at random offsets of a multi-segment log. An oracle built
// from the pristine layout says what must happen: damage in the last record of the last segment
// (or a torn last header) is a tail — open recovers exactly the records before it; anything else is
// the middle — open refuses naming the file and the damaged record's offset. `cairn check` agrees.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { Prng } from '../../src/lib/prng.js';
import { isCairnError } from '../../src/lib/errors.js';
import { NodeDisk } from '../../src/runtime/disk.js';
import { SegmentedLog } from '../../src/storage/log.js';
import { analyzeLog, type ValidSegment } from '../../src/storage/log-recovery.js';
import { SEGMENT_HEADER_BYTES } from '../../src/storage/segment-file.js';
import { inspectDataDir } from '../../src/cli/check.js';
import { entries, texts, withTempDir } from './helpers.js';

const disk = new NodeDisk();
const SEGMENT_BYTES_MAX = 400;
const RECORDS = 60;
const ITERATIONS = 300;

type Expectation = { kind: 'clean' | 'tail'; keptRecords: number } | { kind: 'middle'; path: string; offset: number };

interface Layout {
  segments: ValidSegment[];
  files: Map<string, Buffer>;
}

/** Records held by all segments before segment `i`. */
function recordsBefore(layout: Layout, i: number): number {
  return layout.segments.slice(0, i).reduce((n, s) => n + s.offsets.length, 0);
}

/** The record of segment `seg` containing byte `offset`: its number and start. */
function recordAt(seg: ValidSegment, offset: number): { k: number; start: number } {
  let k = seg.offsets.length - 1;
  while (k > 0 && (seg.offsets[k] as number) > offset) k--;
  return { k, start: seg.offsets[k] as number };
}

function expectFlip(layout: Layout, i: number, offset: number): Expectation {
  const seg = layout.segments[i]!;
  const isLast = i === layout.segments.length - 1;
  if (offset < SEGMENT_HEADER_BYTES) {
    if (isLast && seg.offsets.length === 0) return { kind: 'tail', keptRecords: recordsBefore(layout, i) };
    return { kind: 'middle', path: seg.path, offset: 0 };
  }
  const { k, start } = recordAt(seg, offset);
  if (isLast && k === seg.offsets.length - 1) return { kind: 'tail', keptRecords: recordsBefore(layout, i) + k };
  return { kind: 'middle', path: seg.path, offset: start };
}

function expectCut(layout: Layout, i: number, offset: number): Expectation {
  const seg = layout.segments[i]!;
  const isLast = i === layout.segments.length - 1;
  const boundaries = [...seg.offsets.slice(1), seg.fileBytes];
  if (isLast) {
    if (offset < SEGMENT_HEADER_BYTES) return { kind: 'tail', keptRecords: recordsBefore(layout, i) };
    const kept = boundaries.filter((end) => end <= offset).length;
    return { kind: offset === SEGMENT_HEADER_BYTES || boundaries.includes(offset) ? 'clean' : 'tail', keptRecords: recordsBefore(layout, i) + kept };
  }
  if (offset === SEGMENT_HEADER_BYTES || boundaries.includes(offset)) return { kind: 'middle', path: layout.segments[i + 1]!.path, offset: 0 };
  if (offset < SEGMENT_HEADER_BYTES) return { kind: 'middle', path: seg.path, offset: 0 };
  return { kind: 'middle', path: seg.path, offset: recordAt(seg, offset).start };
}

async function restore(layout: Layout): Promise<void> {
  for (const [path, bytes] of layout.files) await writeFile(path, bytes);
}

test('random byte flips and cuts: tail damage recovers the exact prefix, middle damage refuses with file and offset', { timeout: 120_000 }, async () => {
  await withTempDir(async (dir) => {
    // A Raft data folder keeps its log in DIR/log, where `cairn check DIR` looks.
    const logDir = `${dir}/log`;
    const { log } = await SegmentedLog.open(disk, logDir, { segmentBytesMax: SEGMENT_BYTES_MAX });
    for (let i = 1; i <= RECORDS; i += 3) await log.appendAndSync(entries(i, 3));
    await log.close();
    const analysis = await analyzeLog(disk, logDir);
    assert.equal(analysis.damage, null);
    const layout: Layout = { segments: analysis.segments, files: new Map() };
    for (const seg of layout.segments) layout.files.set(seg.path, await readFile(seg.path));
    assert.ok(layout.segments.length >= 4, 'the log spans several segments');
    const prng = new Prng(Number(process.env.CAIRN_SEED ?? 7));
    const seen = { clean: 0, tail: 0, middle: 0 };
    for (let iteration = 0; iteration < ITERATIONS; iteration++) {
      await restore(layout);
      // Bias towards the last segment, where the tail cases live.
      const i = prng.chance(0.5) ? layout.segments.length - 1 : prng.int(0, layout.segments.length - 1);
      const seg = layout.segments[i]!;
      const original = layout.files.get(seg.path)!;
      const offset = prng.int(0, original.length - 1);
      const flip = prng.chance(0.5);
      const damaged = Buffer.from(flip ? original : original.subarray(0, offset));
      if (flip) damaged[offset] = damaged[offset]! ^ prng.int(1, 255);
      await writeFile(seg.path, damaged);
      const expected = flip ? expectFlip(layout, i, offset) : expectCut(layout, i, offset);
      const what = `iteration ${iteration}: ${flip ? 'flip' : 'cut'} ${seg.path} at ${offset}, expected ${JSON.stringify(expected)}`;
      seen[expected.kind]++;
      const inspection = await inspectDataDir(disk, dir);
      if (expected.kind === 'middle') {
        assert.equal(inspection.log.damage?.kind, 'middle', what);
        assert.equal(inspection.log.damage?.path, expected.path, what);
        assert.equal(inspection.log.damage?.offset, expected.offset, what);
        await assert.rejects(SegmentedLog.open(disk, logDir, { segmentBytesMax: SEGMENT_BYTES_MAX }), (e) => isCairnError(e, 'CAIRN_CORRUPT') && e.message.includes(expected.path) && e.message.includes(`offset ${expected.offset} `), what);
        continue;
      }
      assert.equal(inspection.log.damage?.kind ?? 'clean', expected.kind, what);
      const { log: reopened, recovery } = await SegmentedLog.open(disk, logDir, { segmentBytesMax: SEGMENT_BYTES_MAX });
      try {
        assert.equal(recovery.truncatedTail === null, expected.kind === 'clean', what);
        assert.equal(reopened.lastIndex, expected.keptRecords, what);
        assert.deepEqual(texts(await reopened.read(1, reopened.lastIndex + 1)), texts(entries(1, expected.keptRecords)), what);
      } finally {
        await reopened.close();
      }
    }
    assert.ok(seen.tail > 10 && seen.middle > 10, `both kinds were exercised: ${JSON.stringify(seen)}`);
  });
});
