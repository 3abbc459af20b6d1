// The rule a follower settles a relayed write by (server/relay-waiters.ts), on real replicas over
// simulated I/O: a leader appends a relayed entry only in the term it was asked for; a follower
// that applies the tagged entry gets the replies the leader got; and a tagged entry the leader
// appended while cut off is proven lost on the follower as soon as it applies an entry of a later
// term — and indeed it is never applied anywhere.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCairnError } from '../../src/lib/errors.js';
import type { Reply } from '../../src/lib/reply.js';
import { encodeEntry, relayTagOf } from '../../src/kv/entry.js';
import { KvMachine } from '../../src/replica/kv-machine.js';
import type { Replica } from '../../src/replica/replica.js';
import { RelayWaiters, type RelayVerdict } from '../../src/server/relay-waiters.js';
import { b, get, Harness } from './harness.js';

const incr = (tag: Uint8Array): Uint8Array => encodeEntry({ nowMs: 0, commands: [[b('INCR'), b('c')]], relayTag: tag });

function watch(replica: Replica<KvMachine>, waiters: RelayWaiters): void {
  replica.watchApplied({
    applied: (_id, entry, replies) => waiters.applied(entry.term, relayTagOf(entry.data), replies),
    restored: (_id, snapshot) => waiters.restored(snapshot.meta.term),
  });
}

test('a relayed entry: appended only in its term, its replies found in the follower\'s own apply, and proven lost after a later term', async () => {
  const machines = new Map<string, KvMachine>();
  const started: KvMachine[] = [];
  const h = new Harness(['n1', 'n2', 'n3'], {}, () => {
    const machine = new KvMachine();
    started.push(machine);
    return machine;
  });
  for (const id of h.ids) {
    await h.start(id);
    machines.set(id, started[started.length - 1]!);
  }
  const leader = await h.leader();
  const follower = [...h.replicas.values()].find((r) => r !== leader)!;
  const waiters = new RelayWaiters(follower.id, 'boot1');
  watch(follower, waiters);
  const term = leader.status().term;

  // Applied: the follower's verdict holds the very replies the leader answered with.
  const first = waiters.open(term);
  const leaderReplies: Reply[] = await h.until(leader.propose(incr(first.tag), term));
  const verdict: RelayVerdict = await h.until(first.verdict);
  assert.deepEqual(verdict, { kind: 'replies', replies: leaderReplies });
  assert.deepEqual(leaderReplies, [{ type: 'integer', value: 1 }]);

  // Asked for another term: refused before it is appended.
  await assert.rejects(leader.propose(incr(waiters.open(term + 1).tag), term + 1), (e: unknown) => isCairnError(e, 'CAIRN_NOT_LEADER'));

  // Appended by a leader cut off from the others: a new leader's term settles it as lost.
  h.network.isolate(leader.id, h.ids);
  const second = waiters.open(term);
  const stranded = leader.propose(incr(second.tag), term).then(() => 'applied', (e: unknown) => String(e));
  assert.deepEqual(await h.until(second.verdict), { kind: 'lost' });
  assert.ok(follower.status().term > term, 'the follower applied an entry of a later term');
  h.network.heal();
  const outcome = await h.until(stranded);
  assert.notEqual(outcome, 'applied', 'the stranded entry was never applied');
  // Every node, the old leader included, ends with the one INCR that was committed.
  const fresh = await h.leader();
  await h.until(fresh.propose(encodeEntry({ nowMs: 0, commands: [[b('SET'), b('fence'), b('x')]] })));
  for (const replica of h.replicas.values()) {
    await h.scheduler.runUntil(Infinity, () => replica.appliedUpTo() >= fresh.appliedUpTo(), 200_000);
    assert.equal(get('c')(machines.get(replica.id)!), '1', `${replica.id}: INCR applied once`);
  }
  assert.equal(waiters.size, 1, 'only the attempt opened for a refused proposal still waits');
});
