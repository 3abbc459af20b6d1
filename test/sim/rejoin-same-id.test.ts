// A scripted run: a voter is removed, wiped and started again under the same id (as `cairn server
// --join` with an empty data dir and CLUSTER ADDNODE allow), while another voter was cut off before
// those changes and still holds the old configuration, which names the removed id. The wiped node
// has no log, no term and no vote, so it grants the lagging voter's (pre)vote, and the lagging
// voter wins a majority of its old configuration without the entries the cluster committed.
//
// This is the hazard etcd avoids by never reusing a member id. Incarnations rule it out: the wiped
// node's fresh disk gives it a new incarnation (SimCluster.retire, as real wiping does), and the
// lagging voter, which learned the old one from the leader before it was cut off, does not count
// the new one's grants (src/raft/incarnations.ts, docs/RAFT.md).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfChange } from '../../src/raft/types.js';
import { DEFAULT_FAULTS } from '../../src/sim/faults.js';
import { DEFAULT_MEMBERSHIP } from '../../src/sim/membership.js';
import { DEFAULT_RUN } from '../../src/sim/run.js';
import { PRODUCTION_SETUP } from '../../src/sim/setup.js';
import { SimWorld } from '../../src/sim/world.js';
import type { KvMachine } from '../../src/replica/kv-machine.js';

const NEVER_MS = 1_000_000_000;
const STEP_DEADLINE_MS = 3_000;

type World = SimWorld<KvMachine>;

/** Runs the simulation until `done` or the deadline; fails the test on a deadline. */
async function runUntil(world: World, what: string, done: () => boolean): Promise<void> {
  const deadlineMs = world.scheduler.nowMs() + STEP_DEADLINE_MS;
  await world.scheduler.runUntil(deadlineMs, () => done() || world.failed(), 1_000_000);
  assert.ok(done() || world.failed(), `${what}: not reached within ${STEP_DEADLINE_MS}ms\n${world.trace.lines().slice(-40).join('\n')}`);
}

function leaderOf(world: World): string | undefined {
  return world.cluster.ids.find((id) => world.cluster.replica(id)?.status().role === 'leader');
}

async function change(world: World, leader: string, conf: ConfChange): Promise<void> {
  const replica = world.cluster.replica(leader);
  assert.ok(replica !== undefined, `${leader} is down`);
  let applied = false;
  replica.proposeConfChange(conf).then(() => (applied = true), () => undefined);
  await runUntil(world, `${conf.type} ${conf.nodeId}`, () => applied);
}

test('a removed voter wiped and rejoining under its old id cannot elect a voter that missed the removal', async () => {
  const world = new SimWorld(PRODUCTION_SETUP, {
    ...DEFAULT_RUN,
    seed: 7,
    nodeCount: 3,
    faults: { ...DEFAULT_FAULTS, meanGapMs: NEVER_MS },
    membership: { ...DEFAULT_MEMBERSHIP, meanGapMs: NEVER_MS },
  });
  const { cluster, network, checker } = world;
  world.start();
  await runUntil(world, 'a leader with committed writes', () => leaderOf(world) !== undefined && checker.maxCommittedIndex() >= 5);
  const leader = leaderOf(world) as string;
  const [lagging, removed] = cluster.initialVoters.filter((id) => id !== leader) as [string, string];
  const spare = cluster.ids[3] as string;

  // The lagging voter is cut off before any change: it keeps the first configuration.
  network.isolate(lagging, cluster.ids);
  cluster.start(spare);
  await change(world, leader, { type: 'addLearner', nodeId: spare });
  // Promoted once caught up, as the membership controller does (the simulator checks it).
  const addedAt = cluster.replica(leader)?.status().commitIndex ?? 0;
  await runUntil(world, `${spare} catches up`, () => (cluster.replica(spare)?.appliedUpTo() ?? 0) >= addedAt);
  await change(world, leader, { type: 'promoteLearner', nodeId: spare });
  await change(world, leader, { type: 'removeNode', nodeId: removed });
  assert.ok(!checker.committedMembership().voters.includes(removed));

  // The removed node is wiped and started again under its id, an empty node waiting to join; only
  // the lagging voter reaches it before the leader does.
  cluster.retire(removed);
  checker.forget(removed);
  cluster.start(removed);
  network.heal();
  for (const id of cluster.ids) {
    if (id === lagging || id === removed) continue;
    network.blockOneWay(lagging, id);
    network.blockOneWay(id, lagging);
    network.blockOneWay(id, removed);
  }
  const laggingWins = (): boolean => cluster.replica(lagging)?.status().role === 'leader';
  await world.scheduler.runUntil(world.scheduler.nowMs() + STEP_DEADLINE_MS, () => laggingWins() || world.failed(), 1_000_000);
  assert.equal(checker.violation, undefined, `the lagging voter ${lagging} was elected by the wiped ${removed}`);
});
