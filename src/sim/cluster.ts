// The simulated cluster: N nodes, each a real Replica over its own SimDisk, a SimClock and a
// SimNetwork transport. Crashing a node kills its clock, cuts its transport and drops its unsynced
// disk state; restarting it runs Replica.start against what survived. The first nodes are the
// initial voters; the rest are spares that join later (membership.ts). A node that left the
// cluster can be retired and wiped: it gets a fresh disk and joins again as a brand-new member.

import { assert } from '../lib/assert.js';
import { Prng } from '../lib/prng.js';
import type { Disk } from '../io/disk.js';
import type { Message, PersistedState, RaftConfig, RaftNodeApi } from '../raft/types.js';
import { Replica } from '../replica/replica.js';
import type { ReplicaOptions } from '../replica/replica.js';
import type { ReplicaObserver, ReplicaStorage, StateMachine } from '../replica/ports.js';
import { SimClock } from './clock.js';
import { SimDisk } from './disk.js';
import type { SimNetwork } from './network.js';
import type { Scheduler } from './scheduler.js';
import type { Trace } from './trace.js';
import { errorStack } from '../lib/errors.js';

export interface ClusterWiring<S extends StateMachine> {
  createStateMachine(): S;
  createNode(config: RaftConfig, persisted: PersistedState): RaftNodeApi;
  /** Opens the node's durable log in `dir` of `disk`. */
  openStorage(disk: Disk, dir: string): Promise<ReplicaStorage>;
  /** Everything but the id, the voters and the randomness, which the cluster fills in. */
  replicaOptions: Omit<ReplicaOptions, 'id' | 'initialVoters' | 'prng'>;
  observer: ReplicaObserver;
}

export interface SimNode<S extends StateMachine> {
  readonly id: string;
  disk: SimDisk;
  /** Starts with no membership and waits for a leader to add it (a spare, or a wiped node). */
  join: boolean;
  /** Left the cluster and was wiped: nothing restarts it until it joins again. */
  retired: boolean;
  clock: SimClock | undefined;
  replica: Replica<S> | undefined;
  stateMachine: S | undefined;
  /** up: running; starting: loading from disk; down: crashed. */
  state: 'up' | 'starting' | 'down';
  /** Counts starts and crashes (a late start callback of an earlier one is ignored); 0: never started. */
  generation: number;
  crashes: number;
  /** Times the node stopped because a peer refused its data directory's incarnation (a reused id). */
  refusals: number;
}

export class SimCluster<S extends StateMachine> {
  readonly nodes = new Map<string, SimNode<S>>();
  /** A node that failed to start or stopped on an error: a bug, reported as a violation. */
  startFailure: string | undefined;

  /** The voters of the brand-new cluster (the first ids); the other ids are spares. */
  readonly initialVoters: readonly string[];

  constructor(
    readonly ids: readonly string[],
    initialVoterCount: number,
    private readonly scheduler: Scheduler,
    private readonly network: SimNetwork<Message>,
    private readonly prng: Prng,
    private readonly trace: Trace,
    private readonly wiring: ClusterWiring<S>,
  ) {
    assert(initialVoterCount > 0, 'a cluster needs voters');
    assert(initialVoterCount <= ids.length, 'more voters than nodes');
    this.initialVoters = ids.slice(0, initialVoterCount);
    for (const id of ids) {
      const disk = new SimDisk(scheduler, new Prng(prng.nextUint32()));
      const join = !this.initialVoters.includes(id);
      this.nodes.set(id, { id, disk, join, retired: join, clock: undefined, replica: undefined, stateMachine: undefined, state: 'down', generation: 0, crashes: 0, refusals: 0 });
    }
  }

  node(id: string): SimNode<S> {
    const node = this.nodes.get(id);
    assert(node !== undefined, `unknown node ${id}`);
    return node;
  }

  /** The running replica of `id`, if it is up. */
  replica(id: string): Replica<S> | undefined {
    const node = this.node(id);
    return node.state === 'up' ? node.replica : undefined;
  }

  /** The nodes that have started and not been retired: the ones faults are worth aiming at. */
  activeIds(): string[] {
    return this.ids.filter((id) => !this.node(id).retired);
  }

  upIds(): string[] {
    return this.ids.filter((id) => this.node(id).state === 'up');
  }

  /** Starts (or restarts) a node from whatever its disk holds. */
  start(id: string): void {
    const node = this.node(id);
    assert(node.state === 'down', `${id} is already running`);
    node.retired = false;
    node.state = 'starting';
    node.generation++;
    const generation = node.generation;
    const clock = new SimClock(this.scheduler, id);
    node.clock = clock;
    const transport = this.network.attach(id);
    const stateMachine = this.wiring.createStateMachine();
    const options: ReplicaOptions = { ...this.wiring.replicaOptions, id, initialVoters: this.initialVoters, prng: new Prng(this.prng.nextUint32()) };
    if (node.join) options.join = true;
    this.trace.add(this.scheduler.nowMs(), `${id} starting (start ${generation})`, true);
    const run = async (): Promise<Replica<S>> => {
      const storage = await this.wiring.openStorage(node.disk, `/${id}`);
      // A snapshot's steps yield through the simulated clock, 5 ms each, so messages, ticks and
      // crashes interleave with them, deterministically.
      const yieldTurn = (): Promise<void> => new Promise((resolve) => clock.setTimer(5, resolve));
      return Replica.start(options, { clock, transport, storage, createNode: this.wiring.createNode, observer: this.wiring.observer, yieldTurn }, stateMachine);
    };
    run().then(
      (replica) => {
        if (node.generation !== generation || node.state !== 'starting') return;
        node.replica = replica;
        node.stateMachine = stateMachine;
        node.state = 'up';
      },
      (error: unknown) => {
        if (node.generation !== generation) return;
        this.startFailure ??= `${id} failed to start: ${errorStack(error)}`;
      },
    );
  }

  /** Power loss: the process dies mid-whatever and the disk keeps only what it must (plus luck). */
  crash(id: string, tornWrites: boolean): void {
    const node = this.node(id);
    assert(node.state !== 'down', `${id} is already down`);
    node.clock?.kill();
    this.network.detach(id);
    const report = node.disk.crash(tornWrites);
    node.generation++;
    node.state = 'down';
    node.replica = undefined;
    node.stateMachine = undefined;
    node.crashes++;
    this.trace.add(this.scheduler.nowMs(), `${id} CRASH (dropped ${report.unsyncedWritesDropped} unsynced writes, ${report.tornWrites} torn, ${report.dirOpsDropped} folder entries)`, true);
  }

  /**
   * Running nodes a peer refused because their data directory is a new incarnation of a used id
   * (RaftStatus.staleIncarnation): `cairn server` exits there, so they are stopped and wiped.
   * Returns their ids.
   */
  stopRefused(): string[] {
    const refused = this.upIds().filter((id) => this.replica(id)?.status().staleIncarnation !== null);
    for (const id of refused) {
      const reportedBy = this.replica(id)?.status().staleIncarnation;
      this.trace.add(this.scheduler.nowMs(), `${id} REFUSED by ${reportedBy}: a new incarnation of a used id; it stops (as cairn server exits 1)`, true);
      this.node(id).refusals++;
      this.retire(id);
    }
    return refused;
  }

  /**
   * The node left the cluster for good: it is stopped (if running) and its storage replaced by an
   * empty disk, so its next start is a brand-new node that joins (same id, nothing remembered).
   */
  retire(id: string): void {
    const node = this.node(id);
    if (node.state !== 'down') this.crash(id, false);
    node.disk = new SimDisk(this.scheduler, new Prng(this.prng.nextUint32()));
    node.join = true;
    node.retired = true;
    this.trace.add(this.scheduler.nowMs(), `${id} RETIRED (stopped, storage wiped; it may join again as a new node)`, true);
  }
}
