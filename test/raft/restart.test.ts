// Persistence and restart (§5.1 Figure 2 "persistent state"): a node rebuilt from what it persisted
// keeps its term, vote and log, and replays committed entries into a fresh state machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from './harness.js';
import { Prng } from '../../src/lib/prng.js';
import { RaftNode } from '../../src/raft/node.js';
import { makeMembership } from '../../src/raft/membership.js';
import { DEFAULT_INCARNATION } from '../../src/raft/incarnations.js';
import type { Message } from '../../src/raft/types.js';

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

// Both ways a vote is granted: with a term it raises (0 -> 7), and in the term it already holds durably
// with no vote cast yet (7 -> 7): the vote alone is then the only change in the hard state.
for (const durableTerm of [0, 7]) {
  test(`types.ts contract c-e: a granted vote leaves in a Ready whose hard state records it, so a crash right after the send keeps it (durable term ${durableTerm})`, () => {
    const c = new Cluster(['a', 'b', 'c'], { config: { preVote: false } });
    c.isolate('a');
    // b knows its peers already (their incarnations are durable), as any node that ran for a while does.
    const peerIncarnations = [{ id: 'a', incarnation: DEFAULT_INCARNATION }, { id: 'c', incarnation: DEFAULT_INCARNATION }];
    c.storage.get('b')!.hardState = { term: durableTerm, votedFor: null, commitIndex: 0, peerIncarnations };
    c.restart('b');
    const ask = (from: string): Message => ({ type: 'vote', from, to: 'b', term: 7, incarnation: '0000000000000000', preVote: false, transfer: false, lastLogIndex: 0, lastLogTerm: 0 });
    c.node('b').step(ask('c'));
    // Handle exactly the first Ready as the driver does (persist and sync, then send), then lose the process.
    const rd = c.node('b').ready();
    const grant = rd.messages.find((m) => m.type === 'voteResponse' && m.granted && m.to === 'c');
    assert.ok(grant !== undefined, 'b grants c its vote in its first Ready');
    const store = c.storage.get('b')!;
    store.append(rd.entries);
    if (rd.hardState !== null) store.hardState = { ...rd.hardState };
    c.restart('b');
    const restarted = c.node('b');
    assert.equal(restarted.status().term, 7, 'the term of the vote that was sent is durable');
    assert.equal(restarted.status().votedFor, 'c', 'the vote that was sent is durable');
    restarted.step(ask('a'));
    const response = restarted.ready().messages.find((m) => m.type === 'voteResponse');
    assert.ok(response !== undefined && response.type === 'voteResponse' && !response.granted, 'no second vote in term 7');
  });
}
