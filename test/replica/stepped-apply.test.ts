// Entries applied in steps (a long script): a 3-node cluster keeps its leader while every replica
// spends far longer than an election timeout in one entry, entries committed meanwhile are applied
// after it in order, reads wait for it, and no snapshot is taken of a half-applied entry.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import type { Reply } from '../../src/lib/reply.js';
import { decodeEntry } from '../../src/kv/entry.js';
import { KvMachine } from '../../src/replica/kv-machine.js';
import type { PendingApply, Steps } from '../../src/replica/ports.js';
import { get, Harness, set } from './harness.js';

const SLOW_STEPS = 200;

/** A kv machine that applies `SET slow <v>` over SLOW_STEPS steps (5 ms of simulated time each), counting steps in `progress`. */
class SlowMachine extends KvMachine {
  progress = 0;
  applyingSlow = false;
  readonly appliedOrder: string[] = [];
  snapshotsWhileApplying = 0;

  override snapshotSteps(): Steps<Uint8Array> {
    if (this.applyingSlow) this.snapshotsWhileApplying++;
    return super.snapshotSteps();
  }

  override apply(data: Uint8Array, index: number): Reply[] | PendingApply {
    const entry = decodeEntry(data);
    const key = Buffer.from(entry.commands[0]?.[1] ?? new Uint8Array(0)).toString('latin1');
    this.appliedOrder.push(key);
    if (key !== 'slow') return super.apply(data, index);
    this.applyingSlow = true;
    this.progress = 0;
    return {
      pending: {
        step: (): Reply[] | null => {
          if (++this.progress < SLOW_STEPS) return null;
          this.applyingSlow = false;
          return super.apply(data, index) as Reply[];
        },
      },
    };
  }
}

test('a replica applying one entry in steps keeps its leader, holds later entries in order, and reads wait for it', async () => {
  const machines = new Map<string, SlowMachine>();
  let started: SlowMachine | undefined;
  const h = new Harness(['n1', 'n2', 'n3'], { snapshotEveryEntries: 1000 }, () => (started = new SlowMachine()));
  for (const id of h.ids) {
    await h.start(id);
    assert.ok(started !== undefined);
    machines.set(id, started);
  }
  // Entries before the slow one, so a compaction asked for while it is applied has something to compact.
  for (let i = 0; i < 5; i++) await h.until(h.leader().then((leader) => leader.propose(set(`k${i}`, 'v'))));
  const leader = await h.leader();
  const term = leader.status().term;
  const slow = leader.propose(set('slow', 'done'));
  // Wait until the leader is inside the slow entry, then propose behind it.
  await h.scheduler.runUntil(Infinity, () => (machines.get(leader.id) as SlowMachine).progress > 10, 100_000);
  assert.notEqual(leader.applyingSinceMs(), null, 'the leader reports the entry it is applying');
  const after = leader.propose(set('after', 'x'));
  const read = leader.read(get('after'));
  const compacted = leader.compactNow();
  const [slowReplies, , afterRead, compactedAt] = await h.until(Promise.all([slow, after, read, compacted]));
  assert.deepEqual(slowReplies, [{ type: 'simple', value: 'OK' }]);
  assert.equal(afterRead, 'x', 'the read waited for the entries behind the slow one');
  // 200 steps of 5 ms = 1 s of simulated time, ten election timeouts (10 ticks of 10 ms).
  assert.equal(leader.status().role, 'leader', 'heartbeats went on during the slow entry');
  assert.equal(leader.status().term, term, 'no election happened');
  for (const [id, machine] of machines) {
    await h.scheduler.runUntil(Infinity, () => machine.appliedOrder.includes('after'), 100_000);
    const order = machine.appliedOrder.filter((key) => key === 'slow' || key === 'after');
    assert.deepEqual(order, ['slow', 'after'], `${id} applied in log order`);
    assert.equal(h.replicas.get(id)?.applyingSinceMs(), null);
  }
  assert.ok(compactedAt > 0, 'compactNow() during the slow entry compacted once it was applied');
  for (const machine of machines.values()) assert.equal(machine.snapshotsWhileApplying, 0, 'no snapshot of a half-applied entry');
});
