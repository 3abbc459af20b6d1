// Liveness drills and the term rule (src/sim/liveness-drills.ts, invariants.ts durableTermRaised).
// Two bugs passed 1,000 chaos seeds because the chaos's own jitter hid them: an election timeout
// that is not random (the nodes' timers never line up under random latencies) and a pre-candidate
// that raises its durable term (a disruption the chaos heals from, so no safety check trips). These
// runs take the jitter away or watch for the disruption itself; the term rule runs in every run.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RaftNode } from '../../src/raft/node.js';
import type { RaftNodeApi, Ready } from '../../src/raft/types.js';
import type { KvMachine } from '../../src/replica/kv-machine.js';
import { firstElectionBoundMs, isolatedFollowerDrill, simultaneousStartDrill } from '../../src/sim/liveness-drills.js';
import { DEFAULT_RUN, runSeed } from '../../src/sim/run.js';
import type { SimSetup } from '../../src/sim/run.js';
import { PRODUCTION_SETUP } from '../../src/sim/setup.js';

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

function failure(seed: number, nodeCount: number, violation: string, trace: readonly string[]): string {
  return `SEED=${seed} nodes=${nodeCount}: ${violation}\n${trace.slice(-60).join('\n')}`;
}

test('a jitter-free simultaneous start, and a simultaneous restart of the whole cluster, elect a leader within the bound', async () => {
  for (const nodeCount of [3, 5]) {
    for (const seed of SEEDS) {
      const options = { ...DEFAULT_RUN, seed, nodeCount };
      const result = await simultaneousStartDrill(PRODUCTION_SETUP, options);
      if (result.violation !== undefined) assert.fail(failure(seed, nodeCount, result.violation, result.trace));
      assert.equal(result.electedAfterMs.length, 2, 'both the start and the restart elected a leader');
      for (const ms of result.electedAfterMs) assert.ok(ms <= firstElectionBoundMs(options));
    }
  }
});

test('a follower cut off for many election timeouts rejoins without deposing the leader or raising the term (PreVote)', async () => {
  for (const nodeCount of [3, 5]) {
    for (const seed of SEEDS.slice(0, 4)) {
      const result = await isolatedFollowerDrill(PRODUCTION_SETUP, { ...DEFAULT_RUN, seed, nodeCount });
      if (result.violation !== undefined) assert.fail(failure(seed, nodeCount, result.violation, result.trace));
    }
  }
});

/** A core whose handed-out hard state claims one term more than it holds, once, at its first vote. */
function inflatingTerm(node: RaftNodeApi): RaftNodeApi {
  let inflated = false;
  return new Proxy(node, {
    get(target, property, receiver) {
      if (property === 'ready') {
        return (): Ready => {
          const ready = target.ready();
          if (!inflated && ready.hardState !== null && ready.hardState.votedFor !== null) {
            inflated = true;
            ready.hardState = { ...ready.hardState, term: ready.hardState.term + 1, votedFor: null };
          }
          return ready;
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

test('the term rule catches a durable term raised for no reason', async () => {
  const setup: SimSetup<KvMachine> = { ...PRODUCTION_SETUP, createNode: (config, persisted) => inflatingTerm(new RaftNode(config, persisted)) };
  const result = await runSeed(setup, { ...DEFAULT_RUN, seed: 1 });
  assert.match(result.violation ?? '', /Term rule/);
});
