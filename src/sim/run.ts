// One simulated run from one seed: start N replicas over a simulated network, disk and clock, run
// a client workload under faults, check the safety invariants after every event, then heal a
// quorum and demand progress, convergence and a linearizable history. Every random choice comes
// from the seed, so `npm run sim -- --seed N` replays the run exactly.

import type { Prng } from '../lib/prng.js';
import type { Disk } from '../io/disk.js';
import { checkHistory } from '../check/checker.js';
import type { PersistedState, RaftConfig, RaftNodeApi } from '../raft/types.js';
import type { ReplicaStorage, StateMachine } from '../replica/ports.js';
import type { ReplicaOptions } from '../replica/replica.js';
import { DEFAULT_FAULTS } from './faults.js';
import type { FaultOptions } from './faults.js';
import type { MembershipOptions } from './membership.js';
import type { SimModel } from './model.js';
import type { WorkloadOptions } from './workload.js';
import { SimWorld } from './world.js';
import { errorStack } from '../lib/errors.js';

export interface SimSetup<S extends StateMachine> {
  model: SimModel<S>;
  createNode(config: RaftConfig, persisted: PersistedState): RaftNodeApi;
  openStorage(disk: Disk, dir: string): Promise<ReplicaStorage>;
}

export interface RunOptions {
  seed: number;
  /** 3 or 5; chosen from the seed when absent. */
  nodeCount?: number;
  /** Simulated ms of faults before the heal. */
  chaosMs: number;
  /** After the heal, a write must be acknowledged within this many simulated ms. */
  livenessMs: number;
  /** After the workload stops, the quorum must apply everything committed within this many ms. */
  convergeMs: number;
  traceLines: number;
  /** Return the trace even when the run passes (`--trace`). */
  alwaysTrace?: boolean;
  faults: FaultOptions;
  /** Change membership during the chaos (spare nodes, learners, promotions, removals); off when absent. */
  membership?: MembershipOptions;
  workload: WorkloadOptions;
  replica: Omit<ReplicaOptions, 'id' | 'initialVoters' | 'prng'>;
}

export interface RunStats {
  nodes: number;
  simMs: number;
  events: number;
  opsInvoked: number;
  writesAcked: number;
  readsOk: number;
  faults: number;
  crashes: number;
  committedIndex: number;
  leaders: number;
  compactions: number;
  snapshotsInstalled: number;
  messagesSent: number;
  /** Membership changes that committed and were applied on the leader that proposed them. */
  confChangesApplied: number;
  /** Nodes that left the cluster and had their storage wiped. */
  retirements: number;
  /** Starts of a wiped node under a used id that a peer refused for its incarnation (--reuse-ids). */
  refusals: number;
  linearizability: string;
}

export interface RunResult {
  seed: number;
  ok: boolean;
  violation?: string;
  /** The recent events before the end (printed when the run fails). */
  trace: string[];
  stats: RunStats;
}

export const DEFAULT_RUN: Omit<RunOptions, 'seed'> = {
  chaosMs: 2_000,
  livenessMs: 4_000,
  convergeMs: 3_000,
  traceLines: 400,
  faults: DEFAULT_FAULTS,
  workload: { clients: 4, keys: ['a', 'b', 'c'], opTimeoutMs: 200, thinkMinMs: 2, thinkMaxMs: 30, maxOpsPerClient: 400 },
  replica: {
    tickMs: 10,
    raft: { electionTimeoutTicks: 10, heartbeatIntervalTicks: 2, maxBatchEntries: 64, maxInflightMessages: 64, snapshotChunkBytes: 512 },
    maxPendingProposals: 256,
    maxPendingReads: 256,
    requestTimeoutMs: 1_000,
    snapshotEveryEntries: 40,
    // A few keys per step, so a snapshot's steps interleave with messages, ticks and crashes.
    snapshotStepKeys: 1,
  },
};

const EVENTS_PER_PHASE_MAX = 3_000_000;

export async function runSeed<S extends StateMachine>(setup: SimSetup<S>, options: RunOptions): Promise<RunResult> {
  const world = new SimWorld(setup, options);
  world.start();
  await runPhase(world, options.chaosMs, () => world.failed(), 'chaos');
  if (world.failed()) return world.result();
  const quorum = await healAndDemandProgress(world, options);
  if (world.failed()) return world.result();
  await demandConvergence(world, quorum, options);
  if (world.failed()) return world.result();
  return world.result(checkLinearizable(world));
}

/**
 * Heals a random quorum (with membership changes: every voter that may be in force); a write invoked
 * after the heal must then be acknowledged in bounded time.
 */
async function healAndDemandProgress<S extends StateMachine>(world: SimWorld<S>, options: RunOptions): Promise<string[]> {
  const { cluster, scheduler, workload } = world;
  world.membership?.stop();
  const quorum = world.membership === undefined ? pickQuorum(cluster.ids, world.healPrng) : membershipHealSet(world);
  world.faults.heal(quorum);
  const healedAtMs = scheduler.nowMs();
  const progressed = (): boolean => workload.lastWriteAckMs > healedAtMs && quorum.some((id) => cluster.replica(id)?.status().role === 'leader');
  await runPhase(world, healedAtMs + options.livenessMs, () => world.failed() || progressed(), 'liveness');
  if (!world.failed() && !progressed()) {
    world.checker.fail(`liveness: no write acknowledged within ${options.livenessMs}ms after healing quorum ${quorum.join(',')}`);
  }
  return quorum;
}

/** Stops the clients; the quorum must apply everything ever committed, and agree on it. */
async function demandConvergence<S extends StateMachine>(world: SimWorld<S>, quorum: readonly string[], options: RunOptions): Promise<void> {
  const { cluster, checker, scheduler } = world;
  world.workload.stop();
  // With membership changes, a quorum node the final configuration removed receives nothing more.
  const required = (): string[] => {
    if (world.membership === undefined) return [...quorum];
    const { voters, learners } = checker.committedMembership();
    return quorum.filter((id) => voters.includes(id) || learners.includes(id));
  };
  const converged = (): boolean => required().every((id) => (cluster.replica(id)?.appliedUpTo() ?? -1) >= checker.maxCommittedIndex());
  await runPhase(world, scheduler.nowMs() + options.convergeMs, () => world.failed() || converged(), 'convergence');
  if (world.failed()) return;
  if (!converged()) {
    const applied = required().map((id) => `${id}:${cluster.replica(id)?.appliedUpTo() ?? 'down'}`).join(' ');
    checker.fail(`durability: the healed quorum did not apply committed index ${checker.maxCommittedIndex()} within ${options.convergeMs}ms (${applied})`);
    return;
  }
  world.sweep(true);
}

/** The clients' history must be linearizable; returns the verdict for the statistics. */
function checkLinearizable<S extends StateMachine>(world: SimWorld<S>): string {
  const result = checkHistory(world.recorder.history(), { maxStates: 200_000 });
  if (result.verdict === 'illegal') {
    const window = (result.failure?.window ?? []).map((op) => JSON.stringify(op)).join('\n          ');
    world.checker.fail(`linearizability: ${result.failure?.explanation ?? 'illegal history'}\n  window: ${window}`);
  }
  return `${result.verdict} (${result.stats.operations} ops, ${result.stats.statesExplored} states)`;
}

async function runPhase<S extends StateMachine>(world: SimWorld<S>, untilMs: number, stop: () => boolean, phase: string): Promise<void> {
  try {
    const fired = await world.scheduler.runUntil(untilMs, stop, EVENTS_PER_PHASE_MAX);
    if (fired >= EVENTS_PER_PHASE_MAX) world.checker.fail(`the ${phase} phase ran ${fired} events without finishing (runaway message or timer loop)`);
  } catch (error) {
    // Whatever escaped an event (an assertion in code the replica does not guard) is a finding too.
    world.checker.fail(`uncaught error in the ${phase} phase: ${errorStack(error)}`);
  }
}

/**
 * With membership changes the configuration in force may be the latest committed one or a change
 * still in flight, so the heal starts and connects every voter of each configuration that might yet
 * take over. A random majority is not enough there: a voter promoted by a committed change it has not
 * received yet thinks it is a learner and never campaigns, and the other voters' logs may all be
 * behind a learner's, so a majority can be up and connected and still elect no one (seed 5573 of the
 * first soak; Raft's own availability gap, closed only when the missing voter comes back).
 */
function membershipHealSet<S extends StateMachine>(world: SimWorld<S>): string[] {
  const memberships = world.checker.possibleMemberships();
  // A leader's newest change may not be durable anywhere yet.
  for (const id of world.cluster.upIds()) {
    const status = world.cluster.replica(id)?.status();
    if (status?.role === 'leader') memberships.push(status.membership);
  }
  const voters = new Set(memberships.flatMap((membership) => membership.voters));
  // A retired node is never a voter of a configuration that can take over (it left the committed one).
  return [...voters].filter((id) => !world.cluster.node(id).retired).sort();
}

function pickQuorum(ids: readonly string[], prng: Prng): string[] {
  const size = prng.int(Math.floor(ids.length / 2) + 1, ids.length);
  return shuffleInPlace([...ids], prng).slice(0, size).sort();
}

function shuffleInPlace(items: string[], prng: Prng): string[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = prng.int(0, i);
    [items[i], items[j]] = [items[j] as string, items[i] as string];
  }
  return items;
}
