// A follower's relay attempts and what its applied log says of them (server/relay-waiters.ts): the
// tagged entry's replies, 'lost' once an entry of a later term is applied without it (or at once,
// for a term already behind), 'blind' when a snapshot that may hold it replaces the state, and
// other members' tags, or this member's from an earlier boot, are never taken for its own.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { integerReply } from '../../src/lib/reply.js';
import { RelayWaiters, type RelayVerdict } from '../../src/server/relay-waiters.js';

/** The verdict if it has settled by now (after the microtasks queued so far). */
async function settledVerdict(verdict: Promise<RelayVerdict>): Promise<RelayVerdict | 'pending'> {
  return Promise.race([verdict, new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending')))]);
}

test('the applied log settles each attempt: replies, lost after a later term, blind under a snapshot', async () => {
  const waiters = new RelayWaiters('n2', 'boot-a');
  const applied = waiters.open(3);
  const superseded = waiters.open(3);
  const later = waiters.open(4);
  assert.notDeepEqual(Buffer.from(applied.tag), Buffer.from(superseded.tag), 'a tag per attempt');
  // Another boot of this member, and another member, with the same counter: not ours.
  waiters.applied(3, new RelayWaiters('n2', 'boot-b').open(3).tag, [integerReply(9)]);
  waiters.applied(3, new RelayWaiters('n3', 'boot-a').open(3).tag, [integerReply(9)]);
  assert.equal(await settledVerdict(applied.verdict), 'pending');
  waiters.applied(3, applied.tag, [integerReply(1)]);
  assert.deepEqual(await applied.verdict, { kind: 'replies', replies: [integerReply(1)] });
  assert.equal(await settledVerdict(superseded.verdict), 'pending', 'more entries of term 3 may still hold it');
  waiters.applied(4, undefined, []);
  assert.deepEqual(await superseded.verdict, { kind: 'lost' });
  assert.equal(await settledVerdict(later.verdict), 'pending', 'an attempt of the newest term still waits');
  assert.deepEqual(await waiters.open(3).verdict, { kind: 'lost' }, 'a term already behind the applied log');
  waiters.restored(5);
  assert.deepEqual(await later.verdict, { kind: 'blind' });
  assert.equal(waiters.size, 0);
});

test('close() forgets an attempt; closeAll() leaves every waiting one blind', async () => {
  const waiters = new RelayWaiters('n1', 'boot');
  const closed = waiters.open(2);
  closed.close();
  waiters.applied(2, closed.tag, [integerReply(1)]);
  assert.equal(await settledVerdict(closed.verdict), 'pending');
  const open = waiters.open(2);
  waiters.closeAll();
  assert.deepEqual(await open.verdict, { kind: 'blind' });
  assert.equal(waiters.size, 0);
});
