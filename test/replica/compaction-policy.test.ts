// The replica's compaction triggers: entry count, bytes of log held in memory, and a quiet node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompactionPolicy } from '../../src/replica/compaction-policy.js';

const MiB = 1024 * 1024;

test('entries: due once snapshotEveryEntries were applied', () => {
  const policy = new CompactionPolicy(10, 50, 32 * MiB);
  assert.equal(policy.due(9), false);
  assert.equal(policy.due(10), true);
});

test('bytes: due once the log outgrows max(minBytes, half the last snapshot)', () => {
  const policy = new CompactionPolicy(1_000_000, 50, 4 * MiB);
  policy.applied(3 * MiB);
  assert.equal(policy.due(1), false);
  policy.applied(MiB);
  assert.equal(policy.due(2), true, '4 MiB of log reaches minBytes');
  policy.compacted(20 * MiB);
  policy.applied(9 * MiB);
  assert.equal(policy.due(1), false, 'below half of a 20 MiB snapshot');
  policy.applied(MiB);
  assert.equal(policy.due(2), true);
});

test('idle: due after a quiet second with enough log, once per quiet spell', () => {
  const policy = new CompactionPolicy(1_000_000, 100, 64 * MiB);
  policy.compacted(32 * MiB);
  policy.applied(3 * MiB);
  policy.tick(9);
  assert.equal(policy.idleDue(), false, 'not quiet for a second yet');
  policy.tick(1);
  assert.equal(policy.idleDue(), true);
  assert.equal(policy.due(5), true);
  assert.equal(policy.idleDue(), false, 'one attempt per quiet spell');
  policy.tick(10);
  policy.applied(1);
  policy.tick(10);
  assert.equal(policy.idleDue(), true, 'quiet again after the write');
  policy.compacted(32 * MiB);
  policy.applied(MiB);
  policy.tick(10);
  assert.equal(policy.idleDue(), false, 'under 1/16 of the snapshot: not worth one');
});
