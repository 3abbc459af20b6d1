// One simulated run from one seed: start N replicas over a simulated network, disk and clock, run
// a client workload under faults, check the safety invariants after every event, then heal a
// quorum and demand progress, convergence and a linearizable history. Every random choice comes
// from the seed, so `npm run sim -- --seed N` replays the run exactly.

import { Prng } from '../lib/prng.js';
import type { Disk } from '../io/disk.js';
import { HistoryRecorder } from '../check/recorder.js';
import { checkHistory } from '../check/checker.js';
import type { Message, PersistedState, RaftConfig, RaftNodeApi } from '../raft/types.js';
import type { ReplicaStorage, StateMachine } from '../replica/ports.js';
import type { ReplicaOptions } from '../replica/replica.js';
import { SimClock } from './clock.js';
import { SimCluster } from './cluster.js';
import { describeEntry, describeMessage } from './describe.js';
import { DEFAULT_FAULTS, FaultInjector } from './faults.js';
import type { FaultOptions } from './faults.js';
import { InvariantChecker } from './invariants.js';
import type { SimModel } from './model.js';
import { CALM_NETWORK, SimNetwork } from './network.js';
import { Scheduler } from './scheduler.js';
import { Trace } from './trace.js';
import { Workload } from './workload.js';
import type { WorkloadOptions } from './workload.js';

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
  },
};

const SWEEP_EVERY_MS = 10;
const MAX_EVENTS_PER_PHASE = 3_000_000;

export async function runSeed<S extends StateMachine>(setup: SimSetup<S>, options: RunOptions): Promise<RunResult> {
  const root = new Prng(options.seed);
  const scheduler = new Scheduler();
  const trace = new Trace(options.traceLines);
  const network = new SimNetwork<Message>(scheduler, new Prng(root.nextUint32()), trace, describeMessage);
  network.setDefaults(CALM_NETWORK);
  const nodeCount = options.nodeCount ?? (root.chance(0.5) ? 3 : 5);
  const replicaOptions = varyFlowControl(options.replica, root);
  const ids = Array.from({ length: nodeCount }, (_, i) => `n${i + 1}`);
  const checker = new InvariantChecker(trace, () => scheduler.nowMs(), (entry) => describeEntry(entry, setup.model.describe));
  const cluster = new SimCluster(ids, scheduler, network, new Prng(root.nextUint32()), trace, {
    createStateMachine: () => setup.model.createStateMachine(),
    createNode: setup.createNode,
    openStorage: setup.openStorage,
    replicaOptions,
    observer: checker,
  });
  const harnessClock = new SimClock(scheduler, 'harness');
  const recorder = new HistoryRecorder(() => scheduler.nowMs(), options.workload.clients * options.workload.maxOpsPerClient + 16);
  const workload = new Workload(cluster, setup.model, recorder, new Prng(root.nextUint32()), trace, harnessClock, options.workload, (message) => checker.fail(message));
  const faults = new FaultInjector(cluster, network, new Prng(root.nextUint32()), trace, harnessClock, options.faults);
  const healPrng = new Prng(root.nextUint32());

  const failed = (): boolean => {
    if (cluster.startFailure !== undefined && checker.violation === undefined) checker.fail(cluster.startFailure);
    return checker.violation !== undefined;
  };
  const sweep = (): void => {
    sweepCluster(cluster, checker);
    harnessClock.setTimer(SWEEP_EVERY_MS, sweep);
  };
  const raft = replicaOptions.raft;
  trace.add(0, `SEED=${options.seed}: ${nodeCount} nodes, model ${setup.model.name}, batches of ${raft.maxBatchEntries} entries, ${raft.maxInflightMessages} in flight`);
  for (const id of ids) cluster.start(id);
  harnessClock.setTimer(SWEEP_EVERY_MS, sweep);
  workload.start();
  faults.start();
  const stats = (): RunStats => ({
    nodes: nodeCount,
    simMs: scheduler.nowMs(),
    events: scheduler.eventsRun(),
    opsInvoked: workload.opsInvoked,
    writesAcked: workload.writesAcked,
    readsOk: workload.readsOk,
    faults: faults.faultsInjected,
    crashes: ids.reduce((sum, id) => sum + cluster.node(id).crashes, 0),
    committedIndex: checker.maxCommittedIndex(),
    leaders: checker.leadersElected,
    compactions: checker.compactions,
    snapshotsInstalled: checker.snapshotsRestored,
    messagesSent: network.stats.sent,
    linearizability: 'not checked',
  });
  const finish = (linearizability = 'not checked'): RunResult => {
    const s = { ...stats(), linearizability };
    if (checker.violation === undefined) return { seed: options.seed, ok: true, trace: options.alwaysTrace === true ? trace.lines() : [], stats: s };
    return { seed: options.seed, ok: false, violation: checker.violation, trace: trace.lines(), stats: s };
  };

  // Phase 1: chaos.
  await runPhase(scheduler, options.chaosMs, failed, checker, 'chaos');
  if (failed()) return finish();

  // Phase 2: heal a quorum; a write invoked after the heal must be acknowledged in bounded time.
  const quorum = pickQuorum(ids, healPrng);
  faults.heal(quorum);
  const healedAtMs = scheduler.nowMs();
  const progressed = (): boolean => workload.lastWriteAckMs > healedAtMs && hasLeader(cluster, quorum);
  await runPhase(scheduler, healedAtMs + options.livenessMs, () => failed() || progressed(), checker, 'liveness');
  if (failed()) return finish();
  if (!progressed()) {
    checker.fail(`liveness: no write acknowledged within ${options.livenessMs}ms after healing quorum ${quorum.join(',')}`);
    return finish();
  }

  // Phase 3: stop the clients; the quorum must apply everything ever committed and agree on it.
  workload.stop();
  const converged = (): boolean => quorum.every((id) => (cluster.replica(id)?.appliedUpTo() ?? -1) >= checker.maxCommittedIndex());
  const convergeUntilMs = scheduler.nowMs() + options.convergeMs;
  await runPhase(scheduler, convergeUntilMs, () => failed() || converged(), checker, 'convergence');
  if (failed()) return finish();
  if (!converged()) {
    const applied = quorum.map((id) => `${id}:${cluster.replica(id)?.appliedUpTo() ?? 'down'}`).join(' ');
    checker.fail(`durability: the healed quorum did not apply committed index ${checker.maxCommittedIndex()} within ${options.convergeMs}ms (${applied})`);
    return finish();
  }
  sweepCluster(cluster, checker);
  if (failed()) return finish();

  // Finally: the clients' history must be linearizable.
  const result = checkHistory(recorder.history(), { maxStates: 200_000 });
  if (result.verdict === 'illegal') {
    checker.fail(`linearizability: ${result.failure?.explanation ?? 'illegal history'}\n  window: ${(result.failure?.window ?? []).map((op) => JSON.stringify(op)).join('\n          ')}`);
  }
  return finish(`${result.verdict} (${result.stats.operations} ops, ${result.stats.statesExplored} states)`);
}

async function runPhase(scheduler: Scheduler, untilMs: number, stop: () => boolean, checker: InvariantChecker, phase: string): Promise<void> {
  try {
    const fired = await scheduler.runUntil(untilMs, stop, MAX_EVENTS_PER_PHASE);
    if (fired >= MAX_EVENTS_PER_PHASE) checker.fail(`the ${phase} phase ran ${fired} events without finishing (runaway message or timer loop)`);
  } catch (error) {
    // Whatever escaped an event (an assertion in code the replica does not guard) is a finding too.
    checker.fail(`uncaught error in the ${phase} phase: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  }
}

/** Every node's role and health, and identical state at equal applied index. */
function sweepCluster<S extends StateMachine>(cluster: SimCluster<S>, checker: InvariantChecker): void {
  const states: { id: string; appliedIndex: number; encoded: () => Uint8Array }[] = [];
  for (const id of cluster.upIds()) {
    const node = cluster.node(id);
    const replica = node.replica;
    const stateMachine = node.stateMachine;
    if (replica === undefined || stateMachine === undefined) continue;
    const failure = replica.failed();
    if (failure !== undefined) {
      checker.fail(`${id} stopped on an error: ${failure.stack ?? failure.message}`);
      return;
    }
    const status = replica.status();
    if (status.role === 'leader') checker.leaderElected(id, status.term);
    states.push({ id, appliedIndex: replica.appliedUpTo(), encoded: () => stateMachine.snapshot() });
  }
  checker.compareStates(states);
}

/**
 * Small batches and windows make a leader replicate old-term entries before its own (the Figure 8
 * situation) and exercise flow control; large ones exercise pipelining. Chosen per seed.
 */
function varyFlowControl(replica: RunOptions['replica'], prng: Prng): RunOptions['replica'] {
  const maxBatchEntries = prng.pick([1, 2, 4, replica.raft.maxBatchEntries ?? 64]);
  const maxInflightMessages = prng.pick([1, 4, replica.raft.maxInflightMessages ?? 64]);
  return { ...replica, raft: { ...replica.raft, maxBatchEntries, maxInflightMessages } };
}

function hasLeader<S extends StateMachine>(cluster: SimCluster<S>, quorum: readonly string[]): boolean {
  return quorum.some((id) => cluster.replica(id)?.status().role === 'leader');
}

function pickQuorum(ids: readonly string[], prng: Prng): string[] {
  const size = prng.int(Math.floor(ids.length / 2) + 1, ids.length);
  const shuffled = [...ids];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = prng.int(0, i);
    [shuffled[i], shuffled[j]] = [shuffled[j] as string, shuffled[i] as string];
  }
  return shuffled.slice(0, size).sort();
}
