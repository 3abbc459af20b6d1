// Log replication (§5.3): pipelining, flow control, batching, conflict resolution with hints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from './harness.js';
import { EntryKind, type AppendMessage } from '../../src/raft/types.js';

test('§5.3: the leader appends a proposal, replicates it, and every node applies it once committed', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  const index = c.propose('a', 'hello');
  c.stabilize();
  for (const id of c.ids) {
    assert.deepEqual(c.values(id), ['hello']);
    assert.ok(c.node(id).status().commitIndex >= index);
  }
});

test('§5.4.2: a new leader appends a no-op of its term first', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  const applied = c.applied.get('b')!;
  assert.equal(applied.length, 1);
  assert.equal(applied[0]!.kind, EntryKind.NOOP);
  assert.equal(applied[0]!.term, c.node('a').status().term);
});

test('Proposals to a follower are refused with the known leader', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  const result = c.node('b').propose(new Uint8Array([1]));
  assert.deepEqual(result, { accepted: false, reason: 'not_leader', leaderId: 'a' });
});

test('Batching: proposals between two Readies travel in one AppendEntries, capped at maxBatchEntries', () => {
  const c = new Cluster(['a', 'b', 'c'], { config: { maxBatchEntries: 100 } });
  c.campaign('a');
  c.sent = [];
  for (let i = 0; i < 250; i++) c.propose('a', `v${i}`);
  c.stabilize();
  const appends = c.sent.filter((m): m is AppendMessage => m.type === 'append' && m.to === 'b' && m.entries.length > 0);
  assert.deepEqual(appends.map((m) => m.entries.length), [100, 100, 50]);
  assert.equal(c.values('c').length, 250);
});

test('Batching: maxBatchBytes caps the payload of one AppendEntries (one entry always goes)', () => {
  const c = new Cluster(['a', 'b'], { config: { maxBatchBytes: 10 } });
  c.campaign('a');
  c.sent = [];
  c.propose('a', 'x'.repeat(25));
  c.propose('a', 'yyyy');
  c.propose('a', 'zzzz');
  c.stabilize();
  const appends = c.sent.filter((m): m is AppendMessage => m.type === 'append' && m.entries.length > 0);
  assert.deepEqual(appends.map((m) => m.entries.length), [1, 2]);
});

test('Flow control: at most maxInflightMessages appends are unacknowledged per follower (pipelining)', () => {
  const c = new Cluster(['a', 'b', 'c'], { config: { maxBatchEntries: 1, maxInflightMessages: 4 } });
  c.campaign('a');
  // Hold every response from b: the leader may only pipeline 4 appends to it.
  c.filters.push((m) => m.from === 'b' && m.type === 'appendResponse');
  c.sent = [];
  for (let i = 0; i < 10; i++) c.propose('a', `v${i}`);
  c.stabilize();
  const toB = c.sent.filter((m): m is AppendMessage => m.type === 'append' && m.to === 'b' && m.entries.length > 0);
  assert.equal(toB.length, 4);
  assert.equal(c.node('a').status().peers.find((p) => p.id === 'b')!.inflightMessages, 4);
  assert.equal(c.values('a').length, 10, 'a and c still commit: a majority');
  c.heal();
  c.tick(3);
  assert.equal(c.values('b').length, 10, 'b catches up once responses flow');
});

test('Flow control: maxInflightBytes bounds bytes in flight', () => {
  const c = new Cluster(['a', 'b'], { config: { maxBatchEntries: 1, maxInflightBytes: 30 } });
  c.campaign('a');
  c.filters.push((m) => m.from === 'b' && m.type === 'appendResponse');
  c.sent = [];
  for (let i = 0; i < 10; i++) c.propose('a', 'x'.repeat(10));
  c.stabilize();
  const toB = c.sent.filter((m): m is AppendMessage => m.type === 'append' && m.entries.length > 0);
  assert.equal(toB.length, 3);
});

test('Probe state: after a rejection the leader sends one append per heartbeat until it finds the match', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  c.isolate('c');
  for (let i = 0; i < 20; i++) c.propose('a', `v${i}`);
  c.stabilize();
  c.heal();
  c.tick(2);
  assert.equal(c.values('c').length, 20);
  const peer = c.node('a').status().peers.find((p) => p.id === 'c')!;
  assert.equal(peer.state, 'replicate');
});

test('Lost appends in Replicate state are detected by the gap and resent', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  let drops = 3;
  c.filters.push((m) => m.type === 'append' && m.to === 'c' && m.entries.length > 0 && drops-- > 0);
  for (let i = 0; i < 6; i++) {
    c.propose('a', `v${i}`);
    c.stabilize();
  }
  c.tick(3);
  assert.deepEqual(c.values('c'), ['v0', 'v1', 'v2', 'v3', 'v4', 'v5']);
});

test('§5.3: a follower deletes a conflicting suffix and takes the leader\'s entries', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  // a (leader) appends entries that only it has, then loses leadership.
  c.isolate('a');
  c.propose('a', 'lost1');
  c.propose('a', 'lost2');
  c.stabilize();
  const b = c.electAmong(['b', 'c'], c.node('a').status().term);
  c.propose(b, 'kept');
  c.stabilize();
  c.heal();
  c.tick(25); // a steps down (CheckQuorum or b's heartbeat) and is repaired
  for (const id of c.ids) assert.deepEqual(c.values(id), ['kept']);
  const a = c.node('a').status();
  assert.equal(a.lastIndex, c.node(b).status().lastIndex);
});

test('Fast backtracking: a follower with a long divergent tail is repaired in a few round trips', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  c.isolate('a');
  for (let i = 0; i < 200; i++) c.propose('a', `stale${i}`);
  c.stabilize();
  const b = c.electAmong(['b', 'c'], c.node('a').status().term);
  for (let i = 0; i < 5; i++) c.propose(b, `new${i}`);
  c.stabilize();
  c.sent = [];
  c.heal();
  c.tick(25);
  const rejections = c.sent.filter((m) => m.type === 'appendResponse' && m.from === 'a' && !m.success && m.rejectedIndex > 0);
  assert.ok(rejections.length <= 3, `took ${rejections.length} rejections (one per term, not per entry)`);
  assert.deepEqual(c.values('a'), ['new0', 'new1', 'new2', 'new3', 'new4']);
});

test('A follower that is behind gets the missing entries (hint: its last index + 1)', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  c.isolate('c');
  for (let i = 0; i < 50; i++) c.propose('a', `v${i}`);
  c.stabilize();
  c.sent = [];
  c.heal();
  c.tick(2);
  const rejections = c.sent.filter((m) => m.type === 'appendResponse' && m.from === 'c' && !m.success);
  assert.ok(rejections.length <= 1);
  assert.equal(c.values('c').length, 50);
});

test('Duplicated and reordered appends are harmless', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  for (let i = 0; i < 5; i++) {
    c.propose('a', `v${i}`);
    c.processReadies();
    c.queue = [...c.queue, ...c.queue].reverse(); // duplicate and reverse every message
    c.deliverQueued();
  }
  c.stabilize();
  c.tick(3);
  for (const id of c.ids) assert.deepEqual(c.values(id), ['v0', 'v1', 'v2', 'v3', 'v4']);
});

test('Stale messages from an older term are ignored, and a stale leader learns the new term', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  const oldTerm = c.node('a').status().term;
  c.isolate('a');
  c.electAmong(['b', 'c'], oldTerm);
  assert.equal(c.node('a').status().role, 'leader', 'a has not noticed yet (its quorum check is due later)');
  c.heal();
  // a still thinks it leads; its heartbeat reaches the others, which answer with the newer term.
  c.node('a').tick();
  c.stabilize();
  assert.equal(c.node('a').status().role, 'follower');
  assert.ok(c.node('a').status().term > oldTerm);
});

test('The leader refuses proposals over maxUncommittedBytes', () => {
  const c = new Cluster(['a', 'b', 'c'], { config: { maxUncommittedBytes: 100 } });
  c.campaign('a');
  c.isolate('a');
  assert.ok(c.node('a').propose(new Uint8Array(60)).accepted);
  const second = c.node('a').propose(new Uint8Array(60));
  assert.equal(second.accepted, false);
  assert.equal(!second.accepted && second.reason, 'busy');
});
