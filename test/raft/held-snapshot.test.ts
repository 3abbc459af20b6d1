// A node that is the only member keeps only its snapshot's meta (the data is as big as the state
// and nobody needs it); when a member joins and needs a snapshot, snapshotWanted() asks the caller
// for a new one, and the new member catches up from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from './harness.js';

test('alone, a node keeps no snapshot data; a joining member gets a new snapshot and catches up', () => {
  const c = new Cluster(['a']);
  c.campaign('a');
  for (let i = 0; i < 5; i++) c.propose('a', `v${i}`);
  c.stabilize();
  c.compact('a');
  assert.equal(c.node('a').snapshotWanted(), false, 'alone: nobody wants it');
  c.addBlankNode('d');
  assert.ok(c.node('a').proposeConfChange({ type: 'addLearner', nodeId: 'd' }).accepted);
  c.stabilize();
  c.tick(3);
  c.stabilize();
  assert.equal(c.node('a').snapshotWanted(), true, 'a member joined: the caller must make a snapshot');
  assert.notDeepEqual(c.values('d'), c.values('a'), 'd cannot catch up from entries that were compacted');
  c.compact('a'); // what the replica does when snapshotWanted() says so
  assert.equal(c.node('a').snapshotWanted(), false);
  c.tick(3);
  c.stabilize();
  assert.deepEqual(c.values('d').slice(-5), c.values('a').slice(-5));
  assert.equal(c.node('d').status().snapshotIndex, c.node('a').status().snapshotIndex, 'd installed the new snapshot');
});

test('with members, a node keeps its snapshot data (a follower may need it at any time)', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.campaign('a');
  c.propose('a', 'x');
  c.stabilize();
  c.compact('a');
  assert.equal(c.node('a').snapshotWanted(), false);
});
