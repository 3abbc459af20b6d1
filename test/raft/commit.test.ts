// The commit rule (§5.3, §5.4.2, Figure 8): a leader commits by counting replicas only for entries of
// its own term; older entries commit indirectly, through the Log Matching Property.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from './harness.js';
import type { Message } from '../../src/raft/types.js';
import { Prng } from '../../src/lib/prng.js';
import { RaftNode } from '../../src/raft/node.js';
import { makeMembership } from '../../src/raft/membership.js';

const noEntriesTo = (ids: string[], pred: (term: number) => boolean) => (m: Message): boolean =>
  m.type === 'append' && ids.includes(m.to) && m.entries.some((e) => pred(e.term));

test('Figure 8: an entry of an older term on a majority is not committed until an entry of the current term is', () => {
  const c = new Cluster(['a', 'b', 'c', 'd', 'e'], { config: { maxBatchEntries: 1 } });
  c.campaign('a');
  const t = c.node('a').status().term;
  // x reaches only a and b: not committed.
  c.filters.push(noEntriesTo(['c', 'd', 'e'], () => true));
  c.propose('a', 'x');
  c.stabilize();
  assert.equal(c.node('a').status().commitIndex, 1);
  // Leadership moves to b (term t+1); c, d, e receive x (term t) but not b's no-op (term t+1).
  c.filters = [];
  c.rewrite = (m) => m.type === 'append' && ['c', 'd', 'e'].includes(m.to)
    ? { ...m, entries: m.entries.filter((e) => e.term <= t) }
    : m;
  assert.ok(c.node('a').transferLeadership('b').accepted);
  c.stabilize();
  assert.equal(c.leader(), 'b');
  for (const id of ['c', 'd', 'e']) assert.equal(c.node(id).status().lastIndex, 2, `${id} holds x`);
  // x (index 2, term t) is on all five nodes, yet b must not commit it by counting.
  assert.equal(c.node('b').status().commitIndex, 1);
  assert.deepEqual(c.values('b'), []);
  // Once b's no-op (term t+1) is on a majority, it commits, and x with it.
  c.heal();
  c.tick(2);
  assert.equal(c.node('b').status().commitIndex, 3);
  for (const id of c.ids) assert.deepEqual(c.values(id), ['x']);
});

test('§5.3: an entry of the current term commits once a majority (leader included) has persisted it', () => {
  const c = new Cluster(['a', 'b', 'c', 'd', 'e']);
  c.campaign('a');
  c.isolate('d');
  c.isolate('e');
  c.cutLink('b', 'c'); // irrelevant to a's quorum
  const index = c.propose('a', 'x');
  c.stabilize();
  assert.ok(c.node('a').status().commitIndex >= index, 'a, b, c are a majority of five');
  c.heal();
  c.isolate('b');
  c.isolate('c');
  c.isolate('d');
  const second = c.propose('a', 'y');
  c.stabilize();
  assert.ok(c.node('a').status().commitIndex < second, 'a and e are not a majority');
});

test('The leader counts itself only after it persisted: commit waits for advance()', () => {
  const c = new Cluster(['a']);
  c.campaign('a');
  const a = c.node('a');
  const index = a.propose(new Uint8Array([1]));
  assert.ok(index.accepted);
  assert.ok(a.status().commitIndex < index.index);
  const rd = a.ready();
  assert.equal(rd.committedEntries.length, 0, 'nothing applies before it is persisted');
  a.advance(rd);
  assert.equal(a.status().commitIndex, index.index);
  const rd2 = a.ready();
  assert.deepEqual(rd2.committedEntries.map((e) => e.index), [index.index]);
  assert.equal(rd2.hardState?.commitIndex, index.index);
  a.advance(rd2);
});

test('§5.3: a follower never commits past the last entry it knows matches the leader', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  c.propose('a', 'x');
  c.stabilize();
  const b = c.node('b');
  const s = b.status();
  // An append that matches only up to prevIndex with a commit index far ahead: b commits to prevIndex only.
  b.step({ type: 'append', from: 'a', to: 'b', term: s.term, incarnation: '0000000000000000', prevIndex: s.lastIndex, prevTerm: s.lastTerm, entries: [], commitIndex: s.lastIndex + 50 });
  assert.equal(b.status().commitIndex, s.lastIndex);
});

test('§5.3: a follower with a stale uncommitted tail does not commit it on the new leader\'s commit index', () => {
  // b holds entries 3..5 from a deposed term-2 leader; the term-3 leader's log differs after index 2.
  const entries = [1, 1, 2, 2, 2].map((term, i) => ({ index: i + 1, term, kind: 0, data: new Uint8Array([i]) }));
  const b = new RaftNode({ id: 'b', prng: new Prng(1) }, {
    hardState: { term: 2, votedFor: null, commitIndex: 2 },
    snapshot: { meta: { index: 0, term: 0, membership: makeMembership(['a', 'b', 'c']) }, data: new Uint8Array() },
    entries,
  });
  // The leader probes at prevIndex 2 (matches) with nothing yet, announcing its commit index 5.
  b.step({ type: 'append', from: 'a', to: 'b', term: 3, incarnation: '0000000000000000', prevIndex: 2, prevTerm: 1, entries: [], commitIndex: 5 });
  assert.equal(b.status().commitIndex, 2, 'entries 3..5 are not known to match the leader');
  b.step({ type: 'heartbeat', from: 'a', to: 'b', term: 3, incarnation: '0000000000000000', commitIndex: 2, readSeq: 0 });
  assert.equal(b.status().commitIndex, 2);
});

test('§5.1: a response from an older term is ignored, even one claiming a higher match', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  c.isolate('b');
  c.isolate('c');
  const index = c.propose('a', 'x');
  c.stabilize();
  const a = c.node('a');
  const term = a.status().term;
  for (const from of ['b', 'c']) {
    a.step({ type: 'appendResponse', from, to: 'a', term: term - 1, incarnation: '0000000000000000', success: true, matchIndex: index, rejectedIndex: 0, conflictTerm: 0, conflictIndex: 0 });
  }
  c.processReadies();
  assert.ok(a.status().commitIndex < index, 'stale acknowledgements do not commit');
  assert.ok(a.status().peers.every((p) => p.matchIndex < index));
});

test('Commit indexes never go backwards and applied never passes commit, across leader changes', () => {
  const c = new Cluster(['a', 'b', 'c'], { seed: 9 });
  let leader = c.electLeader();
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 5; i++) c.propose(leader, `r${round}-${i}`);
    c.stabilize();
    const before = c.ids.map((id) => c.node(id).status().commitIndex);
    c.isolate(leader);
    const term = c.node(leader).status().term;
    const next = c.electAmong(c.ids.filter((x) => x !== leader), term);
    c.heal();
    c.tick(3);
    const after = c.ids.map((id) => c.node(id).status().commitIndex);
    for (let i = 0; i < before.length; i++) assert.ok(after[i]! >= before[i]!);
    for (const id of c.ids) assert.ok(c.node(id).status().appliedIndex <= c.node(id).status().commitIndex);
    leader = next;
  }
  assert.equal(c.values('a').length, 25);
});

test('§10.2.1: a leader sends new entries before persisting them, and counts itself only once persisted', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  c.stabilize();
  c.down.add('c'); // only b answers: a commit then needs a's own persisted copy
  const a = c.node('a');
  const result = a.propose(new Uint8Array([7]));
  assert.ok(result.accepted);
  const early = a.ready();
  assert.deepEqual(early.entries, [], 'the entries wait for the next Ready');
  assert.equal(early.hardState, null);
  const appendToB = early.messages.find((m) => m.type === 'append' && m.to === 'b');
  assert.ok(appendToB?.type === 'append' && appendToB.entries.some((e) => e.index === result.index), 'the append goes out first');
  a.advance(early);
  const persist = a.ready();
  assert.deepEqual(persist.entries.map((e) => e.index), [result.index]);
  assert.equal(persist.committedEntries.length, 0);
  // b persists and acknowledges while a's own write is still under way.
  c.node('b').step(appendToB);
  c.processReadies();
  c.deliverQueued();
  assert.ok(a.status().commitIndex < result.index, 'b alone is not a majority: a counts itself only once persisted');
  c.storage.get('a')!.append(persist.entries);
  a.advance(persist);
  assert.equal(a.status().commitIndex, result.index);
  c.stabilize();
  assert.ok(c.applied.get('a')!.some((e) => e.index === result.index));
});

test('§10.2.1: entries committed by the followers before the leader persisted them are applied only after it has', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  c.stabilize();
  const a = c.node('a');
  const result = a.propose(new Uint8Array([8]));
  assert.ok(result.accepted);
  const early = a.ready();
  a.advance(early);
  const persist = a.ready();
  // Both followers persist and acknowledge before a's own write completes: b and c are a majority.
  for (const m of early.messages) c.node(m.to).step(m);
  c.processReadies();
  c.deliverQueued();
  assert.equal(a.status().commitIndex, result.index, 'committed by two of three');
  c.storage.get('a')!.append(persist.entries);
  a.advance(persist);
  const apply = a.ready();
  assert.deepEqual(apply.committedEntries.map((e) => e.index), [result.index]);
  a.advance(apply);
});

test('A leader whose term is not durable yet sends nothing ahead of its entries', () => {
  // A single voter wins its election inside campaign(): its new term is not persisted yet.
  const c = new Cluster(['a', 'l'], { learners: ['l'] });
  const a = c.node('a');
  a.campaign();
  assert.equal(a.status().role, 'leader');
  const rd = a.ready();
  assert.ok(rd.hardState !== null && rd.hardState.term === a.status().term, 'the term is persisted in this Ready');
  assert.ok(rd.entries.length > 0, 'with the no-op');
  assert.ok(rd.messages.some((m) => m.type === 'append' && m.to === 'l'), 'and the append to the learner, sent after both');
  a.advance(rd);
});
