// Everything one simulated run is made of, built from one seed in a fixed order: the scheduler,
// the trace, the network, the invariant checker, the cluster, the clients, the faults and (when the
// run changes membership) the membership driver with its spare nodes. Also the periodic sweep of
// every node and the run's statistics and result.

import { runToEnd } from '../kv/databases-snapshot.js';
import { Prng } from '../lib/prng.js';
import { HistoryRecorder } from '../check/recorder.js';
import type { Message } from '../raft/types.js';
import type { StateMachine } from '../replica/ports.js';
import { SimClock } from './clock.js';
import { SimCluster } from './cluster.js';
import { describeEntry, describeMessage } from './describe.js';
import { FaultInjector } from './faults.js';
import { InvariantChecker } from './invariants.js';
import type { SampledState } from './state-samples.js';
import { MembershipDriver } from './membership.js';
import { MembershipInvariants } from './membership-invariants.js';
import { CALM_NETWORK, SimNetwork } from './network.js';
import { fanOut } from './observers.js';
import type { RunOptions, RunResult, RunStats, SimSetup } from './run.js';
import { Scheduler } from './scheduler.js';
import { watchTerms } from './term-watch.js';
import { Trace } from './trace.js';
import { Workload } from './workload.js';

/** Simulated ms between sweeps of every node's status and state. */
const SWEEP_EVERY_MS = 10;
/** The key of the fault drills' own writes; no client reads or writes it. */
const DRILL_KEY = 'sim-drill';
/**
 * Nodes beyond the initial voters in a run that changes membership: they join (and leave) later.
 * A removed node never returns under its id, so a run needs several; when ids are reused, two
 * spares make removed ids come back often.
 */
const SPARE_NODES = 4;
const SPARE_NODES_REUSED = 2;

export class SimWorld<S extends StateMachine> {
  readonly scheduler = new Scheduler();
  readonly trace: Trace;
  readonly network: SimNetwork<Message>;
  readonly checker: InvariantChecker;
  readonly cluster: SimCluster<S>;
  readonly recorder: HistoryRecorder;
  readonly workload: Workload<S>;
  readonly faults: FaultInjector<S>;
  readonly healPrng: Prng;
  /** Present when the run changes membership. */
  readonly membership: MembershipDriver<S> | undefined;
  private readonly harnessClock: SimClock;
  private readonly flowControl: string;

  constructor(
    private readonly setup: SimSetup<S>,
    private readonly options: RunOptions,
  ) {
    const root = new Prng(options.seed);
    const scheduler = this.scheduler;
    this.trace = new Trace(options.traceLines);
    this.network = new SimNetwork<Message>(scheduler, new Prng(root.nextUint32()), this.trace, describeMessage);
    this.network.setDefaults(CALM_NETWORK);
    const nodeCount = options.nodeCount ?? (root.chance(0.5) ? 3 : 5);
    const replicaOptions = varyFlowControl(options.replica, root);
    this.flowControl = `batches of ${replicaOptions.raft.maxBatchEntries} entries, ${replicaOptions.raft.maxInflightMessages} in flight`;
    const spares = options.membership === undefined ? 0 : options.membership.reuseIds ? SPARE_NODES_REUSED : SPARE_NODES;
    const ids = Array.from({ length: nodeCount + spares }, (_, i) => `n${i + 1}`);
    const initialVoters = ids.slice(0, nodeCount);
    this.checker = new InvariantChecker(this.trace, () => scheduler.nowMs(), (entry) => describeEntry(entry, setup.model.describe), () => initialVoters);
    const membershipChecks = options.membership === undefined ? undefined : new MembershipInvariants(() => initialVoters, (message) => this.checker.fail(message));
    this.cluster = new SimCluster(ids, nodeCount, scheduler, this.network, new Prng(root.nextUint32()), this.trace, {
      createStateMachine: () => setup.model.createStateMachine(),
      // Every node is watched for the term rule (term-watch.ts).
      createNode: (config, persisted) => watchTerms(setup.createNode(config, persisted), config.id, persisted.hardState.term, this.checker),
      openStorage: setup.openStorage,
      replicaOptions,
      observer: membershipChecks === undefined ? this.checker : fanOut(this.checker, membershipChecks),
    });
    this.harnessClock = new SimClock(scheduler, 'harness');
    const maxOperations = options.workload.clients * options.workload.maxOpsPerClient + 16;
    this.recorder = new HistoryRecorder(() => scheduler.nowMs(), maxOperations);
    const reportBug = (message: string): void => this.checker.fail(message);
    this.workload = new Workload(this.cluster, setup.model, this.recorder, new Prng(root.nextUint32()), this.trace, this.harnessClock, options.workload, reportBug);
    const drillWrite = (nowMs: number): Uint8Array => setup.model.encode({ kind: 'write', key: DRILL_KEY, value: 'drill' }, nowMs);
    // The stale-ack drill scripts a fixed five-voter cluster; membership runs go without it.
    const faults = options.membership === undefined ? options.faults : { ...options.faults, staleAckDrillProbability: 0 };
    this.faults = new FaultInjector(this.cluster, this.network, new Prng(root.nextUint32()), this.trace, this.harnessClock, faults, drillWrite);
    this.healPrng = new Prng(root.nextUint32());
    this.membership = options.membership === undefined || membershipChecks === undefined
      ? undefined
      : new MembershipDriver({ cluster: this.cluster, network: this.network, model: setup.model, records: this.checker, checks: membershipChecks, trace: this.trace, clock: this.harnessClock }, new Prng(root.nextUint32()), options.membership);
  }

  /** Starts every node, the periodic sweep, the clients and the faults. */
  start(): void {
    const { cluster } = this;
    const spares = cluster.ids.length - cluster.initialVoters.length;
    const members = spares === 0 ? '' : ` + ${spares} spares, membership changes`;
    this.trace.add(0, `SEED=${this.options.seed}: ${cluster.initialVoters.length} nodes${members}, model ${this.setup.model.name}, ${this.flowControl}`, true);
    for (const id of cluster.initialVoters) cluster.start(id);
    const sweep = (): void => {
      this.sweep();
      this.harnessClock.setTimer(SWEEP_EVERY_MS, sweep);
    };
    this.harnessClock.setTimer(SWEEP_EVERY_MS, sweep);
    this.workload.start();
    this.faults.start();
    this.membership?.start();
  }

  /** True once any violation was found (a node that failed to start counts). */
  failed(): boolean {
    const { checker, cluster } = this;
    if (cluster.startFailure !== undefined && checker.violation === undefined) checker.fail(cluster.startFailure);
    return checker.violation !== undefined;
  }

  /**
   * Every running node's role and health, and identical state at equal applied index (`full`: encode
   * every node's state, even one already fingerprinted at its applied index).
   */
  sweep(full = false): void {
    // A node refused for its incarnation stops (cairn server exits 1); its disk is wiped, as an operator would.
    for (const id of this.cluster.stopRefused()) this.checker.forget(id);
    const states: SampledState[] = [];
    for (const id of this.cluster.upIds()) {
      const node = this.cluster.node(id);
      const { replica, stateMachine } = node;
      if (replica === undefined || stateMachine === undefined) continue;
      const failure = replica.failed();
      if (failure !== undefined) {
        this.checker.fail(`${id} stopped on an error: ${failure.stack ?? failure.message}`);
        return;
      }
      const status = replica.status();
      if (status.role === 'leader') this.checker.leaderElected(id, status.term);
      states.push({ id, appliedIndex: replica.appliedUpTo(), machine: stateMachine, encoded: () => runToEnd(stateMachine.snapshotSteps()) });
    }
    this.checker.compareStates(states, full);
  }

  result(linearizability = 'not checked'): RunResult {
    const { checker, options, trace } = this;
    const stats = { ...this.stats(), linearizability };
    if (checker.violation === undefined) return { seed: options.seed, ok: true, trace: options.alwaysTrace === true ? trace.lines() : [], stats };
    return { seed: options.seed, ok: false, violation: checker.violation, trace: trace.lines(), stats };
  }

  private stats(): RunStats {
    const { cluster, checker } = this;
    return {
      nodes: cluster.initialVoters.length,
      simMs: this.scheduler.nowMs(),
      events: this.scheduler.eventsRun(),
      opsInvoked: this.workload.opsInvoked,
      writesAcked: this.workload.writesAcked,
      readsOk: this.workload.readsOk,
      faults: this.faults.faultsInjected,
      crashes: cluster.ids.reduce((sum, id) => sum + cluster.node(id).crashes, 0),
      committedIndex: checker.maxCommittedIndex(),
      leaders: checker.leadersElected,
      compactions: checker.compactions,
      snapshotsInstalled: checker.snapshotsRestored,
      messagesSent: this.network.stats.sent,
      confChangesApplied: this.membership?.changesApplied ?? 0,
      retirements: this.membership?.retirements ?? 0,
      refusals: cluster.ids.reduce((sum, id) => sum + cluster.node(id).refusals, 0),
      linearizability: 'not checked',
    };
  }
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
