// Randomized runs of the core over a hostile in-test network (loss, duplication, reordering,
// partitions, crashes with restart, compaction, leadership transfer, membership changes), checking Election Safety and State Machine Safety
// after every step, durability of committed entries, and liveness once the network heals.
// The simulator (src/sim/) does this at scale with real storage; this keeps the core honest alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from './harness.js';
import { Prng } from '../../src/lib/prng.js';

const SEEDS = Number(process.env.RAFT_STRESS_SEEDS ?? 60);
const STEPS = 1500;
const stats = { committed: 0, terms: 0, changes: 0, reads: 0 };

function run(seed: number): void {
  const prng = new Prng(seed);
  const ids = prng.chance(0.5) ? ['a', 'b', 'c'] : ['a', 'b', 'c', 'd', 'e'];
  const c = new Cluster(ids, { seed, config: { maxBatchEntries: prng.int(1, 8), maxInflightMessages: prng.int(1, 8), snapshotChunkBytes: prng.int(8, 200) } });
  const committed = new Map<number, string>(); // index -> value seen applied anywhere
  let proposals = 0;
  const tickWeights = ids.map(() => prng.pick([1, 1, 1, 0.1]));
  // Half the seeds hold Readies outstanding for a while, as an async driver awaiting fsync does,
  // so steps and ticks arrive between ready() and advance().
  if (prng.chance(0.5)) c.holdReady = () => prng.chance(0.4);
  const readFloors = new Map<string, number>(); // requestId -> highest commit index anywhere when issued
  for (let step = 0; step < STEPS; step++) {
    const roll = prng.next();
    if (roll < 0.45 && c.queue.length > 0) {
      // Deliver one random message; sometimes lose it, sometimes duplicate it.
      const i = prng.int(0, c.queue.length - 1);
      const m = c.queue[i]!;
      const duplicate = prng.chance(0.1);
      if (!duplicate) c.queue.splice(i, 1);
      if (!prng.chance(0.1)) deliverOne(c, m);
    } else if (roll < 0.7) {
      // Ticks: some nodes run slow (a paused process, a drifting clock), so a deposed leader may
      // believe in itself for a long time; nothing but a lease may depend on timing.
      const id = pickWeighted(prng, ids, tickWeights);
      if (!c.down.has(id)) c.node(id).tick();
    } else if (roll < 0.85) {
      const leader = c.leader();
      if (leader !== null) c.node(leader).propose(new TextEncoder().encode(`p${proposals++}`));
    } else if (roll < 0.88) {
      c.heal();
      if (prng.chance(0.6)) c.isolate(prng.pick(ids));
    } else if (roll < 0.9) {
      const id = prng.pick(ids);
      if (c.down.has(id)) c.start(id);
      else if ([...c.down].length === 0) c.crash(id);
    } else if (roll < 0.91) {
      const id = prng.pick(ids);
      if (!c.down.has(id) && c.node(id).status().appliedIndex > c.node(id).status().snapshotIndex) c.compact(id);
    } else if (roll < 0.97) {
      const id = prng.pick(ids);
      // Linearizable reads: the read index must cover every entry committed before the read began.
      if (!c.down.has(id) && c.node(id).readIndex(`r${step}`).accepted) readFloors.set(`r${step}`, maxCommitIndex(c));
    } else if (roll < 0.975) {
      const leader = c.leader();
      if (leader !== null) c.node(leader).transferLeadership(prng.pick(ids));
    } else if (roll < 0.98) {
      // Membership: remove a node, add it back as a learner, promote it (one change at a time).
      const leader = c.leader();
      if (leader !== null) {
        const id = prng.pick(ids);
        const m = c.node(leader).status().membership;
        const change = m.learners.includes(id) ? { type: 'promoteLearner' as const, nodeId: id }
          : m.voters.includes(id) ? { type: 'removeNode' as const, nodeId: id }
          : { type: 'addLearner' as const, nodeId: id };
        if (c.node(leader).proposeConfChange(change).accepted) stats.changes++;
      }
    }
    if (c.queue.length > 2000) c.queue.splice(0, c.queue.length - 2000);
    c.processReadies();
    recordCommitted(c, committed);
    checkReads(c, readFloors, seed);
  }
  // Heal everything: a leader must emerge and commit new entries within a bounded time.
  c.heal();
  c.holdReady = null;
  for (const id of ids) if (c.down.has(id)) c.start(id);
  let leader: string;
  try {
    leader = c.electLeader(300);
  } catch (error) {
    for (const id of ids) console.log(JSON.stringify({ ...c.node(id).status(), peers: undefined }));
    throw error;
  }
  // Bring every node back as a voter (the final checks expect all of them to apply).
  for (let round = 0; round < 20; round++) {
    const m = c.node(leader).status().membership;
    const missing = ids.find((id) => !m.voters.includes(id));
    if (missing === undefined) break;
    const change = m.learners.includes(missing) ? { type: 'promoteLearner' as const, nodeId: missing } : { type: 'addLearner' as const, nodeId: missing };
    c.node(leader).proposeConfChange(change);
    c.tick(12);
    leader = c.electLeader(300);
  }
  // An accepted proposal may still be lost if leadership changes (a transfer or a membership change
  // may be in flight): retry until it is applied everywhere, within a bounded number of attempts.
  const appliedEverywhere = (): boolean => ids.every((id) => c.values(id).includes('final'));
  for (let attempt = 0; attempt < 10 && !appliedEverywhere(); attempt++) {
    for (let t = 0; t < 300; t++) {
      const current = c.leader();
      if (current !== null && c.node(current).propose(new TextEncoder().encode('final')).accepted) break;
      c.tick();
    }
    c.tick(30);
  }
  recordCommitted(c, committed);
  stats.committed += committed.size;
  stats.terms += c.node(leader).status().term;
  for (const id of ids) {
    assert.ok(c.values(id).includes('final'), `seed ${seed}: ${id} did not apply the final entry`);
  }
  // Durability: every entry applied anywhere during the run is in every node's final state.
  for (const id of ids) {
    const applied = c.applied.get(id)!;
    for (const [index, value] of committed) {
      const entry = applied[index - 1];
      assert.ok(entry !== undefined, `seed ${seed}: ${id} lost index ${index}`);
      assert.equal(new TextDecoder().decode(entry.data), value, `seed ${seed}: ${id} index ${index}`);
    }
  }
}

function deliverOne(c: Cluster, m: Parameters<Cluster['queue']['push']>[0]): void {
  // Reuse the cluster's link rules by queueing it alone.
  const rest = c.queue;
  c.queue = [m];
  c.deliverQueued();
  c.queue = [...rest, ...c.queue];
}

function pickWeighted(prng: Prng, ids: string[], weights: number[]): string {
  const total = weights.reduce((a, b) => a + b, 0);
  let x = prng.next() * total;
  for (let i = 0; i < ids.length; i++) {
    x -= weights[i]!;
    if (x < 0) return ids[i]!;
  }
  return ids[ids.length - 1]!;
}

function maxCommitIndex(c: Cluster): number {
  let max = 0;
  for (const id of c.ids) if (!c.down.has(id)) max = Math.max(max, c.node(id).status().commitIndex);
  return max;
}

function checkReads(c: Cluster, floors: Map<string, number>, seed: number): void {
  for (const [id, states] of c.readStates) {
    for (const state of states) {
      const floor = floors.get(state.requestId);
      if (floor === undefined || state.index < 0) continue;
      assert.ok(state.index >= floor, `seed ${seed}: ${id} read ${state.requestId} at ${state.index} misses commits up to ${floor}`);
      stats.reads++;
    }
    states.length = 0;
  }
}

function recordCommitted(c: Cluster, committed: Map<number, string>): void {
  for (const [, entries] of c.applied) {
    for (const e of entries) if (!committed.has(e.index)) committed.set(e.index, new TextDecoder().decode(e.data));
  }
}

test(`random faults over ${SEEDS} seeds: election safety, state machine safety, durability, liveness`, () => {
  const first = Number(process.env.RAFT_STRESS_FROM ?? 1);
  for (let seed = first; seed < first + SEEDS; seed++) {
    try {
      run(seed);
    } catch (error) {
      throw new Error(`seed ${seed} failed: ${(error as Error).message}`, { cause: error });
    }
  }
  // The runs must exercise something: many commits and many elections.
  assert.ok(stats.committed > SEEDS * 10, `only ${stats.committed} entries committed`);
  assert.ok(stats.terms > SEEDS * 2, `only ${stats.terms} terms in total`);
  console.log(`# stress: ${stats.committed} entries committed, ${stats.terms} terms, ${stats.changes} membership changes, ${stats.reads} reads checked over ${SEEDS} seeds`);
});
