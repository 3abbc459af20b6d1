// The replica's request tables: each request settles exactly once, with the right outcome.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCairnError } from '../../src/lib/errors.js';
import type { Reply } from '../../src/lib/reply.js';
import { PendingProposals, PendingReads } from '../../src/replica/pending.js';
import type { PendingProposal, PendingRead } from '../../src/replica/pending.js';

function proposal(term: number, log: string[], deadlineMs = 1_000): PendingProposal {
  return { term, deadlineMs, resolve: (r: Reply[]) => log.push(`ok:${r.length}`), reject: (e: Error) => log.push(isCairnError(e) ? e.code : 'other') };
}

test('a proposal succeeds only if its index is applied in its term; losing its index locally makes it unknown', () => {
  const log: string[] = [];
  const table = new PendingProposals(4);
  table.add(5, proposal(1, log));
  table.add(6, proposal(1, log));
  table.settleApplied(5, 1, [{ type: 'simple', value: 'OK' }]);
  table.settleApplied(6, 2, []);
  assert.deepEqual(log, ['ok:1', 'CAIRN_NOT_LEADER']);
  table.add(7, proposal(2, log));
  table.add(7, proposal(3, log));
  assert.equal(log[2], 'CAIRN_TIMEOUT', 'the older proposal at index 7 is gone here but may commit elsewhere: unknown');
  assert.throws(() => table.add(7, proposal(3, log)), /two proposals at index 7/);
  table.settleSkipped(10);
  assert.equal(log[3], 'CAIRN_TIMEOUT', 'a snapshot past a proposal makes its outcome unknown');
  assert.equal(table.size, 0);
});

test('the proposal table is bounded', () => {
  const table = new PendingProposals(2);
  table.add(1, proposal(1, []));
  table.add(2, proposal(1, []));
  assert.equal(table.isFull(), true);
  assert.throws(() => table.add(3, proposal(1, [])), /full/);
});

test('a read runs once its index is confirmed and applied; a refusal or a timeout rejects it', () => {
  const log: string[] = [];
  const reads = new PendingReads(4);
  const read = (name: string): PendingRead => ({ index: -1, deadlineMs: 1_000, resolve: () => log.push(name), reject: (e: Error) => log.push(`${name}:${isCairnError(e) ? e.code : e.message}`) });
  const a = read('a');
  reads.add('a', a);
  reads.add('b', read('b'));
  reads.add('c', read('c'));
  reads.releaseUpTo(100);
  assert.deepEqual(log, [], 'nothing runs before the leader confirms a read index');
  reads.confirmed('a', 7, () => new Error('no'));
  reads.confirmed('b', -1, () => new Error('not leader'));
  reads.releaseUpTo(6);
  assert.deepEqual(log, ['b:not leader']);
  reads.releaseUpTo(7);
  assert.deepEqual(log, ['b:not leader', 'a']);
  assert.equal(a.index, 7);
  reads.confirmed('a', 9, () => new Error('no'));
  reads.releaseUpTo(100);
  assert.equal(reads.size, 1, 'a late confirmation of a settled read is ignored');
  reads.rejectAll(new Error('closed'));
  assert.deepEqual(log, ['b:not leader', 'a', 'c:closed']);
});

test('expire rejects exactly the requests past their deadline, oldest first, and stops at the first still in time', () => {
  const log: string[] = [];
  const table = new PendingProposals(8);
  table.add(3, proposal(1, log, 100));
  table.add(4, proposal(1, log, 100));
  table.add(5, proposal(1, log, 150));
  table.expire(99);
  assert.deepEqual(log, [], 'nothing is due before its deadline');
  table.expire(100);
  assert.deepEqual(log, ['CAIRN_TIMEOUT', 'CAIRN_TIMEOUT'], 'both proposals due at 100 time out (outcome unknown)');
  assert.equal(table.size, 1);
  table.settleApplied(5, 1, []);
  table.expire(1_000);
  assert.deepEqual(log, ['CAIRN_TIMEOUT', 'CAIRN_TIMEOUT', 'ok:0'], 'a settled proposal is not timed out again');
  table.add(6, proposal(1, log, 200));
  assert.throws(() => table.add(7, proposal(1, log, 199)), /deadlines are added in order/);
});

test('a read past its deadline times out whether or not its index was confirmed; the rest still run in confirmation order', () => {
  const log: string[] = [];
  const reads = new PendingReads(8);
  const read = (name: string, deadlineMs: number): PendingRead => ({ index: -1, deadlineMs, resolve: () => log.push(name), reject: (e: Error) => log.push(`${name}:${isCairnError(e) ? e.code : e.message}`) });
  reads.add('a', read('a', 10));
  reads.add('b', read('b', 20));
  reads.add('c', read('c', 30));
  reads.add('d', read('d', 40));
  reads.confirmed('d', 5, () => new Error('no'));
  reads.confirmed('a', 8, () => new Error('no'));
  reads.confirmed('c', 5, () => new Error('no'));
  reads.expire(20);
  assert.deepEqual(log, ['a:CAIRN_TIMEOUT', 'b:CAIRN_TIMEOUT'], 'a confirmed read and an unconfirmed one both time out');
  reads.releaseUpTo(8);
  assert.deepEqual(log.slice(2), ['d', 'c'], 'confirmed reads run in the order they were confirmed; the timed-out one does not run');
  assert.equal(reads.size, 0);
});
