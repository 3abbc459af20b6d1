// Leadership transfer (thesis §3.10): the leader brings the target up to date, then sends TimeoutNow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from './harness.js';

test('§3.10: transferLeadership hands leadership to an up-to-date voter', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  const term = c.node('a').status().term;
  assert.ok(c.node('a').transferLeadership('b').accepted);
  c.stabilize();
  assert.equal(c.leader(), 'b');
  assert.equal(c.node('b').status().term, term + 1);
});

test('§3.10: a lagging target is caught up first, then elected', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  c.isolate('c');
  for (let i = 0; i < 20; i++) c.propose('a', `v${i}`);
  c.stabilize();
  c.heal();
  c.node('a').transferLeadership('c');
  c.stabilize();
  c.tick(2);
  assert.equal(c.leader(), 'c');
  assert.equal(c.values('c').length, 20);
});

test('§3.10: the leader refuses proposals while a transfer runs, and abandons it after an election timeout', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  c.isolate('c');
  c.node('a').transferLeadership('c');
  const refused = c.node('a').propose(new Uint8Array([1]));
  assert.equal(!refused.accepted && refused.reason, 'transferring');
  c.tick(11);
  assert.equal(c.node('a').status().transferTarget, null);
  assert.ok(c.node('a').propose(new Uint8Array([1])).accepted);
});

test('Transfer to a non-voter or to itself is invalid; a follower cannot transfer', () => {
  const c = new Cluster(['a', 'b', 'l'], { learners: ['l'] });
  c.campaign('a');
  assert.equal(c.node('a').transferLeadership('l').accepted, false);
  assert.equal(c.node('a').transferLeadership('a').accepted, false);
  const r = c.node('b').transferLeadership('a');
  assert.equal(!r.accepted && r.reason, 'not_leader');
});
