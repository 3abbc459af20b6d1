// The simulator must catch broken parts. Each test wires a deliberately broken piece in the test
// (never a switch in src/): a network that forges votes, a state machine that diverges on one
// replica, a disk whose fsync lies. Each must be caught within a small seed budget, with the seed
// and a trace.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Disk } from '../../src/io/disk.js';
import type { Reply } from '../../src/lib/reply.js';
import { RaftNode } from '../../src/raft/node.js';
import type { Message, RaftNodeApi, Ready } from '../../src/raft/types.js';
import { KvMachine } from '../../src/replica/kv-machine.js';
import type { PendingApply } from '../../src/replica/ports.js';
import { RaftStorage } from '../../src/replica/raft-storage.js';
import { KV_MODEL } from '../../src/sim/kv-model.js';
import { DEFAULT_RUN, runSeed } from '../../src/sim/run.js';
import type { RunResult, SimSetup } from '../../src/sim/run.js';
import { PRODUCTION_SETUP } from '../../src/sim/setup.js';
import { withFileSync } from '../support/sim-helpers.js';

async function firstFailure<S extends KvMachine>(setup: SimSetup<S>, maxSeeds: number): Promise<RunResult | undefined> {
  for (let seed = 1; seed <= maxSeeds; seed++) {
    const result = await runSeed(setup, { ...DEFAULT_RUN, seed });
    if (!result.ok) return result;
  }
  return undefined;
}

function assertCaught(result: RunResult | undefined, pattern: RegExp): void {
  assert.ok(result !== undefined, 'the broken part was not caught');
  assert.match(result.violation ?? '', pattern);
  assert.ok(result.trace.length > 10, 'a failure comes with a trace');
  assert.ok(result.trace.some((line) => line.includes('VIOLATION')), 'the trace ends at the violation');
}

/** Wraps a node so every vote response it sends says "granted": a network that forges votes. */
function forgingVotes(node: RaftNodeApi): RaftNodeApi {
  return new Proxy(node, {
    get(target, property, receiver) {
      if (property === 'ready') {
        return (): Ready => {
          const ready = target.ready();
          ready.messages = ready.messages.map((m: Message) => (m.type === 'voteResponse' ? { ...m, granted: true } : m));
          return ready;
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

test('a network that forges granted votes is caught (Election Safety)', async () => {
  const setup: SimSetup<KvMachine> = { ...PRODUCTION_SETUP, createNode: (config, persisted) => forgingVotes(new RaftNode(config, persisted)) };
  assertCaught(await firstFailure(setup, 50), /Election Safety|Leader Completeness|Log Matching|State Machine Safety|linearizability|election safety/);
});

/** A state machine whose INCRBY adds one extra on every third replica process created. */
class DivergingMachine extends KvMachine {
  constructor(private readonly broken: boolean) {
    super();
  }

  override apply(data: Uint8Array, index: number): Reply[] | PendingApply {
    const replies = super.apply(data, index);
    if (this.broken && KV_MODEL.describe(data).startsWith('INCRBY')) super.apply(data, index);
    return replies;
  }
}

test('a state machine that diverges on one replica is caught', async () => {
  let created = 0;
  const setup: SimSetup<DivergingMachine> = {
    ...PRODUCTION_SETUP,
    model: { ...KV_MODEL, createStateMachine: () => new DivergingMachine(++created % 3 === 0) },
  } as SimSetup<DivergingMachine>;
  assertCaught(await firstFailure(setup, 50), /State Machine Safety|linearizability/);
});

/** A disk whose fsync of log segments returns at once without making anything durable. */
function lyingDisk(disk: Disk): Disk {
  return withFileSync(disk, (file) => (file.path.includes('/log/') ? Promise.resolve() : file.sync()));
}

test('a disk whose log fsync lies is caught once a crash drops what it claimed was durable', async () => {
  const setup: SimSetup<KvMachine> = { ...PRODUCTION_SETUP, openStorage: (disk, dir) => RaftStorage.open(lyingDisk(disk), dir, { segmentBytesMax: 4096 }) };
  assertCaught(await firstFailure(setup, 50), /durability/);
});

/** A leader that answers ReadIndex at once from its own commit index, without a heartbeat round. */
function unconfirmedReads(node: RaftNodeApi): RaftNodeApi {
  const answered: string[] = [];
  return new Proxy(node, {
    get(target, property, receiver) {
      if (property === 'readIndex') {
        return (requestId: string) => {
          if (target.status().role !== 'leader') return target.readIndex(requestId);
          answered.push(requestId);
          return { accepted: true };
        };
      }
      if (property === 'hasReady') return () => answered.length > 0 || target.hasReady();
      if (property === 'ready') {
        return (): Ready => {
          const ready = target.ready();
          const index = target.status().commitIndex;
          for (const requestId of answered.splice(0)) ready.readStates.push({ requestId, index });
          return ready;
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

test('reads answered without confirming leadership are caught (linearizability)', async () => {
  const setup: SimSetup<KvMachine> = { ...PRODUCTION_SETUP, createNode: (config, persisted) => unconfirmedReads(new RaftNode(config, persisted)) };
  assertCaught(await firstFailure(setup, 100), /linearizability/);
});
