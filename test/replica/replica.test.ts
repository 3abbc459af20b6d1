// The replica driver over simulated I/O with the real Raft core, storage and kv state machine:
// proposals resolve once applied, reads see them, followers redirect, queues are bounded,
// compaction and restart keep the data, close() settles everything.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCairnError } from '../../src/lib/errors.js';
import type { Reply } from '../../src/lib/reply.js';
import { NotLeaderError } from '../../src/replica/errors.js';
import { KvMachine } from '../../src/replica/kv-machine.js';
import { Replica } from '../../src/replica/replica.js';
import { SimDisk } from '../../src/sim/disk.js';
import { get, Harness, set } from './harness.js';

test('a single node proposes, reads its write, and finds it again after a clean restart', async () => {
  const h = new Harness(['n1']);
  const replica = await h.start('n1');
  await h.leader();
  const replies: Reply[] = await h.until(replica.propose(set('k', 'v1')));
  assert.deepEqual(replies, [{ type: 'simple', value: 'OK' }]);
  assert.equal(await h.until(replica.read(get('k'))), 'v1');
  await h.until(replica.close());
  await assert.rejects(replica.propose(set('k', 'v2')), (e: unknown) => isCairnError(e, 'CAIRN_CLOSED'));
  const again = await h.start('n1');
  await h.leader();
  assert.equal(await h.until(again.read(get('k'))), 'v1');
});

test('a one-member replica leads as soon as it starts, after a restart too; a member of three waits for an election', async () => {
  const h = new Harness(['n1']);
  const replica = await h.start('n1');
  assert.equal(replica.status().role, 'leader', 'leading when start() resolves: no election timeout waited for');
  await h.until(replica.propose(set('k', 'v')));
  await h.until(replica.close());
  const again = await h.start('n1');
  assert.equal(again.status().role, 'leader', 'the persisted one-member membership leads at once');
  assert.equal(await h.until(again.read(get('k'))), 'v');
  const three = new Harness(['n1', 'n2', 'n3']);
  const member = await three.start('n1');
  assert.notEqual(member.status().role, 'leader', 'one of three cannot lead alone');
});

test('a follower refuses proposals with the leader as a hint; its reads see the leader\'s writes', async () => {
  const h = new Harness(['n1', 'n2', 'n3']);
  for (const id of h.ids) await h.start(id);
  const leader = await h.leader();
  await h.until(leader.propose(set('x', '42')));
  const follower = [...h.replicas.values()].find((r) => r !== leader) as Replica<KvMachine>;
  await h.scheduler.runUntil(Infinity, () => follower.leaderHint() === leader.id, 10_000);
  await assert.rejects(follower.propose(set('x', '1')), (e: unknown) => e instanceof NotLeaderError && e.leaderId === leader.id);
  assert.equal(await h.until(follower.read(get('x'))), '42');
});

test('pending proposals are bounded: past the limit a proposal is refused with CAIRN_BUSY', async () => {
  const h = new Harness(['n1', 'n2', 'n3'], { maxPendingProposals: 2 });
  for (const id of h.ids) await h.start(id);
  const leader = await h.leader();
  const first = leader.propose(set('a', '1'));
  const second = leader.propose(set('a', '2'));
  await assert.rejects(leader.propose(set('a', '3')), (e: unknown) => isCairnError(e, 'CAIRN_BUSY'));
  await h.until(Promise.all([first, second]));
  assert.equal(await h.until(leader.read(get('a'))), '2');
});

test('the log is compacted into snapshots and a crashed node restarts from snapshot plus log', async () => {
  const h = new Harness(['n1'], { snapshotEveryEntries: 5 });
  const replica = await h.start('n1');
  await h.leader();
  for (let i = 0; i < 23; i++) await h.until(replica.propose(set(`k${i % 4}`, String(i))));
  assert.ok(h.compactions.length >= 3, `compacted ${h.compactions.length} times`);
  (h.disks.get('n1') as SimDisk).crash(true);
  const restarted = await h.start('n1');
  await h.leader();
  assert.equal(await h.until(restarted.read(get('k2'))), '22');
  assert.equal(await h.until(restarted.read(get('k3'))), '19');
});

test('close() rejects what is still pending with CAIRN_CLOSED', async () => {
  const h = new Harness(['n1', 'n2', 'n3']);
  for (const id of h.ids) await h.start(id);
  const leader = await h.leader();
  h.network.isolate(leader.id, h.ids);
  const stuck = leader.propose(set('z', '1'));
  const settled = stuck.then(() => 'resolved', (e: unknown) => (isCairnError(e, 'CAIRN_CLOSED') ? 'closed' : String(e)));
  await h.until(leader.close());
  assert.equal(await settled, 'closed');
});

test('lease reads: a leader paused past the election timeout and resumed cut off does not serve a stale read', async () => {
  const h = new Harness(['n1', 'n2', 'n3'], { raft: { electionTimeoutTicks: 10, heartbeatIntervalTicks: 2, leaseBasedReads: true } });
  for (const id of h.ids) await h.start(id);
  const old = await h.leader();
  await h.until(old.propose(set('x', 'old')));
  assert.equal(await h.until(old.read(get('x'))), 'old');
  // SIGSTOP: the old leader's timers and inbound messages freeze; it is also cut off from the others.
  const pauseMs = 1_000; // 100 ticks, ten election timeouts
  h.clocks.get(old.id)!.pause(pauseMs);
  h.network.pauseDelivery(old.id, h.scheduler.nowMs() + pauseMs);
  h.network.isolate(old.id, h.ids);
  const find = (): Replica<KvMachine> | undefined =>
    [...h.replicas.values()].find((r) => r !== old && r.status().role === 'leader');
  await h.scheduler.runUntil(Infinity, () => find() !== undefined, 200_000);
  const fresh = find()!;
  await h.until(fresh.propose(set('x', 'new')));
  // The old leader's tick timer has not fired since the pause: the read is its first act on resuming.
  const outcome = await h.until(old.read(get('x')).then((v) => `value ${v}`, (e: unknown) => `refused ${String(e)}`));
  assert.ok(outcome.startsWith('refused'), `a cut-off former leader must not answer: ${outcome}`);
});

test('a proposal not applied by its deadline is rejected with CAIRN_TIMEOUT at most one tick late, with no clock timer per request', async () => {
  const requestTimeoutMs = 2_000;
  const tickMs = 10;
  const h = new Harness(['n1', 'n2', 'n3'], { requestTimeoutMs, tickMs });
  for (const id of h.ids) await h.start(id);
  const leader = await h.leader();
  await h.until(leader.propose(set('k', 'before')));
  h.network.isolate(leader.id, h.ids);
  const clock = h.clocks.get(leader.id)!;
  const timersBefore = clock.liveTimers();
  const proposedAtMs = h.scheduler.nowMs();
  const settledAtMs: number[] = [];
  const outcomes = Array.from({ length: 20 }, (_, i) =>
    leader.propose(set('k', String(i))).then(
      () => 'applied',
      (e: unknown) => {
        settledAtMs.push(h.scheduler.nowMs());
        return isCairnError(e, 'CAIRN_TIMEOUT') ? 'timeout' : String(e);
      },
    ),
  );
  assert.equal(clock.liveTimers(), timersBefore, 'twenty pending proposals arm no timer of their own');
  const all = await h.until(Promise.all(outcomes));
  assert.deepEqual(new Set(all), new Set(['timeout']), 'a cut-off leader cannot commit: every outcome is unknown');
  for (const atMs of settledAtMs) {
    assert.ok(atMs >= proposedAtMs + requestTimeoutMs, `timed out at ${atMs - proposedAtMs} ms, before the ${requestTimeoutMs} ms deadline`);
    assert.ok(atMs <= proposedAtMs + requestTimeoutMs + tickMs, `timed out at ${atMs - proposedAtMs} ms, more than one ${tickMs} ms tick late`);
  }
});
