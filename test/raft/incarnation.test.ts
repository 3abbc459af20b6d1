// Incarnations in the core: a node that lost its data and starts again under its id (a new
// incarnation) is refused by every peer that knew the old one — its votes, grants and acks are not
// counted, and it is told so — and what a node remembers is persisted before it is relied on and
// survives a restart. Followers learn each other's incarnations from the leader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from './harness.js';
import { Prng } from '../../src/lib/prng.js';
import { RaftNode } from '../../src/raft/node.js';
import { makeMembership } from '../../src/raft/membership.js';
import type { Message, PersistedState, VoteMessage } from '../../src/raft/types.js';

const STRANGER = '00000000deadbeef';

function settled(): Cluster {
  const c = new Cluster(['a', 'b', 'c'], { incarnations: true });
  c.campaign('a');
  c.propose('a', 'v0');
  c.stabilize();
  assert.equal(c.leader(), 'a');
  return c;
}

function vote(from: string, to: string, term: number, incarnation: string): VoteMessage {
  return { type: 'vote', from, to, term, incarnation, preVote: false, transfer: false, lastLogIndex: 0, lastLogTerm: 0 };
}

function blankState(voters: string[]): PersistedState {
  return {
    hardState: { term: 0, votedFor: null, commitIndex: 0 },
    snapshot: { meta: { index: 0, term: 0, membership: makeMembership(voters) }, data: new Uint8Array(0) },
    entries: [],
  };
}

test('a wiped voter\'s (pre)vote grants are not counted: a voter behind the commit cannot win with them', () => {
  const c = settled();
  // b falls behind: it misses the next write, which a and c commit.
  c.cutLink('a', 'b');
  c.propose('a', 'v1');
  c.stabilize();
  assert.equal(c.node('a').status().commitIndex, c.node('c').status().lastIndex);
  // c loses its data and starts again (same id, same member list); a goes away.
  c.wipe('c');
  c.crash('a');
  c.heal();
  for (let t = 0; t < 100; t++) c.tick();
  assert.notEqual(c.node('b').status().role, 'leader', 'b won an election with the votes of a blank c');
  assert.equal(c.node('c').status().staleIncarnation, 'b');
  assert.notEqual(c.node('c').status().role, 'leader');
});

test('a wiped follower\'s acknowledgements are not counted toward a commit', () => {
  const c = settled();
  c.cutLink('a', 'b');
  c.wipe('c');
  const before = c.node('a').status().commitIndex;
  const proposed = c.node('a').propose(new TextEncoder().encode('v1'));
  assert.ok(proposed.accepted);
  for (let t = 0; t < 20; t++) c.tick();
  assert.equal(c.node('a').status().commitIndex, before, 'a committed with acks from a blank c');
  assert.equal(c.node('c').status().staleIncarnation, 'a');
  // The node that kept its data is counted as before (a may have stepped down: CheckQuorum).
  c.heal();
  const leader = c.electAmong(['a', 'b']);
  c.propose(leader, 'v2');
  c.stabilize();
  assert.ok(c.values(leader).includes('v2'));
});

test('under one shared incarnation (as before incarnations) the same script elects b: it tests the check', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  c.propose('a', 'v0');
  c.stabilize();
  c.cutLink('a', 'b');
  c.propose('a', 'v1');
  c.stabilize();
  // c loses its data but comes back under the same incarnation: nothing tells it apart.
  c.crash('c');
  c.storage.get('c')!.hardState = { term: 0, votedFor: null, commitIndex: 0 };
  c.storage.get('c')!.entries = [];
  c.start('c');
  c.crash('a');
  c.heal();
  let outcome = 'nothing';
  try {
    for (let t = 0; t < 100 && outcome === 'nothing'; t++) {
      c.tick();
      if (c.node('b').status().role === 'leader') outcome = 'b leads';
    }
  } catch (error) {
    outcome = `safety check: ${String(error)}`; // b's entries replace the committed v1
  }
  assert.notEqual(outcome, 'nothing', 'b should win with the blank c\'s vote');
});

test('a first-seen incarnation is in the hard state of the Ready whose messages rely on it', () => {
  const b = new RaftNode({ id: 'b', prng: new Prng(1), incarnation: '000000000000000b' }, blankState(['a', 'b', 'c']));
  b.step(vote('c', 'b', 1, '000000000000000c'));
  const rd = b.ready();
  const grant = rd.messages.find((m) => m.type === 'voteResponse');
  assert.ok(grant !== undefined && grant.type === 'voteResponse' && grant.granted);
  assert.equal(grant.incarnation, '000000000000000b');
  assert.deepEqual(rd.hardState?.peerIncarnations, [{ id: 'c', incarnation: '000000000000000c' }]);
  assert.equal(rd.hardState?.incarnation, '000000000000000b');
  b.advance(rd);
  // Known now: nothing new to persist for another message from c.
  b.step({ ...vote('c', 'b', 1, '000000000000000c') });
  const next = b.ready();
  assert.equal(next.hardState, null);
  b.advance(next);
});

test('a leader sends nothing ahead of its fsync while a first-seen incarnation is unpersisted', () => {
  const c = new Cluster(['a', 'b', 'c'], { incarnations: true });
  c.campaign('a');
  c.stabilize();
  const a = c.node('a');
  // Normally a leader's new entry goes out in a Ready of its own, ahead of the fsync...
  a.propose(new TextEncoder().encode('x'));
  const early = a.ready();
  assert.equal(early.hardState, null);
  assert.equal(early.entries.length, 0);
  assert.ok(early.messages.some((m) => m.type === 'append'));
  a.advance(early);
  c.processReadies();
  c.queue = [];
  // ...but not while an incarnation heard for the first time is not durable yet.
  a.step({ type: 'heartbeatResponse', from: 'd', to: 'a', term: a.status().term, incarnation: '000000000000000d', readSeq: 0 });
  a.propose(new TextEncoder().encode('y'));
  const rd = a.ready();
  assert.ok(rd.messages.length > 0);
  assert.ok(rd.hardState?.peerIncarnations?.some((p) => p.id === 'd'), 'the map goes with the messages');
  assert.ok(rd.entries.length > 0, 'and the entries too: no early send');
  a.advance(rd);
});

test('restart keeps the map: a blank node under a used id is still refused after the peer restarts', () => {
  const c = settled();
  const known = c.storage.get('b')!.hardState.peerIncarnations ?? [];
  assert.deepEqual(known.map((p) => p.id), ['a', 'c']);
  c.restart('b');
  c.node('b').step(vote('c', 'b', 99, STRANGER));
  const rd = c.node('b').ready();
  assert.equal(c.node('b').status().term, 1, 'a refused message moves no term');
  const refusal = rd.messages.find((m) => m.to === 'c');
  assert.ok(refusal !== undefined && refusal.type === 'staleIncarnation');
  assert.equal(refusal.rejected, STRANGER);
});

test('followers learn each other\'s incarnations from the leader', () => {
  const c = settled();
  for (const id of ['b', 'c']) {
    const other = id === 'b' ? 'c' : 'b';
    const known = c.storage.get(id)!.hardState.peerIncarnations ?? [];
    assert.equal(known.find((p) => p.id === other)?.incarnation, c.incarnations.get(other), `${id} knows ${other}`);
  }
  // No first-hand message between b and c was needed.
  assert.ok(!c.sent.some((m) => (m.from === 'b' && m.to === 'c') || (m.from === 'c' && m.to === 'b')));
});

test('a refusal naming an older incarnation of this id is ignored; one naming this one stops campaigning', () => {
  const n = new RaftNode({ id: 'c', prng: new Prng(2), incarnation: '000000000000000c', electionTimeoutTicks: 5 }, blankState(['a', 'b', 'c']));
  const refusal = (rejected: string): Message => ({ type: 'staleIncarnation', from: 'a', to: 'c', term: 3, incarnation: '000000000000000a', rejected });
  n.step(refusal('0000000000000099'));
  assert.equal(n.status().staleIncarnation, null);
  assert.equal(n.status().term, 0);
  n.step(refusal('000000000000000c'));
  assert.equal(n.status().staleIncarnation, 'a');
  for (let t = 0; t < 50; t++) n.tick();
  assert.equal(n.status().role, 'follower');
  assert.equal(n.status().term, 0, 'a refused node starts no election');
});

test('the configured incarnation is checked: format, and the one the persisted state belongs to', () => {
  const state = blankState(['a']);
  assert.throws(() => new RaftNode({ id: 'a', prng: new Prng(1), incarnation: 'XYZ' }, state), /16 lowercase hex/);
  const owned = { ...state, hardState: { ...state.hardState, incarnation: '0000000000000001' } };
  assert.throws(() => new RaftNode({ id: 'a', prng: new Prng(1), incarnation: '0000000000000002' }, owned), /belongs to incarnation/);
  const bad = { ...state, hardState: { ...state.hardState, peerIncarnations: [{ id: 'b', incarnation: 'nope' }] } };
  assert.throws(() => new RaftNode({ id: 'a', prng: new Prng(1) }, bad), /peer incarnation/);
  // A message without a valid incarnation is dropped like any malformed one.
  const n = new RaftNode({ id: 'a', prng: new Prng(1) }, blankState(['a', 'b']));
  n.step({ ...vote('b', 'a', 5, STRANGER), incarnation: 'bad' });
  assert.equal(n.status().term, 0);
});

test('a node added later learns every member\'s incarnation (from a snapshot install on: the snapshot carries no map)', () => {
  const c = settled();
  for (let i = 1; i < 5; i++) c.propose('a', `v${i}`);
  c.stabilize();
  c.compact('a');
  c.addBlankNode('d');
  assert.ok(c.node('a').proposeConfChange({ type: 'addLearner', nodeId: 'd' }).accepted);
  c.stabilize();
  c.tick(30);
  assert.ok(c.node('d').status().snapshotIndex > 0, 'd caught up by a snapshot');
  const known = c.storage.get('d')!.hardState.peerIncarnations ?? [];
  assert.deepEqual(known.map((p) => `${p.id}=${p.incarnation}`), ['a', 'b', 'c'].map((id) => `${id}=${c.incarnations.get(id)}`));
  for (const id of ['a', 'b', 'c']) {
    const theirs = c.storage.get(id)!.hardState.peerIncarnations ?? [];
    assert.equal(theirs.find((p) => p.id === 'd')?.incarnation, c.incarnations.get('d'), `${id} knows d`);
  }
  // d loses its data and comes back under its id: refused, it never catches up again.
  c.wipe('d');
  c.tick(30);
  assert.equal(c.node('d').status().staleIncarnation, 'a');
  const before = c.node('a').status().peers.find((p) => p.id === 'd')!.matchIndex;
  c.propose('a', 'after-wipe');
  c.tick(10);
  assert.equal(c.node('a').status().peers.find((p) => p.id === 'd')?.matchIndex, before, 'nothing the blank d acknowledges is counted');
  assert.ok(c.node('a').status().lastIndex > before);
});
