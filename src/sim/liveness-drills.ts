// Two scripted runs for liveness properties the random chaos cannot see, because its jitter hides
// them: (1) every node started at the same instant with fixed disk and network latency, so nothing
// but the randomized election timeout (§5.2) can break the symmetry, must elect a leader within a
// bound; (2) a follower cut off for many election timeouts must come back without deposing the
// healthy leader or raising the cluster's term (PreVote, thesis §9.6). Each returns the violation
// it found (or undefined) with the trace; the term rule (invariants.ts) is checked throughout.

import { Prng } from '../lib/prng.js';
import { resolveSettings } from '../raft/settings.js';
import type { StateMachine } from '../replica/ports.js';
import type { DiskLatency } from './disk.js';
import { DEFAULT_FAULTS } from './faults.js';
import type { LinkFaults } from './network.js';
import type { RunOptions, SimSetup } from './run.js';
import { SimWorld } from './world.js';

export interface DrillOutcome {
  violation: string | undefined;
  trace: string[];
}

/** No fault is ever injected: the drills script their own. */
const NO_FAULTS = { ...DEFAULT_FAULTS, meanGapMs: 1_000_000_000, staleAckDrillProbability: 0 };
/** Every disk operation and every message takes exactly this long: no jitter anywhere. */
const FIXED_DISK: DiskLatency = { readMinMs: 0, readMaxMs: 0, writeMinMs: 0, writeMaxMs: 0, syncMinMs: 1, syncMaxMs: 1 };
const FIXED_NETWORK: LinkFaults = { delayMinMs: 1, delayMaxMs: 1, lossProbability: 0, duplicateProbability: 0 };
const EVENTS_MAX = 2_000_000;
/** How long the follower is cut off, and how long the cluster is then watched, in longest election timeouts. */
const ISOLATED_TIMEOUTS = 12;
const REJOIN_WATCH_TIMEOUTS = 5;
/** A leader must exist with this many entries committed before the follower is cut off. */
const COMMITTED_BEFORE_ISOLATION = 5;

function quietWorld<S extends StateMachine>(setup: SimSetup<S>, base: RunOptions): SimWorld<S> {
  return new SimWorld(setup, { ...base, faults: NO_FAULTS });
}

/** The longest randomized election timeout in ms: a follower waits [T, 2T-1] ticks (settings.ts). */
export function longestElectionTimeoutMs(options: RunOptions): number {
  const { electionTimeoutTicks } = resolveSettings({ ...options.replica.raft, id: 'n', prng: new Prng(1) });
  return (2 * electionTimeoutTicks - 1) * options.replica.tickMs;
}

/**
 * The bound on the first election after a simultaneous start. Every node's timer fires by the
 * longest timeout; the earliest one wins in two round trips (PreVote, then the vote, each behind
 * a 1 ms fsync) unless another node drew the same tick and split the vote — a chance of about
 * (nodes - 1) / T per round, so we allow one split round, not two: two full longest timeouts,
 * plus 50 ms for the messages and fsyncs of both rounds. A timeout that is not random splits every
 * round of the simultaneous restart (all nodes fire together, each votes for itself), so no leader
 * comes within the bound; seeds 1-40 of the correct code elected within 110-324 ms of the 430 allowed.
 */
export function firstElectionBoundMs(options: RunOptions): number {
  return 2 * longestElectionTimeoutMs(options) + 50;
}

function leaderOf<S extends StateMachine>(world: SimWorld<S>): { id: string; term: number } | undefined {
  for (const id of world.cluster.upIds()) {
    const status = world.cluster.replica(id)?.status();
    if (status?.role === 'leader') return { id, term: status.term };
  }
  return undefined;
}

/**
 * Drill 1: all nodes start in one instant with fixed latencies and no clients, and must elect a
 * leader within the bound; then, once every log is the same, the power fails everywhere at once and
 * they all restart in one instant, and must elect one within the bound again. The restart is the
 * sharper half: the nodes know each other's incarnations by then, so no first-seen fsync staggers
 * their replies, and their timers run in lockstep — only the randomized timeout tells them apart.
 */
export async function simultaneousStartDrill<S extends StateMachine>(setup: SimSetup<S>, options: RunOptions): Promise<DrillOutcome & { electedAfterMs: number[] }> {
  const world = quietWorld(setup, options);
  const { cluster, network, scheduler, trace, checker } = world;
  const electedAfterMs: number[] = [];
  const outcome = (): DrillOutcome & { electedAfterMs: number[] } => ({ violation: checker.violation, trace: trace.lines(), electedAfterMs });
  network.setDefaults(FIXED_NETWORK);
  trace.add(0, `SEED=${options.seed}: simultaneous start of ${cluster.initialVoters.length} nodes, fixed latencies`, true);
  for (const start of ['start', 'restart'] as const) {
    for (const id of cluster.initialVoters) cluster.node(id).disk.setLatency(FIXED_DISK);
    const startedAtMs = scheduler.nowMs();
    for (const id of cluster.initialVoters) cluster.start(id);
    const boundMs = firstElectionBoundMs(options);
    await scheduler.runUntil(startedAtMs + boundMs, () => world.failed() || leaderOf(world) !== undefined, EVENTS_MAX);
    if (world.failed()) return outcome();
    if (leaderOf(world) === undefined) {
      checker.fail(`liveness: no leader within ${boundMs}ms of a simultaneous ${start}`);
      return outcome();
    }
    electedAfterMs.push(scheduler.nowMs() - startedAtMs);
    if (start === 'restart') return outcome();
    await scheduler.runUntil(scheduler.nowMs() + longestElectionTimeoutMs(options), () => world.failed() || logsAlike(world), EVENTS_MAX);
    if (!world.failed() && !logsAlike(world)) checker.fail('liveness: the logs did not converge after the first election');
    if (world.failed()) return outcome();
    trace.add(scheduler.nowMs(), 'DRILL power cut on every node; all restart at once', true);
    for (const id of cluster.initialVoters) cluster.crash(id, false);
  }
  return outcome();
}

/** Every node holds the same log, all of it committed. */
function logsAlike<S extends StateMachine>(world: SimWorld<S>): boolean {
  const statuses = world.cluster.initialVoters.map((id) => world.cluster.replica(id)?.status());
  const first = statuses[0];
  if (first === undefined) return false;
  return statuses.every((s) => s !== undefined && s.lastIndex === first.lastIndex && s.lastTerm === first.lastTerm && s.commitIndex === s.lastIndex);
}

/**
 * Drill 2: with clients writing, a follower is cut off for ISOLATED_TIMEOUTS longest election
 * timeouts, then the network heals; for REJOIN_WATCH_TIMEOUTS more, the leader must stay leader in
 * its term, no node may hold a higher term, and the follower must follow that leader again.
 */
export async function isolatedFollowerDrill<S extends StateMachine>(setup: SimSetup<S>, options: RunOptions): Promise<DrillOutcome> {
  const world = quietWorld(setup, options);
  const { cluster, network, scheduler, trace, checker } = world;
  const timeoutMs = longestElectionTimeoutMs(options);
  const outcome = (): DrillOutcome => ({ violation: checker.violation, trace: trace.lines() });
  world.start();
  const ready = (): boolean => leaderOf(world) !== undefined && checker.maxCommittedIndex() >= COMMITTED_BEFORE_ISOLATION;
  await scheduler.runUntil(10 * timeoutMs, () => world.failed() || ready(), EVENTS_MAX);
  if (!world.failed() && !ready()) checker.fail(`liveness: no leader with ${COMMITTED_BEFORE_ISOLATION} committed entries within ${10 * timeoutMs}ms`);
  if (world.failed()) return outcome();
  const leader = leaderOf(world)!;
  const follower = cluster.initialVoters.find((id) => id !== leader.id)!;
  network.isolate(follower, cluster.ids);
  trace.add(scheduler.nowMs(), `DRILL ${follower} cut off for ${ISOLATED_TIMEOUTS * timeoutMs}ms; ${leader.id} leads term ${leader.term}`, true);
  await scheduler.runUntil(scheduler.nowMs() + ISOLATED_TIMEOUTS * timeoutMs, () => world.failed(), EVENTS_MAX);
  if (world.failed()) return outcome();
  network.heal();
  trace.add(scheduler.nowMs(), `DRILL ${follower} rejoins`, true);
  const disturbed = (): string | undefined => disturbance(world, leader, follower);
  await scheduler.runUntil(scheduler.nowMs() + REJOIN_WATCH_TIMEOUTS * timeoutMs, () => world.failed() || disturbed() !== undefined, EVENTS_MAX);
  const found = disturbed() ?? notFollowing(world, leader, follower);
  if (!world.failed() && found !== undefined) checker.fail(`PreVote: after ${follower} rejoined, ${found}`);
  return outcome();
}

/** What disturbs the healthy leader: it no longer leads its term, or some node holds a higher term. */
function disturbance<S extends StateMachine>(world: SimWorld<S>, leader: { id: string; term: number }, follower: string): string | undefined {
  const status = world.cluster.replica(leader.id)?.status();
  if (status?.role !== 'leader' || status.term !== leader.term) return `${leader.id} was deposed (now ${status?.role ?? 'down'} in term ${status?.term ?? '?'}) from term ${leader.term}`;
  for (const id of world.cluster.upIds()) {
    const term = world.cluster.replica(id)?.status().term ?? 0;
    if (term > leader.term) return `${id} holds term ${term} above the leader's ${leader.term} (${follower} was cut off)`;
  }
  return undefined;
}

function notFollowing<S extends StateMachine>(world: SimWorld<S>, leader: { id: string; term: number }, follower: string): string | undefined {
  const status = world.cluster.replica(follower)?.status();
  if (status?.leaderId === leader.id && status.term === leader.term) return undefined;
  return `${follower} does not follow ${leader.id} in term ${leader.term} (it is ${status?.role ?? 'down'} in term ${status?.term ?? '?'}, leader ${status?.leaderId ?? 'none'})`;
}
