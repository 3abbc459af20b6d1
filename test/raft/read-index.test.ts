// ReadIndex (thesis §6.4): linearizable reads without log writes. The leader records its commit
// index, confirms it is still leader with a heartbeat round, and only then answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from './harness.js';

test('§6.4: the leader answers a read only after a majority acknowledged a heartbeat round', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  c.propose('a', 'x');
  c.stabilize();
  const commit = c.node('a').status().commitIndex;
  c.filters.push((m) => m.type === 'heartbeatResponse');
  assert.deepEqual(c.node('a').readIndex('r1'), { accepted: true });
  c.stabilize();
  assert.deepEqual(c.readStates.get('a'), [], 'no answer without confirmation');
  c.heal();
  c.tick(1);
  assert.deepEqual(c.readStates.get('a'), [{ requestId: 'r1', index: commit }]);
});

test('§6.4: a deposed leader cut off from the majority never answers a read (it is refused instead)', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  c.isolate('a');
  c.node('a').readIndex('r1');
  c.tick(25); // CheckQuorum makes a step down
  const states = c.readStates.get('a')!;
  assert.deepEqual(states, [{ requestId: 'r1', index: -1 }]);
});

test('§6.4: a leader waits until an entry of its own term is committed before serving reads', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  c.propose('a', 'x');
  c.stabilize();
  const oldTerm = c.node('a').status().term;
  // Entries of newer terms are held, so the next leader's no-op cannot commit.
  c.filters.push((m) => m.type === 'append' && m.entries.some((e) => e.term > oldTerm));
  c.isolate('a');
  const b = c.electAmong(['b', 'c'], oldTerm);
  const node = c.node(b);
  assert.ok(node.status().commitIndex < node.status().lastIndex, 'the no-op is not committed');
  assert.deepEqual(node.readIndex('r1'), { accepted: true });
  c.tick(2);
  assert.deepEqual(c.readStates.get(b), [], 'the read waits');
  c.heal();
  c.tick(3);
  assert.deepEqual(c.readStates.get(b), [{ requestId: 'r1', index: node.status().lastIndex }]);
});

test('§6.4: a follower forwards a read to the leader and gets the leader\'s read index', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  c.propose('a', 'x');
  c.stabilize();
  assert.deepEqual(c.node('b').readIndex('rb'), { accepted: true });
  c.tick(1);
  assert.deepEqual(c.readStates.get('b'), [{ requestId: 'rb', index: c.node('a').status().commitIndex }]);
});

test('A follower with no known leader refuses a read', () => {
  const c = new Cluster(['a', 'b', 'c']);
  assert.deepEqual(c.node('b').readIndex('r'), { accepted: false, reason: 'not_leader', leaderId: null });
});

test('Reads issued between two Readies share one heartbeat round', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  c.sent = [];
  for (let i = 0; i < 10; i++) c.node('a').readIndex(`r${i}`);
  c.stabilize();
  assert.equal(c.sent.filter((m) => m.type === 'heartbeat').length, 2, 'one heartbeat per follower');
  assert.equal(c.readStates.get('a')!.length, 10);
});

test('A single-node cluster answers reads at once (it is its own majority)', () => {
  const c = new Cluster(['a']);
  c.campaign('a');
  c.node('a').readIndex('r');
  c.stabilize();
  assert.equal(c.readStates.get('a')!.length, 1);
});

test('Leases are off by default: without them a read waits for a heartbeat round', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  c.tick(1);
  c.filters.push((m) => m.type === 'heartbeatResponse');
  c.node('a').readIndex('r');
  c.stabilize();
  assert.deepEqual(c.readStates.get('a'), []);
});

/** Ticks only the leader (the followers' answers are dropped by the test's filter). */
function tickLeader(c: Cluster, id: string, ticks: number): void {
  for (let t = 0; t < ticks; t++) {
    c.node(id).tick();
    c.stabilize();
  }
}

test('Lease: the leader answers locally while a quorum acknowledged a heartbeat sent within the lease', () => {
  const c = new Cluster(['a', 'b', 'c'], { config: { leaseBasedReads: true } });
  c.campaign('a');
  c.tick(1); // a heartbeat round, acknowledged by both followers
  c.filters.push((m) => m.type === 'heartbeatResponse');
  c.node('a').readIndex('r1');
  c.stabilize();
  assert.equal(c.readStates.get('a')!.length, 1, 'answered from the lease, no round needed');
});

test('Lease: a leader that has not heard from a quorum within the lease does not answer locally', () => {
  const c = new Cluster(['a', 'b', 'c'], { config: { leaseBasedReads: true } });
  c.campaign('a');
  c.tick(1);
  c.filters.push((m) => m.type === 'heartbeatResponse');
  // The lease is electionTimeoutTicks (10) less a margin: after 8 silent ticks it has run out, while
  // CheckQuorum (once per election timeout) has not yet made the leader step down.
  tickLeader(c, 'a', 8);
  assert.equal(c.node('a').status().role, 'leader');
  c.node('a').readIndex('r2');
  c.stabilize();
  assert.deepEqual(c.readStates.get('a'), [], 'no local answer on an expired lease');
  c.heal();
  c.tick(1); // a heartbeat round (ReadIndex) confirms it instead
  assert.deepEqual(c.readStates.get('a'), [{ requestId: 'r2', index: c.node('a').status().commitIndex }]);
});

test('Lease: it is measured from when the acknowledged round was sent, not when the answer arrived', () => {
  const c = new Cluster(['a', 'b', 'c'], { config: { leaseBasedReads: true } });
  c.campaign('a');
  c.tick(1);
  // Answers to heartbeats are held back, then delivered late: they prove only the old send tick.
  const held: import('../../src/raft/types.js').Message[] = [];
  c.filters.push((m) => {
    if (m.type === 'heartbeatResponse') held.push(m);
    return m.type === 'heartbeatResponse';
  });
  tickLeader(c, 'a', 1);
  const roundOne = held.splice(0);
  tickLeader(c, 'a', 7);
  for (const m of roundOne) c.node('a').step(m);
  c.node('a').readIndex('r3');
  c.stabilize();
  assert.deepEqual(c.readStates.get('a'), [], 'a response to a round sent 8 ticks ago does not renew the lease');
});

test('Lease: no local answers while leadership is being transferred', () => {
  const c = new Cluster(['a', 'b', 'c'], { config: { leaseBasedReads: true } });
  c.campaign('a');
  c.tick(1);
  c.filters.push((m) => m.type === 'heartbeatResponse' || m.type === 'timeoutNow' || m.type === 'appendResponse');
  c.node('a').transferLeadership('b');
  c.node('a').readIndex('r4');
  c.stabilize();
  assert.deepEqual(c.readStates.get('a'), []);
});

test('The pending-read queue is bounded', () => {
  const c = new Cluster(['a', 'b', 'c'], { config: { maxPendingReads: 3 } });
  c.campaign('a');
  c.isolate('a');
  for (let i = 0; i < 3; i++) assert.ok(c.node('a').readIndex(`r${i}`).accepted);
  const refused = c.node('a').readIndex('r3');
  assert.equal(!refused.accepted && refused.reason, 'busy');
});

test('While a heartbeat round is in flight, new reads wait and then share the next round', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  c.stabilize();
  c.sent = [];
  const a = c.node('a');
  a.readIndex('r0');
  c.processReadies();
  assert.equal(c.sent.filter((m) => m.type === 'heartbeat').length, 2, 'round 1 is out');
  for (let i = 1; i <= 5; i++) a.readIndex(`r${i}`);
  assert.equal(a.hasReady(), false, 'round 2 waits for round 1');
  c.processReadies();
  assert.equal(c.sent.filter((m) => m.type === 'heartbeat').length, 2);
  c.stabilize();
  assert.equal(c.sent.filter((m) => m.type === 'heartbeat').length, 4, 'one more round for the five reads');
  assert.deepEqual(c.readStates.get('a')!.map((s) => s.requestId), ['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
});

test('A round whose acknowledgements are lost is carried again by the periodic heartbeat, with the reads that waited', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  c.stabilize();
  const a = c.node('a');
  c.filters.push((m) => m.type === 'heartbeatResponse');
  a.readIndex('r0');
  c.stabilize();
  a.readIndex('r1');
  c.stabilize();
  assert.deepEqual(c.readStates.get('a'), []);
  c.heal();
  c.tick(1);
  assert.deepEqual(c.readStates.get('a')!.map((s) => s.requestId), ['r0', 'r1']);
});

test('A follower forwards the reads that arrive between two Readies as one request and answers each', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  c.propose('a', 'x');
  c.stabilize();
  c.sent = [];
  for (let i = 0; i < 5; i++) assert.deepEqual(c.node('b').readIndex(`r${i}`), { accepted: true });
  c.stabilize();
  assert.equal(c.sent.filter((m) => m.type === 'readIndex').length, 1, 'one request for five reads');
  assert.equal(c.sent.filter((m) => m.type === 'readIndexResponse').length, 1);
  const index = c.node('a').status().commitIndex;
  assert.deepEqual(c.readStates.get('b'), [0, 1, 2, 3, 4].map((i) => ({ requestId: `r${i}`, index })));
});

test('While a forwarded batch is unanswered, later reads wait and go as the next batch', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  c.stabilize();
  c.sent = [];
  const b = c.node('b');
  b.readIndex('r0');
  c.processReadies();
  b.readIndex('r1');
  b.readIndex('r2');
  c.processReadies();
  assert.equal(c.sent.filter((m) => m.type === 'readIndex').length, 1, 'the second batch waits');
  c.stabilize();
  assert.equal(c.sent.filter((m) => m.type === 'readIndex').length, 2);
  assert.deepEqual(c.readStates.get('b')!.map((s) => s.requestId), ['r0', 'r1', 'r2']);
});

test('A forwarded batch whose answer is lost is sent again after an election timeout', () => {
  const c = new Cluster(['a', 'b', 'c'], { config: { electionTimeoutTicks: 10 } });
  c.campaign('a');
  c.stabilize();
  c.filters.push((m) => m.type === 'readIndexResponse');
  c.sent = [];
  c.node('b').readIndex('r0');
  c.stabilize();
  c.filters = [];
  c.tick(9);
  assert.deepEqual(c.readStates.get('b'), [], 'not resent before the timeout');
  c.tick(1);
  assert.equal(c.sent.filter((m) => m.type === 'readIndex').length, 2);
  assert.deepEqual(c.readStates.get('b'), [{ requestId: 'r0', index: c.node('a').status().commitIndex }]);
});

test('Forwarded reads are refused (retry elsewhere) when the follower\'s leader changes before answering', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  c.stabilize();
  const term = c.node('a').status().term;
  c.node('b').readIndex('r0');
  c.isolate('a'); // the request never reaches a
  c.electAmong(['b', 'c'], term);
  assert.deepEqual(c.readStates.get('b'), [{ requestId: 'r0', index: -1 }]);
});
