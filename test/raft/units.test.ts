// The small pure parts on their own: majority arithmetic, the log's append/conflict rule and
// persistence cursor, per-follower progress, the ReadIndex queue, snapshot chunk assembly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { committedIndex, majority, voteOutcome } from '../../src/raft/quorum.js';
import { RaftLog } from '../../src/raft/log.js';
import { Progress } from '../../src/raft/progress.js';
import { ReadQueue } from '../../src/raft/reads.js';
import { SnapshotReceiver } from '../../src/raft/snapshot-receiver.js';
import { makeMembership } from '../../src/raft/membership.js';
import { AssertionError } from '../../src/lib/assert.js';
import type { Entry, SnapshotMessage } from '../../src/raft/types.js';

const meta = { index: 0, term: 0, membership: makeMembership(['a']) };
const entry = (index: number, term: number): Entry => ({ index, term, kind: 0, data: new Uint8Array([index]) });

test('quorum: majorities of 1..6 voters, and the index a majority holds', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(majority), [1, 2, 2, 3, 3, 4]);
  const match: Record<string, number> = { a: 9, b: 7, c: 3, d: 5 };
  assert.equal(committedIndex(['a', 'b', 'c'], (id) => match[id]!), 7);
  assert.equal(committedIndex(['a', 'b', 'c', 'd'], (id) => match[id]!), 5, 'three of four hold 5');
});

test('quorum: a vote is won, lost, or still open', () => {
  const voters = ['a', 'b', 'c', 'd', 'e'];
  assert.equal(voteOutcome(voters, new Map([['a', true], ['b', true]])), 'pending');
  assert.equal(voteOutcome(voters, new Map([['a', true], ['b', true], ['x', true], ['c', true]])), 'won');
  assert.equal(voteOutcome(voters, new Map([['a', true], ['b', false], ['c', false], ['d', false]])), 'lost');
  assert.equal(voteOutcome(voters, new Map([['x', true], ['y', true], ['z', true]])), 'pending', 'non-voters do not count');
});

test('log: maybeAppend skips what matches, truncates at the first conflict, and refuses a gap', () => {
  const log = new RaftLog(meta, [entry(1, 1), entry(2, 1), entry(3, 2)], 1);
  assert.equal(log.maybeAppend(1, 1, [entry(2, 1), entry(3, 2)]), Infinity, 'all already there');
  assert.equal(log.maybeAppend(1, 1, [entry(2, 1), entry(3, 3), entry(4, 3)]), 3);
  assert.deepEqual([log.termAt(3), log.termAt(4), log.lastIndex()], [3, 3, 4]);
  assert.equal(log.maybeAppend(6, 3, []), -1, 'prevIndex beyond the log');
  assert.equal(log.maybeAppend(2, 9, []), -1, 'prevTerm mismatch');
  assert.throws(() => log.truncateFrom(1), AssertionError, 'a committed entry is never truncated');
});

test('log: an older, shorter append never truncates entries it does not conflict with', () => {
  const log = new RaftLog(meta, [entry(1, 1), entry(2, 1), entry(3, 1)], 0);
  assert.equal(log.maybeAppend(0, 0, [entry(1, 1)]), Infinity);
  assert.equal(log.lastIndex(), 3);
});

test('log: stableTo marks persisted only what was not replaced since the Ready', () => {
  const log = new RaftLog(meta, [], 0);
  log.append([entry(1, 1), entry(2, 1), entry(3, 1)]);
  assert.deepEqual(log.unstableEntries().map((e) => e.index), [1, 2, 3]);
  log.readyHandedOut(); // a Ready with 1..3 was handed out
  log.truncateFrom(2);
  log.append([entry(2, 2)]);
  log.stableTo(3, 1); // index 3 of term 1 is gone: nothing is marked
  assert.equal(log.stableIndex(), 0);
  log.readyHandedOut();
  log.stableTo(2, 2);
  assert.equal(log.stableIndex(), 2);
});

test('log: conflict hints — first index of a term, last index of a term', () => {
  const log = new RaftLog(meta, [entry(1, 1), entry(2, 2), entry(3, 2), entry(4, 2), entry(5, 4)], 0);
  assert.equal(log.firstIndexOfTermAt(4, 1), 2);
  assert.equal(log.firstIndexOfTermAt(4, 3), 3, 'not below the commit index + 1 it was given');
  assert.equal(log.lastIndexOfTerm(2, 5), 4);
  assert.equal(log.lastIndexOfTerm(3, 5), -1);
});

test('progress: probe sends one message, replicate pipelines up to the window, stale rejections are ignored', () => {
  const pr = new Progress('b', 10, 2, 1000);
  assert.equal(pr.isPaused(), false);
  pr.sent(11, 1, 1);
  assert.equal(pr.isPaused(), true, 'probe: one at a time');
  assert.equal(pr.maybeUpdate(11), true);
  pr.becomeReplicate();
  pr.sent(12, 1, 1);
  pr.sent(13, 1, 1);
  assert.equal(pr.isPaused(), true, 'window of 2 full');
  assert.equal(pr.maybeDecrease(11, 5), false, 'a rejection at or below match is stale');
  assert.equal(pr.maybeUpdate(12), true);
  assert.equal(pr.isPaused(), false);
  assert.equal(pr.maybeDecrease(13, 12), true);
  assert.equal(pr.state, 'probe');
  assert.equal(pr.nextIndex, 13);
});

test('progress: next index never falls to or below match', () => {
  const pr = new Progress('b', 20, 4, 1000);
  pr.maybeUpdate(15);
  assert.equal(pr.maybeDecrease(20, 3), true);
  assert.equal(pr.nextIndex, 16);
});

test('reads: a round opens once per heartbeat and answers in order', () => {
  const q = new ReadQueue(10);
  q.startRound('r1', 'a', 5);
  q.startRound('r2', 'a', 5);
  assert.equal(q.seq, 1, 'two reads share one round');
  q.roundPending = false; // heartbeat sent
  q.startRound('r3', 'a', 6);
  assert.equal(q.seq, 2);
  assert.deepEqual(q.takeConfirmed((seq) => seq <= 1).map((r) => r.requestId), ['r1', 'r2']);
  assert.deepEqual(q.takeAll().map((r) => r.requestId), ['r3']);
});

test('reads: one round in flight; the next is due once it is confirmed', () => {
  const q = new ReadQueue(10);
  q.startRound('r1', 'a', 5);
  assert.equal(q.roundDue(), true);
  assert.equal(q.broadcastSeq(false), 1);
  assert.equal(q.roundInFlight(), true);
  q.startRound('r2', 'a', 6);
  assert.equal(q.roundDue(), false, 'round 2 waits for round 1');
  assert.deepEqual(q.takeConfirmed((seq) => seq <= 1).map((r) => r.requestId), ['r1']);
  assert.equal(q.roundInFlight(), false);
  assert.equal(q.roundDue(), true);
  assert.equal(q.broadcastSeq(false), 2);
  assert.deepEqual(q.takeConfirmed((seq) => seq <= 2).map((r) => r.requestId), ['r2']);
  assert.equal(q.roundDue(), false);
});

test('snapshot receiver: assembles in-order chunks, ignores gaps, restarts at offset 0', () => {
  const r = new SnapshotReceiver();
  const chunk = (offset: number, bytes: number[], total = 6): SnapshotMessage => ({
    type: 'snapshot', from: 'a', to: 'b', term: 1, incarnation: '0000000000000000', meta: { index: 9, term: 1, membership: makeMembership(['a', 'b']) },
    totalBytes: total, offset, chunk: new Uint8Array(bytes),
  });
  assert.equal(r.receive(chunk(0, [1, 2])), null);
  assert.equal(r.receive(chunk(4, [5, 6])), null, 'a gap is refused');
  assert.deepEqual(r.expected(), { index: 9, offset: 2 });
  assert.equal(r.receive(chunk(2, [3, 4])), null);
  assert.deepEqual(r.receive(chunk(4, [5, 6])), new Uint8Array([1, 2, 3, 4, 5, 6]));
  assert.equal(r.receive(chunk(0, [9, 9])), null, 'a new transfer starts');
  assert.deepEqual(r.expected(), { index: 9, offset: 2 });
});
