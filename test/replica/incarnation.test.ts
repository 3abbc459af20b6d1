// The replica gives a data directory its incarnation: a blank directory gets a new one, durably,
// before the node can send anything; a restart keeps it; a directory written before incarnations
// (hard state format 1) gets one on its first start with this build and keeps its term and vote;
// a wiped directory under the same id gets a different one. Also: the peer map survives a restart.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../src/lib/prng.js';
import { RaftNode } from '../../src/raft/node.js';
import type { Message } from '../../src/raft/types.js';
import { KvMachine } from '../../src/replica/kv-machine.js';
import { RaftStorage } from '../../src/replica/raft-storage.js';
import { Replica } from '../../src/replica/replica.js';
import { SimClock } from '../../src/sim/clock.js';
import { SimDisk } from '../../src/sim/disk.js';
import { SimNetwork } from '../../src/sim/network.js';
import { Scheduler } from '../../src/sim/scheduler.js';
import { Trace } from '../../src/sim/trace.js';
import { loadHardState, saveHardStateDurably } from '../../src/storage/hard-state.js';

class World {
  readonly scheduler = new Scheduler();
  readonly network = new SimNetwork<Message>(this.scheduler, new Prng(5), new Trace(10), (m) => m.type);
  readonly disks = new Map<string, SimDisk>();
  private readonly prng = new Prng(3);

  constructor(readonly ids: string[]) {
    for (const id of ids) this.wipe(id);
  }

  wipe(id: string): void {
    this.disks.set(id, new SimDisk(this.scheduler, new Prng(this.prng.nextUint32())));
  }

  async until<T>(promise: Promise<T>): Promise<T> {
    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    promise.then((value) => (outcome = { ok: true, value }), (error: unknown) => (outcome = { ok: false, error }));
    await this.scheduler.runUntil(Infinity, () => outcome !== undefined, 200_000);
    assert.ok(outcome !== undefined, 'never settled');
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  async start(id: string, newIncarnation?: () => string): Promise<Replica<KvMachine>> {
    const disk = this.disks.get(id) as SimDisk;
    return this.until((async () => {
      const storage = await RaftStorage.open(disk, `/${id}`);
      return Replica.start(
        {
          id, initialVoters: this.ids, tickMs: 10, raft: { electionTimeoutTicks: 10, heartbeatIntervalTicks: 2 },
          prng: new Prng(this.prng.nextUint32()), maxPendingProposals: 8, maxPendingReads: 8, requestTimeoutMs: 1_000,
          snapshotEveryEntries: 1_000, ...(newIncarnation === undefined ? {} : { newIncarnation }),
        },
        { clock: new SimClock(this.scheduler, id), transport: this.network.attach(id), storage, createNode: (config, persisted) => new RaftNode(config, persisted) },
        new KvMachine(),
      );
    })());
  }

  async runUntil(done: () => boolean): Promise<void> {
    await this.scheduler.runUntil(Infinity, done, 200_000);
    assert.ok(done(), 'condition not reached');
  }
}

test('a blank directory gets an incarnation at its first start, durably; a restart keeps it; a wipe makes a new one', async () => {
  const w = new World(['n1']);
  const first = await w.start('n1', () => '00000000000000a1');
  assert.equal(first.status().incarnation, '00000000000000a1');
  assert.equal((await w.until(loadHardState(w.disks.get('n1')!, '/n1'))).incarnation, '00000000000000a1');
  await w.until(first.close());
  const again = await w.start('n1', () => '00000000000000a2');
  assert.equal(again.status().incarnation, '00000000000000a1', 'kept across a restart');
  await w.until(again.close());
  w.wipe('n1');
  const wiped = await w.start('n1');
  assert.notEqual(wiped.status().incarnation, '00000000000000a1');
  await w.until(wiped.close());
});

test('a directory from before incarnations keeps its term and vote and gets an incarnation on its first start', async () => {
  const w = new World(['n1']);
  const first = await w.start('n1');
  const term = first.status().term;
  await w.until(first.close());
  // Rewrite the hard state as the previous build knew it: no incarnation, no peers.
  const disk = w.disks.get('n1')!;
  const old = await w.until(loadHardState(disk, '/n1'));
  await w.until(saveHardStateDurably(disk, '/n1', { term: old.term, votedFor: old.votedFor, commitIndex: old.commitIndex }));
  const upgraded = await w.start('n1', () => '00000000000000b1');
  assert.equal(upgraded.status().incarnation, '00000000000000b1');
  assert.ok(upgraded.status().term >= term);
  const saved = await w.until(loadHardState(disk, '/n1'));
  assert.equal(saved.incarnation, '00000000000000b1');
  await w.until(upgraded.close());
});

test('the peers\' incarnations are persisted and reloaded with the hard state', async () => {
  const w = new World(['n1', 'n2', 'n3']);
  const replicas = await Promise.all(w.ids.map((id, i) => w.start(id, () => `00000000000000c${i + 1}`)));
  await w.runUntil(() => replicas.some((r) => r.status().role === 'leader'));
  const leader = replicas.find((r) => r.status().role === 'leader')!;
  await w.until(leader.propose(new Uint8Array(0)).catch(() => []));
  // Every member heard of every other (first-hand, or from the leader) within a few election timeouts.
  await w.scheduler.runUntil(w.scheduler.nowMs() + 1_000, () => false, 200_000);
  for (const r of replicas) await w.until(r.close());
  for (const id of w.ids) {
    const peers = (await w.until(loadHardState(w.disks.get(id)!, `/${id}`))).peerIncarnations ?? [];
    const expected = w.ids.filter((other) => other !== id).map((other) => `${other}=00000000000000c${w.ids.indexOf(other) + 1}`);
    assert.deepEqual(peers.map((p) => `${p.id}=${p.incarnation}`), expected, `${id}'s map`);
  }
  const restarted = await w.start('n2');
  assert.equal(restarted.status().incarnation, '00000000000000c2');
  await w.until(restarted.close());
});
