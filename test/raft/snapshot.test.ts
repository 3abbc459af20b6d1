// Log compaction and InstallSnapshot (§7): a follower too far behind receives the state machine's
// snapshot in chunks, then the entries after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from './harness.js';
import { isCairnError } from '../../src/lib/errors.js';
import type { SnapshotMessage } from '../../src/raft/types.js';

test('§7: compaction drops applied entries and keeps the snapshot term and membership', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  for (let i = 0; i < 10; i++) c.propose('a', `v${i}`);
  c.stabilize();
  c.compact('a');
  const s = c.node('a').status();
  assert.equal(s.snapshotIndex, s.appliedIndex);
  assert.equal(s.firstIndex, s.snapshotIndex + 1);
  assert.deepEqual(c.node('a').status().membership.voters, ['a', 'b', 'c']);
});

test('compact() refuses an index beyond the applied index with a typed error', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  const s = c.node('a').status();
  assert.throws(() => c.node('a').compact(s.appliedIndex + 5, new Uint8Array()), (e) => isCairnError(e, 'CAIRN_INVALID_ARGUMENT'));
});

test('§7: a follower behind the leader\'s snapshot receives it in chunks, then catches up with entries', () => {
  const c = new Cluster(['a', 'b', 'c'], { config: { snapshotChunkBytes: 64 } });
  c.campaign('a');
  c.isolate('c');
  for (let i = 0; i < 30; i++) c.propose('a', `value-${i}`);
  c.stabilize();
  c.compact('a');
  for (let i = 30; i < 35; i++) c.propose('a', `value-${i}`);
  c.stabilize();
  c.sent = [];
  c.heal();
  c.tick(3);
  const chunks = c.sent.filter((m): m is SnapshotMessage => m.type === 'snapshot');
  assert.ok(chunks.length > 3, `sent ${chunks.length} chunks`);
  for (const chunk of chunks) assert.ok(chunk.chunk.length <= 64);
  assert.deepEqual(new Set(chunks.map((m) => m.offset)).size, chunks.length, 'each chunk once (no loss here)');
  assert.deepEqual(c.values('c'), c.values('a'));
  assert.equal(c.values('c').length, 35);
  assert.equal(c.node('c').status().snapshotIndex, c.node('a').status().snapshotIndex);
  const peer = c.node('a').status().peers.find((p) => p.id === 'c')!;
  assert.equal(peer.state, 'replicate');
});

test('§7: lost snapshot chunks are resent after an idle election timeout', () => {
  const c = new Cluster(['a', 'b', 'c'], { config: { snapshotChunkBytes: 32 } });
  c.campaign('a');
  c.isolate('c');
  for (let i = 0; i < 20; i++) c.propose('a', `value-${i}`);
  c.stabilize();
  c.compact('a');
  c.heal();
  let drops = 2;
  c.filters.push((m) => m.type === 'snapshot' && m.offset > 0 && drops-- > 0);
  c.tick(40);
  assert.deepEqual(c.values('c'), c.values('a'));
});

test('§7: a follower restarts from its installed snapshot', () => {
  const c = new Cluster(['a', 'b', 'c'], { config: { snapshotChunkBytes: 1000 } });
  c.campaign('a');
  c.isolate('c');
  for (let i = 0; i < 10; i++) c.propose('a', `v${i}`);
  c.stabilize();
  c.compact('a');
  c.heal();
  c.tick(3);
  c.restart('c');
  c.tick(3);
  assert.deepEqual(c.values('c'), c.values('a'));
  assert.ok(c.node('c').status().snapshotIndex > 0);
});

test('A leader that compacts while a snapshot transfer runs restarts it with the newer snapshot', () => {
  const c = new Cluster(['a', 'b', 'c'], { config: { snapshotChunkBytes: 16 } });
  c.campaign('a');
  c.isolate('c');
  for (let i = 0; i < 10; i++) c.propose('a', `v${i}`);
  c.stabilize();
  c.compact('a');
  c.heal();
  c.tick(1); // the transfer starts
  c.isolate('c');
  for (let i = 10; i < 20; i++) c.propose('a', `v${i}`);
  c.stabilize();
  c.compact('a');
  c.heal();
  c.tick(40);
  assert.deepEqual(c.values('c'), c.values('a'));
  assert.equal(c.values('c').length, 20);
});

test('A new leader elected after compaction can still bring up a blank follower', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  for (let i = 0; i < 10; i++) c.propose('a', `v${i}`);
  c.stabilize();
  for (const id of c.ids) c.compact(id);
  c.isolate('a');
  const leader = c.electAmong(['b', 'c'], c.node('a').status().term);
  c.propose(leader, 'after');
  c.stabilize();
  c.heal();
  c.tick(25);
  for (const id of c.ids) assert.deepEqual(c.values(id), [...Array.from({ length: 10 }, (_, i) => `v${i}`), 'after']);
});

test('§7 InstallSnapshot rules 6-7: a follower drops its entries that conflict with an installed snapshot', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  c.propose('a', 'v0');
  c.stabilize();
  // The old leader, cut off, appends a tail of its term that nobody else receives.
  c.isolate('a');
  for (let i = 0; i < 10; i++) c.propose('a', `stale-${i}`);
  c.stabilize();
  const oldTerm = c.node('a').status().term;
  const leader = c.electAmong(['b', 'c'], oldTerm);
  for (let i = 0; i < 3; i++) c.propose(leader, `new-${i}`);
  c.stabilize();
  c.compact(leader);
  const snapshot = c.node(leader).status();
  const stale = c.node('a').status();
  // The snapshot ends inside a's stale tail, at an index where a holds an entry of the old term.
  assert.ok(snapshot.snapshotIndex > stale.commitIndex && snapshot.snapshotIndex < stale.lastIndex, 'the snapshot ends inside the stale tail');
  assert.equal(stale.lastTerm, oldTerm);
  assert.ok(snapshot.lastTerm > oldTerm);
  c.heal();
  c.tick(5);
  const after = c.node('a').status();
  assert.equal(after.snapshotIndex, snapshot.snapshotIndex, 'a installed the snapshot');
  // Nothing of the stale tail past the snapshot survives: a's log is exactly the leader's.
  assert.equal(after.lastIndex, c.node(leader).status().lastIndex);
  assert.equal(after.lastTerm, c.node(leader).status().lastTerm);
  c.propose(leader, 'after');
  c.stabilize();
  assert.deepEqual(c.values('a'), c.values(leader));
});
