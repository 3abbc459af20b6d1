// Membership changes one server at a time (thesis §4.1): a CONFIG entry takes effect when it is
// appended; a leader proposes the next change only after the previous one and an entry of its term
// are committed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from './harness.js';
import { applyChange, decodeMembership, encodeMembership, makeMembership } from '../../src/raft/membership.js';

test('A learner is added, catches up without voting, and is promoted to voter', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  for (let i = 0; i < 5; i++) c.propose('a', `v${i}`);
  c.stabilize();
  c.addBlankNode('d');
  assert.ok(c.node('a').proposeConfChange({ type: 'addLearner', nodeId: 'd' }).accepted);
  c.stabilize();
  c.tick(3);
  assert.deepEqual(c.values('d'), c.values('a'));
  assert.deepEqual(c.node('d').status().membership, { voters: ['a', 'b', 'c'], learners: ['d'] });
  assert.ok(c.node('a').proposeConfChange({ type: 'promoteLearner', nodeId: 'd' }).accepted);
  c.stabilize();
  for (const id of c.ids) assert.deepEqual(c.node(id).status().membership.voters, ['a', 'b', 'c', 'd']);
  // Four voters: losing two stops commits; losing one does not.
  c.isolate('b');
  const ok = c.propose('a', 'with three of four');
  c.stabilize();
  assert.ok(c.node('a').status().commitIndex >= ok);
});

test('One change at a time: a second change is refused while the first is uncommitted', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  c.isolate('a'); // nothing commits
  assert.ok(c.node('a').proposeConfChange({ type: 'addLearner', nodeId: 'd' }).accepted);
  const second = c.node('a').proposeConfChange({ type: 'addLearner', nodeId: 'e' });
  assert.equal(!second.accepted && second.reason, 'conf_change_pending');
});

test('A new leader proposes no change before an entry of its own term is committed', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  c.isolate('b');
  c.isolate('c');
  // a leads alone: its no-op is not committed yet in this term, so it may not change membership.
  const oldTerm = c.node('a').status().term;
  c.heal();
  c.filters.push((m) => m.type === 'append' && m.entries.some((e) => e.term > oldTerm));
  c.isolate('a');
  const b = c.electAmong(['b', 'c'], oldTerm);
  const r = c.node(b).proposeConfChange({ type: 'addLearner', nodeId: 'd' });
  assert.equal(!r.accepted && r.reason, 'conf_change_pending');
});

test('Removing a voter: the rest go on without it, and the removed node does not disrupt them', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  assert.ok(c.node('a').proposeConfChange({ type: 'removeNode', nodeId: 'c' }).accepted);
  c.stabilize();
  c.tick(2);
  assert.deepEqual(c.node('b').status().membership.voters, ['a', 'b']);
  // c may never learn it was removed (the leader stops replicating to it at once). It times out
  // and pre-campaigns, but a and b hear from their leader and ignore it (PreVote + lease).
  const term = c.node('a').status().term;
  c.tick(50);
  assert.equal(c.leader(), 'a');
  assert.equal(c.node('a').status().term, term);
  assert.equal(c.node('a').status().peers.some((p) => p.id === 'c'), false);
  c.isolate('b'); // with two voters, a commits only with b
  const index = c.propose('a', 'x');
  c.stabilize();
  assert.ok(c.node('a').status().commitIndex < index);
});

test('Thesis §4.2.2: a leader that removes itself commits the change without counting itself, then steps down', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  assert.ok(c.node('a').proposeConfChange({ type: 'removeNode', nodeId: 'a' }).accepted);
  c.stabilize();
  assert.equal(c.node('a').status().role, 'follower');
  const leader = c.leader();
  assert.ok(leader === 'b' || leader === 'c', 'handed over with TimeoutNow, no election timeout needed');
  c.propose(leader!, 'after');
  c.stabilize();
  assert.deepEqual(c.values('b'), ['after']);
});

test('Thesis §4.2.2: a removed voter whose removal is not committed still campaigns (it may hold the only up-to-date log)', () => {
  const c = new Cluster(['a', 'b']);
  c.campaign('a');
  c.isolate('a');
  assert.ok(c.node('a').proposeConfChange({ type: 'removeNode', nodeId: 'a' }).accepted);
  c.tick(25); // a cannot commit its removal and steps down (CheckQuorum); b lacks the entry
  assert.equal(c.node('a').status().role, 'follower');
  assert.deepEqual(c.node('a').status().membership.voters, ['b']);
  c.heal();
  // b cannot win (a's log is more up to date) and a is not a voter in its latest configuration;
  // only a's campaign, counting b's vote, can commit the change. Then b leads alone.
  const leader = c.electAmong(['b'], 0, 300);
  assert.equal(leader, 'b');
  assert.deepEqual(c.node('b').status().membership.voters, ['b']);
});

test('A CONFIG entry that is truncated rolls the membership back', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  c.isolate('a');
  c.node('a').proposeConfChange({ type: 'addLearner', nodeId: 'z' });
  c.stabilize();
  assert.deepEqual(c.node('a').status().membership.learners, ['z']);
  const oldTerm = c.node('a').status().term;
  const leader = c.electAmong(['b', 'c'], oldTerm);
  c.propose(leader, 'x');
  c.heal();
  c.tick(25);
  assert.deepEqual(c.node('a').status().membership.learners, [], 'the uncommitted change was replaced');
});

test('Invalid changes are refused', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  for (const change of [
    { type: 'addVoter' as const, nodeId: 'b' },
    { type: 'promoteLearner' as const, nodeId: 'x' },
    { type: 'removeNode' as const, nodeId: 'x' },
    { type: 'addLearner' as const, nodeId: '' },
  ]) {
    const r = c.node('a').proposeConfChange(change);
    assert.equal(!r.accepted && r.reason, 'invalid', JSON.stringify(change));
  }
  assert.equal(typeof applyChange(makeMembership(['a']), { type: 'removeNode', nodeId: 'a' }), 'string', 'not the last voter');
});

test('Membership encodes and decodes round trip', () => {
  const m = makeMembership(['c', 'a'], ['z']);
  assert.deepEqual(decodeMembership(encodeMembership(m)), { voters: ['a', 'c'], learners: ['z'] });
});
