// Leader election (§5.2), the election restriction (§5.4.1), PreVote and CheckQuorum (thesis §9.6, §6.2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from './harness.js';
import { Prng } from '../../src/lib/prng.js';
import { RaftNode } from '../../src/raft/node.js';
import { makeMembership } from '../../src/raft/membership.js';
import type { Message } from '../../src/raft/types.js';

function lonely(id: string, voters: string[], preVote = false): RaftNode {
  return new RaftNode(
    { id, prng: new Prng(1), preVote, checkQuorum: false },
    { hardState: { term: 0, votedFor: null, commitIndex: 0 }, snapshot: { meta: { index: 0, term: 0, membership: makeMembership(voters) }, data: new Uint8Array(0) }, entries: [] },
  );
}

test('§5.2: a follower that hears nothing for an election timeout becomes candidate, and a majority elects one leader', () => {
  const c = new Cluster(['a', 'b', 'c']);
  const leader = c.electLeader();
  const terms = c.ids.map((id) => c.node(id).status().term);
  assert.equal(new Set(terms).size, 1, 'every node ends in the leader term');
  for (const id of c.ids) assert.equal(c.node(id).status().leaderId, leader);
});

test('§5.2: randomized timeouts differ between nodes, so elections rarely split', () => {
  // Over many seeds a 5-node cluster elects a leader within a few election timeouts.
  for (let seed = 1; seed <= 30; seed++) {
    const c = new Cluster(['a', 'b', 'c', 'd', 'e'], { seed });
    c.electLeader(60);
  }
});

test('§5.2: a candidate votes for itself and asks every other voter', () => {
  const n = lonely('a', ['a', 'b', 'c']);
  n.campaign();
  const rd = n.ready();
  assert.equal(rd.hardState?.term, 1);
  assert.equal(rd.hardState?.votedFor, 'a');
  const votes = rd.messages.filter((m) => m.type === 'vote');
  assert.deepEqual(votes.map((m) => m.to).sort(), ['b', 'c']);
});

test('§5.2: each server votes for at most one candidate in a term (first come, first served)', () => {
  const n = lonely('a', ['a', 'b', 'c']);
  const ask = (from: string): Message => ({ type: 'vote', from, to: 'a', term: 1, incarnation: '0000000000000000', preVote: false, transfer: false, lastLogIndex: 0, lastLogTerm: 0 });
  n.step(ask('b'));
  n.step(ask('c'));
  const rd = n.ready();
  const responses = rd.messages.filter((m) => m.type === 'voteResponse');
  assert.deepEqual(responses.map((m) => [m.to, m.type === 'voteResponse' && m.granted]), [['b', true], ['c', false]]);
  assert.equal(rd.hardState?.votedFor, 'b');
  n.advance(rd);
  n.step(ask('b')); // a repeated request from the same candidate is granted again
  const again = n.ready().messages[0]!;
  assert.ok(again.type === 'voteResponse' && again.granted);
});

test('§5.4.1: a voter denies its vote to a candidate whose log is less up to date', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  assert.equal(c.leader(), 'a');
  c.isolate('c');
  c.propose('a', 'x');
  c.stabilize();
  c.heal();
  // c missed the entry; b has it. c's request for votes (it has a shorter log) is refused by b.
  const n = c.node('b');
  const lastIndex = c.node('c').status().lastIndex;
  const status = n.status();
  n.step({ type: 'vote', from: 'c', to: 'b', term: status.term + 1, incarnation: '0000000000000000', preVote: false, transfer: true, lastLogIndex: lastIndex, lastLogTerm: status.lastTerm });
  const rd = n.ready();
  const response = rd.messages.find((m) => m.type === 'voteResponse');
  assert.ok(response && response.type === 'voteResponse' && !response.granted);
  n.advance(rd);
});

test('§5.2: a candidate that receives AppendEntries from a leader of its term becomes follower', () => {
  const c = new Cluster(['a', 'b', 'c'], { config: { preVote: false } });
  c.campaign('a');
  c.isolate('b');
  c.node('b').campaign(); // b is candidate in a higher term, alone
  c.processReadies();
  c.queue = [];
  assert.equal(c.node('b').status().role, 'candidate');
  c.heal();
  c.electLeader();
  c.tick(30);
  const leader = c.leader()!;
  for (const id of c.ids) if (id !== leader) assert.equal(c.node(id).status().role, 'follower');
});

test('PreVote: a node cut off from the cluster does not raise its term, and when it rejoins the leader stays', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  const term = c.node('a').status().term;
  c.isolate('c');
  c.tick(100); // many election timeouts for c
  assert.equal(c.node('c').status().term, term, 'pre-votes do not bump the term');
  assert.equal(c.node('c').status().role, 'preCandidate');
  c.heal();
  c.tick(5);
  assert.equal(c.leader(), 'a');
  assert.equal(c.node('a').status().term, term);
  assert.equal(c.node('c').status().leaderId, 'a');
});

test('Without PreVote, the same rejoining node does disrupt the leader (why PreVote exists)', () => {
  const c = new Cluster(['a', 'b', 'c'], { config: { preVote: false, checkQuorum: false } });
  c.campaign('a');
  const term = c.node('a').status().term;
  c.isolate('c');
  c.tick(100);
  assert.ok(c.node('c').status().term > term);
  c.heal();
  c.tick(30); // c's next election timeout sends a higher-term vote request
  assert.ok(c.node('a').status().term > term, 'the leader was deposed by the higher term');
});

test('PreVote: a pre-candidate with a stale log gets no pre-votes and causes no election', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  c.isolate('c');
  for (let i = 0; i < 5; i++) c.propose('a', `v${i}`);
  c.stabilize();
  c.heal();
  c.cutLink('a', 'c'); // c cannot hear the leader but can reach b
  c.cutLink('a', 'b');
  // b also lost the leader; c pre-campaigns but b refuses (c's log is behind), so c stays put.
  c.node('c').campaign();
  c.stabilize();
  assert.notEqual(c.node('c').status().role, 'leader');
  assert.notEqual(c.node('c').status().role, 'candidate');
});

test('CheckQuorum: a leader that cannot reach a majority for an election timeout steps down', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  c.isolate('a');
  c.tick(25); // more than two election timeouts of the leader
  assert.equal(c.node('a').status().role, 'follower');
  const leader = c.leader();
  assert.ok(leader === 'b' || leader === 'c', 'the majority side elected its own leader');
});

test('CheckQuorum lease: a voter that hears from its leader ignores a vote request, even with a higher term', () => {
  const c = new Cluster(['a', 'b', 'c'], { config: { preVote: false } });
  c.campaign('a');
  const term = c.node('a').status().term;
  const b = c.node('b');
  const s = b.status();
  b.step({ type: 'vote', from: 'c', to: 'b', term: term + 5, incarnation: '0000000000000000', preVote: false, transfer: false, lastLogIndex: s.lastIndex, lastLogTerm: s.lastTerm });
  assert.equal(b.status().term, term);
  const rd = b.ready();
  assert.equal(rd.messages.filter((m) => m.type === 'voteResponse').length, 0);
  b.advance(rd);
});

test('A leader that sees a higher term in any message steps down', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  const a = c.node('a');
  const term = a.status().term;
  a.step({ type: 'heartbeatResponse', from: 'b', to: 'a', term: term + 1, incarnation: '0000000000000000', readSeq: 0 });
  assert.equal(a.status().role, 'follower');
  assert.equal(a.status().term, term + 1);
});

test('A learner never campaigns', () => {
  const c = new Cluster(['a', 'b', 'l'], { learners: ['l'] });
  c.isolate('l');
  c.tick(100);
  assert.equal(c.node('l').status().role, 'follower');
  assert.equal(c.node('l').status().term, 0);
});

test('A single voter elects itself', () => {
  const n = lonely('a', ['a'], true);
  for (let t = 0; t < 30 && n.status().role !== 'leader'; t++) n.tick();
  assert.equal(n.status().role, 'leader');
});
