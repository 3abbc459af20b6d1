// Persistence and restart (§5.1 Figure 2 "persistent state"): a node rebuilt from what it persisted
// keeps its term, vote and log, and replays committed entries into a fresh state machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from './harness.js';
import { Prng } from '../../src/lib/prng.js';
import { RaftNode } from '../../src/raft/node.js';
import { makeMembership } from '../../src/raft/membership.js';

test('Figure 2: term, vote and log survive a restart; committed entries are applied again from the snapshot', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  for (let i = 0; i < 5; i++) c.propose('a', `v${i}`);
  c.stabilize();
  const before = c.node('b').status();
  c.restart('b');
  const after = c.node('b').status();
  assert.equal(after.term, before.term);
  assert.equal(after.votedFor, before.votedFor);
  assert.equal(after.lastIndex, before.lastIndex);
  assert.equal(after.role, 'follower');
  c.stabilize();
  assert.deepEqual(c.values('b'), ['v0', 'v1', 'v2', 'v3', 'v4']);
});

test('A vote is persisted before it is sent: a restarted voter does not vote twice in a term', () => {
  const c = new Cluster(['a', 'b', 'c'], { config: { preVote: false } });
  c.isolate('a');
  const b = c.node('b');
  b.step({ type: 'vote', from: 'c', to: 'b', term: 7, incarnation: '0000000000000000', preVote: false, transfer: false, lastLogIndex: 0, lastLogTerm: 0 });
  c.processReadies();
  c.restart('b');
  c.node('b').step({ type: 'vote', from: 'a', to: 'b', term: 7, incarnation: '0000000000000000', preVote: false, transfer: false, lastLogIndex: 0, lastLogTerm: 0 });
  const rd = c.node('b').ready();
  const response = rd.messages.find((m) => m.type === 'voteResponse');
  assert.ok(response && response.type === 'voteResponse' && !response.granted);
});

test('The whole cluster restarts and keeps every committed entry', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  for (let i = 0; i < 5; i++) c.propose('a', `v${i}`);
  c.stabilize();
  c.compact('a');
  for (const id of c.ids) c.restart(id);
  const leader = c.electLeader();
  c.propose(leader, 'v5');
  c.stabilize();
  for (const id of c.ids) assert.deepEqual(c.values(id), ['v0', 'v1', 'v2', 'v3', 'v4', 'v5']);
});

test('Calls between ready() and advance() are allowed: a truncation meanwhile is not marked persisted', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  c.isolate('a');
  c.propose('a', 'stale');
  c.stabilize();
  const oldTerm = c.node('a').status().term;
  const leader = c.electAmong(['b', 'c'], oldTerm);
  c.propose(leader, 'new');
  c.stabilize();
  // a hands out a Ready, then (before advance) receives the new leader's entries that replace its tail.
  const a = c.node('a');
  a.tick();
  const rd = a.ready();
  c.heal();
  const s = c.node(leader).status();
  a.step({ type: 'append', from: leader, to: 'a', term: s.term, incarnation: '0000000000000000', prevIndex: 1, prevTerm: 1, entries: [], commitIndex: 1 });
  a.advance(rd);
  c.tick(25);
  assert.deepEqual(c.values('a'), ['new']);
});

test('Bad construction input is a typed error; malformed messages are dropped', () => {
  const persisted = { hardState: { term: -1, votedFor: null, commitIndex: 0 }, snapshot: { meta: { index: 0, term: 0, membership: makeMembership(['a']) }, data: new Uint8Array() }, entries: [] };
  assert.throws(() => new RaftNode({ id: 'a', prng: new Prng(1) }, persisted), /term/);
  assert.throws(() => new RaftNode({ id: 'a', prng: new Prng(1), electionTimeoutTicks: 2, heartbeatIntervalTicks: 2 }, { ...persisted, hardState: { term: 0, votedFor: null, commitIndex: 0 } }), /heartbeat/);
  const n = new RaftNode({ id: 'a', prng: new Prng(1) }, { ...persisted, hardState: { term: 0, votedFor: null, commitIndex: 0 } });
  // Entries that do not follow prevIndex, a negative term, a missing field: all ignored.
  n.step({ type: 'append', from: 'b', to: 'a', term: 1, incarnation: '0000000000000000', prevIndex: 0, prevTerm: 0, entries: [{ index: 5, term: 1, kind: 0, data: new Uint8Array() }], commitIndex: 0 });
  n.step({ type: 'heartbeat', from: 'b', to: 'a', term: -3, incarnation: '0000000000000000', commitIndex: 0, readSeq: 0 });
  n.step(JSON.parse('{"type":"vote","from":"b","to":"a"}'));
  assert.equal(n.status().term, 0);
  assert.equal(n.status().lastIndex, 0);
});
