// Incarnations with real processes: a voter's data dir is wiped while the whole cluster is down,
// and it starts again first, alone, under its old id — its start-up check finds nobody to ask, so
// it starts and campaigns as a blank voter. When the two members that kept their data come back,
// they refuse its incarnation: it exits 1 saying it must rejoin under a new id, they elect a leader
// between them and serve every acknowledged write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { call, show, TestCluster, waitFor } from './helpers.js';

const WRITES = 20;
/** Generous: the machine running this may be loaded. */
const STEP_TIMEOUT_MS = 60_000;

test('a wiped voter started alone before the others exits 1 once they refuse its incarnation; no acknowledged write is lost', async () => {
  const cluster = await TestCluster.start(3);
  try {
    const leader = await cluster.leader(STEP_TIMEOUT_MS);
    for (let i = 0; i < WRITES; i++) assert.equal(show(await call(cluster.nodes[leader]!.port, 'SET', `k${i}`, `v${i}`)), 'OK');
    // Every member has heard of every other (directly or from the leader) once the writes are on all three.
    await waitFor('the writes applied everywhere', async () => {
      const applied = await Promise.all([0, 1, 2].map(async (i) => Number((await cluster.info(i)).cairn_applied_index ?? '0')));
      const commit = Number((await cluster.info(leader)).cairn_commit_index ?? '0');
      return applied.every((a) => a >= commit) ? true : undefined;
    }, STEP_TIMEOUT_MS);
    for (const i of [0, 1, 2]) await cluster.stop(i);

    const n3 = cluster.nodes[2]!;
    await rm(n3.dir, { recursive: true, force: true });
    n3.err = '';
    await cluster.startNode(2); // nobody to ask: it starts, blank, under a used id
    const n3proc = n3.proc!;
    assert.match(n3.err, /"event":"cluster.startup_check"/, 'the start-up check ran');
    await Promise.all([cluster.startNode(0), cluster.startNode(1)]);

    await waitFor('n3 exits', () => (n3proc.exitCode !== null ? true : undefined), STEP_TIMEOUT_MS);
    assert.equal(n3proc.exitCode, 1, `n3 exit code (stderr tail: ${n3.err.slice(-1500)})`);
    assert.match(n3.err, /this data directory is a new incarnation of node n3, which the cluster knew as another \(n[12] refused it\); a node that lost its data must rejoin under a new id/);
    n3.proc = null;

    const next = await cluster.leader(STEP_TIMEOUT_MS);
    assert.ok(next === 0 || next === 1, `n1 or n2 leads, not ${cluster.nodes[next]!.id}`);
    for (const i of [0, 1]) {
      for (let k = 0; k < WRITES; k++) {
        // READONLY-free reads go to the leader (a follower relays), so each is linearizable.
        assert.equal(show(await call(cluster.nodes[i]!.port, 'GET', `k${k}`)), `v${k}`, `k${k} via ${cluster.nodes[i]!.id}`);
      }
    }
    assert.equal(show(await call(cluster.nodes[next]!.port, 'SET', 'after', 'yes')), 'OK', 'the two serve writes');
  } finally {
    await cluster.cleanup();
  }
});
