// The start-up check of a node with a blank data dir (cluster/startup-check.ts), with real
// processes: a removed id restarted blank with --join, and a voter that lost its disk restarted
// with its original --peers (with a leader, and with none), all exit 1 before they can vote; a new
// id added with CLUSTER ADDNODE before its process starts (a learner the leader has sent nothing
// yet) still joins. Plus the decision itself on hand-made answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { IDENTITY_FILE } from '../../src/runtime/cluster/identity.js';
import { judgeAnswers, parseInfo, parseMemberLine, type MemberAnswer } from '../../src/runtime/cluster/startup-check.js';
import { call, freePort, show, TestCluster, waitFor } from './helpers.js';

/** Starts node i and returns its stderr if it exits instead of getting ready (it must not get ready). */
async function refusedStart(cluster: TestCluster, i: number, more: readonly string[] = []): Promise<string> {
  const node = cluster.nodes[i]!;
  node.err = '';
  try {
    await cluster.startNode(i, more);
  } catch (error) {
    assert.match(String(error), new RegExp(`${node.id} exited 1`), 'exit code 1: could not start');
    return node.err;
  }
  assert.fail(`${node.id} started with a blank data dir under an id the cluster knows:\n${node.out}`);
}

test('a new id added before it starts still joins; once removed, its id restarted blank with --join exits 1', async () => {
  const cluster = await TestCluster.start(3);
  try {
    const leader = await cluster.leader();
    const leaderPort = cluster.nodes[leader]!.port;
    assert.equal(show(await call(leaderPort, 'SET', 'before', '1')), 'OK');
    const clusterId = (await cluster.info(leader)).cairn_cluster_id!;
    // ADDNODE first, the process after: the leader knows n4 as a learner with match index 0.
    cluster.nodes.push({ id: 'n4', port: await freePort(), peerPort: await freePort(), httpPort: await freePort(), dir: join(cluster.base, 'n4'), proc: null, out: '', err: '' });
    const n4 = cluster.nodes[3]!;
    const adding = call(leaderPort, 'CLUSTER', 'ADDNODE', 'n4', `127.0.0.1:${n4.peerPort}`, `127.0.0.1:${n4.port}`);
    await waitFor('n4 is a learner on the leader', async () => ((await cluster.info(leader)).cairn_learners === 'n4' ? true : undefined), 10_000);
    await cluster.startNode(3, ['--join', '--cluster-id', clusterId]);
    assert.equal(show(await adding), 'OK');
    assert.match(n4.err, /"event":"cluster.startup_check".*"decision":"start"/, 'the check ran and let the first join through');
    assert.equal(show(await call(n4.port, 'GET', 'before')), '1');

    assert.equal(show(await call(leaderPort, 'CLUSTER', 'REMOVENODE', 'n4')), 'OK');
    await cluster.kill(3);
    await rm(n4.dir, { recursive: true, force: true });
    const err = await refusedStart(cluster, 3, ['--join', '--cluster-id', clusterId]);
    assert.match(err, /n4 was removed from this cluster \(n\d lists it as removed\).*CLUSTER ADDNODE <newid>/);
    // Refused before anything was written: no identity or snapshot left to trip a start under a new id.
    assert.deepEqual((await readdir(n4.dir)).filter((name) => name === IDENTITY_FILE || name.startsWith('snap')), []);
  } finally {
    await cluster.cleanup();
  }
});

test('a voter that lost its data dir, restarted with its original --peers, exits 1', async () => {
  const cluster = await TestCluster.start(3);
  try {
    const leader = await cluster.leader();
    const leaderPort = cluster.nodes[leader]!.port;
    assert.equal(show(await call(leaderPort, 'SET', 'k', 'v')), 'OK');
    const victim = (leader + 1) % 3;
    const id = cluster.nodes[victim]!.id;
    await waitFor(`${id} acknowledged the write`, async () => {
      const info = await cluster.info(leader);
      return Number(info.cairn_last_index) > 0 && info[`cairn_follower_lag_${id}`] === '0' ? true : undefined;
    });
    await cluster.kill(victim);
    await rm(cluster.nodes[victim]!.dir, { recursive: true, force: true });
    const err = await refusedStart(cluster, victim);
    assert.match(err, new RegExp(`${id} is a voter of the running cluster and already acknowledged entries up to index \\d+.*lost its data`));
    assert.match(err, /"event":"cluster.startup_check".*"decision":"refuse"/);
    // The two others still serve.
    assert.equal(show(await call(leaderPort, 'GET', 'k')), 'v');
  } finally {
    await cluster.cleanup();
  }
});

test('a voter that lost its data dir while the cluster has no leader exits 1 after asking a few times', async () => {
  const cluster = await TestCluster.start(3);
  try {
    const leader = await cluster.leader();
    assert.equal(show(await call(cluster.nodes[leader]!.port, 'SET', 'k', 'v')), 'OK');
    const victim = (leader + 1) % 3;
    const survivor = (leader + 2) % 3;
    await waitFor('the survivor applied the write', async () => (Number((await cluster.info(survivor)).cairn_commit_index) > 0 ? true : undefined));
    await cluster.kill(leader);
    await cluster.kill(victim);
    await waitFor('the survivor knows no leader', async () => ((await cluster.info(survivor)).cairn_leader === '' ? true : undefined), 10_000);
    await rm(cluster.nodes[victim]!.dir, { recursive: true, force: true });
    const err = await refusedStart(cluster, victim);
    assert.match(err, new RegExp(`counts ${cluster.nodes[victim]!.id} as a voter, but no leader answered`));
    assert.equal(err.match(/"event":"cluster.startup_check_skipped"/g)?.length, 4, 'the dead leader was asked in each of the 4 rounds');
  } finally {
    await cluster.cleanup();
  }
});

/** One member's answer built from CLUSTER INFO fields and CLUSTER MEMBERS lines. */
function answer(info: Record<string, string | number>, members: readonly string[]): MemberAnswer {
  const text = Object.entries(info).map(([k, v]) => `${k}:${v}\r\n`).join('');
  return { info: parseInfo(text), members: members.flatMap((line) => parseMemberLine(line)) };
}

const leaderN1 = (extra: Record<string, string | number>): MemberAnswer =>
  answer(
    { cairn_node_id: 'n1', cairn_role: 'leader', cairn_leader: 'n1', cairn_members: 'n1,n2,n3', cairn_learners: '', cairn_commit_index: 9, cairn_last_index: 9, ...extra },
    ['n1 voter 127.0.0.1:7001 127.0.0.1:6001 leader myself', 'n2 voter 127.0.0.1:7002 127.0.0.1:6002', 'n3 voter 127.0.0.1:7003 127.0.0.1:6003'],
  );

test('judgeAnswers: what lets a blank node start and what refuses it', () => {
  assert.equal(judgeAnswers('n3', []).kind, 'start', 'nobody answered');
  const electing = answer({ cairn_node_id: 'n1', cairn_role: 'candidate', cairn_leader: '', cairn_members: 'n1,n2,n3' }, ['n1 voter a:1 a:2 myself']);
  assert.equal(judgeAnswers('n3', [electing]).kind, 'start', 'a first start: no leader yet');
  // A late member of a brand-new cluster: the leader has never heard from it.
  assert.equal(judgeAnswers('n3', [leaderN1({ cairn_follower_lag_n2: 0, cairn_follower_lag_n3: 9 })]).kind, 'start');
  const lost = judgeAnswers('n3', [leaderN1({ cairn_follower_lag_n2: 0, cairn_follower_lag_n3: 2 })]);
  assert.equal(lost.kind, 'refuse');
  assert.match(lost.reason, /n3 is a voter .* up to index 7 .*lost its data/);
  assert.equal(judgeAnswers('n4', [leaderN1({ cairn_follower_lag_n2: 0, cairn_follower_lag_n3: 0 })]).kind, 'start', 'a new id');
  const learner = leaderN1({ cairn_members: 'n1,n2,n3,n4', cairn_learners: 'n4', cairn_follower_lag_n4: 9 });
  assert.equal(judgeAnswers('n4', [learner]).kind, 'start', 'a learner added before its process started');
  const removed = answer({ cairn_node_id: 'n2', cairn_role: 'follower', cairn_leader: '' }, ['n2 voter a:1 a:2 myself', 'n4 removed - -']);
  assert.match(judgeAnswers('n4', [removed]).reason, /n4 was removed from this cluster \(n2 lists it as removed\)/);
  assert.equal(judgeAnswers('n4', [removed]).kind, 'refuse');
  const followerNamingMe = answer({ cairn_node_id: 'n2', cairn_role: 'follower', cairn_leader: 'n3' }, []);
  assert.equal(judgeAnswers('n3', [followerNamingMe]).kind, 'refuse', 'the cluster still follows this id');
  // A follower names the leader: its peer address comes from the follower's CLUSTER MEMBERS.
  const follower = answer({ cairn_node_id: 'n2', cairn_role: 'follower', cairn_leader: 'n1' }, ['n1 voter 127.0.0.1:7001 127.0.0.1:6001 leader', 'n2 voter 127.0.0.1:7002 127.0.0.1:6002 myself']);
  const ask = judgeAnswers('n3', [follower]);
  assert.deepEqual(ask.kind === 'ask-leader' ? [ask.leader, ask.peer] : undefined, ['n1', '127.0.0.1:7001']);
  assert.equal(judgeAnswers('n3', [follower], false).kind, 'start', 'the leader did not answer and nothing is committed: a first start');
  // A running cluster that counts n3 as a voter, with no leader to say what n3 holds: ask again, then refuse.
  const committed = answer({ cairn_node_id: 'n2', cairn_role: 'follower', cairn_leader: 'n1', cairn_commit_index: 5, cairn_members: 'n1,n2,n3,n4', cairn_learners: 'n4' }, []);
  assert.equal(judgeAnswers('n3', [committed], false).kind, 'wait-leader');
  const leaderless = answer({ cairn_node_id: 'n2', cairn_role: 'candidate', cairn_leader: '', cairn_commit_index: 5, cairn_members: 'n1,n2,n3,n4', cairn_learners: 'n4' }, []);
  assert.match(judgeAnswers('n3', [leaderless]).reason, /n2 has committed up to index 5 and counts n3 as a voter, but no leader answered/);
  assert.equal(judgeAnswers('n4', [leaderless]).kind, 'start', 'a learner: no configuration counts its vote');
  assert.equal(judgeAnswers('n5', [leaderless]).kind, 'start', 'a new id');
});
