// The list-queue audit: unique items delivered at most once, never delivered and left, never
// invented, and acknowledged items missing only as far as pops of unknown outcome explain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { queueAudit, type QueueRecord } from '../../torture/queue-audit.js';

const base: QueueRecord = { acked: [], unknownPushes: [], delivered: [], unknownPops: 0, remaining: [] };

test('every acknowledged item delivered once or left in the list: nothing doubled or lost', () => {
  const audit = queueAudit({
    ...base,
    acked: ['item:0:1', 'item:0:2', 'item:1:1'],
    unknownPushes: ['item:1:2', 'item:1:3'],
    delivered: [{ item: 'item:0:1', consumer: 0 }, { item: 'item:1:2', consumer: 1 }],
    remaining: ['item:1:1', 'item:0:2'],
  });
  assert.deepEqual(
    { ...audit, examples: audit.examples.length },
    { acked: 3, unknownPushes: 2, delivered: 2, unknownPops: 0, remaining: 2, doubled: 0, invented: 0, missing: 0, lost: 0, examples: 0 },
  );
});

test('an item delivered twice, delivered and left, or left twice is doubled', () => {
  const acked = ['a', 'b', 'c'];
  assert.equal(queueAudit({ ...base, acked, delivered: [{ item: 'a', consumer: 0 }, { item: 'a', consumer: 1 }], remaining: ['b', 'c'] }).doubled, 1);
  assert.equal(queueAudit({ ...base, acked, delivered: [{ item: 'a', consumer: 0 }], remaining: ['a', 'b', 'c'] }).doubled, 1);
  const twice = queueAudit({ ...base, acked, remaining: ['a', 'b', 'c', 'c'] });
  assert.equal(twice.doubled, 1);
  assert.deepEqual(twice.examples, ['doubled c: list, list']);
  // An item pushed with unknown outcome is doubled just the same.
  assert.equal(queueAudit({ ...base, unknownPushes: ['u'], delivered: [{ item: 'u', consumer: 0 }, { item: 'u', consumer: 2 }] }).doubled, 1);
});

test('an item nobody pushed is invented', () => {
  const audit = queueAudit({ ...base, acked: ['a'], delivered: [{ item: 'a', consumer: 0 }, { item: 'z', consumer: 3 }], remaining: ['y'] });
  assert.equal(audit.invented, 2);
  assert.equal(audit.doubled, 0);
});

test('acknowledged items gone are lost beyond what the unknown pops explain', () => {
  const acked = ['a', 'b', 'c', 'd'];
  assert.deepEqual(pick(queueAudit({ ...base, acked, remaining: ['a'] })), { missing: 3, lost: 3 });
  assert.deepEqual(pick(queueAudit({ ...base, acked, remaining: ['a'], unknownPops: 2 })), { missing: 3, lost: 1 });
  assert.deepEqual(pick(queueAudit({ ...base, acked, remaining: ['a'], unknownPops: 5 })), { missing: 3, lost: 0 });
  // An unknown push that vanished is not lost: it may never have been applied.
  assert.deepEqual(pick(queueAudit({ ...base, acked: ['a'], unknownPushes: ['b'], remaining: ['a'] })), { missing: 0, lost: 0 });
});

function pick(audit: ReturnType<typeof queueAudit>): { missing: number; lost: number } {
  return { missing: audit.missing, lost: audit.lost };
}
