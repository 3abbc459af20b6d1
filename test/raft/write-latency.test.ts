// The shape of one client's write, timed in simulated time (the real Replica over SimDisk and
// SimNetwork, no faults): with a sync of S ms and a one-way delay of D ms, a write is
// acknowledged after the leader's and a follower's persists *overlap* — about S + 2D — because the
// leader sends its appends before it persists them (thesis §10.2.1, `sendsBeforePersisting`).
// Persisting first and then sending takes 2S + 2D.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeEntry } from '../../src/kv/entry.js';
import type { KvMachine } from '../../src/replica/kv-machine.js';
import { DEFAULT_FAULTS } from '../../src/sim/faults.js';
import { DEFAULT_RUN } from '../../src/sim/run.js';
import { PRODUCTION_SETUP } from '../../src/sim/setup.js';
import { SimWorld } from '../../src/sim/world.js';

const NEVER_MS = 1_000_000_000;
const SYNC_MS = 20;
const DELAY_MS = 2;
const WRITES = 20;
const bytes = new TextEncoder();

type World = SimWorld<KvMachine>;

async function runUntil(world: World, what: string, done: () => boolean): Promise<void> {
  const deadlineMs = world.scheduler.nowMs() + 5_000;
  await world.scheduler.runUntil(deadlineMs, () => done() || world.failed(), 1_000_000);
  assert.ok(done(), `${what}: not reached\n${world.trace.lines().slice(-30).join('\n')}`);
}

function leaderOf(world: World): string | undefined {
  return world.cluster.ids.find((id) => world.cluster.replica(id)?.status().role === 'leader');
}

test('a 1-client write takes one persist plus a round trip: the leader persists while its followers do', async () => {
  const world: World = new SimWorld(PRODUCTION_SETUP, {
    ...DEFAULT_RUN,
    seed: 5,
    nodeCount: 3,
    faults: { ...DEFAULT_FAULTS, meanGapMs: NEVER_MS },
    workload: { ...DEFAULT_RUN.workload, clients: 1, maxOpsPerClient: 0 },
  });
  for (const id of world.cluster.ids) {
    world.cluster.node(id).disk.setLatency({ readMinMs: 0, readMaxMs: 0, writeMinMs: 0, writeMaxMs: 0, syncMinMs: SYNC_MS, syncMaxMs: SYNC_MS });
  }
  world.network.setDefaults({ delayMinMs: DELAY_MS, delayMaxMs: DELAY_MS, lossProbability: 0, duplicateProbability: 0 });
  world.start();
  await runUntil(world, 'a leader that committed its no-op', () => {
    const leader = leaderOf(world);
    return leader !== undefined && world.cluster.replica(leader)!.appliedUpTo() >= 1;
  });
  const replica = world.cluster.replica(leaderOf(world)!)!;
  const latenciesMs: number[] = [];
  for (let i = 0; i < WRITES; i++) {
    const data = encodeEntry({ nowMs: 0, commands: [[bytes.encode('SET'), bytes.encode('k'), bytes.encode(String(i))]], watches: [] });
    const startMs = world.scheduler.nowMs();
    let acked = false;
    replica.propose(data).then(() => (acked = true), () => undefined);
    await runUntil(world, `write ${i}`, () => acked);
    latenciesMs.push(world.scheduler.nowMs() - startMs);
  }
  assert.ok(!world.failed(), world.checker.violation);
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const medianMs = sorted[Math.floor(sorted.length / 2)]!;
  // One sync and a round trip, plus the drivers' timer granularity; two syncs would be >= 2 * SYNC_MS.
  assert.ok(medianMs >= SYNC_MS + 2 * DELAY_MS, `median ${medianMs} ms is below a persist and a round trip`);
  assert.ok(medianMs < 2 * SYNC_MS, `median ${medianMs} ms: the leader's persist did not overlap the followers' (latencies ${latenciesMs.join(' ')})`);
});
