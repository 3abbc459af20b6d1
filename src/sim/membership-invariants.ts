// The membership controller's promises, checked from what the replicas report (their own copies
// of every node's durable log, apart from the main checker's). Catch-up before promotion: when a
// leader appends the change that makes a learner a voter, the learner already holds, durably,
// everything up to the change that made it a learner (the controller waits for the leader's
// commit index of that moment, which is at least that far). Retirement after removal: a node stops
// serving and its storage is wiped only once a committed configuration no longer has it as a voter
// (checked by the membership driver, which retires nodes). The first violation goes to `fail`.

import { decodeMembership } from '../raft/membership.js';
import { EntryKind } from '../raft/types.js';
import type { Entry, Membership, PersistedState, Ready, Snapshot } from '../raft/types.js';
import type { ReplicaObserver } from '../replica/ports.js';
import { ShadowLog } from './shadow-log.js';

/** Most learner additions remembered per node id (a bound; a run adds a node a few times). */
const ADDS_PER_ID_MAX = 64;

interface LearnerAdd {
  readonly index: number;
  readonly term: number;
}

export class MembershipInvariants implements ReplicaObserver {
  private readonly logs = new Map<string, ShadowLog>();
  /** Per node id, every CONFIG entry seen that made it a learner, in the order first seen. */
  private readonly adds = new Map<string, LearnerAdd[]>();
  /** "index/term" of each promotion already checked (at its first persist: its leader's). */
  private readonly promotionsSeen = new Set<string>();
  /** The latest configuration known committed: applied somewhere, or in a snapshot. */
  private committed: { index: number; membership: Membership };
  /** Promotions checked so far (a run that promotes nobody checks nothing). */
  promotionsChecked = 0;

  constructor(
    private readonly initialVoters: () => readonly string[],
    private readonly fail: (message: string) => void,
  ) {
    this.committed = { index: 0, membership: { voters: [...initialVoters()].sort(), learners: [] } };
  }

  /** The node is about to stop for good with its storage wiped: it must not be a voter of the committed configuration. */
  retiring(id: string): void {
    const { voters } = this.committed.membership;
    if (voters.includes(id)) this.fail(`Membership: ${id} retired (stopped, storage wiped) while a voter of the committed configuration at ${this.committed.index} (voters ${voters.join(',')})`);
  }

  applied(_id: string, entry: Entry): void {
    if (entry.kind !== EntryKind.CONFIG) return;
    const membership = decodeOrUndefined(entry);
    if (membership !== undefined) this.committedAt(entry.index, membership);
  }

  restored(_id: string, snapshot: Snapshot): void {
    this.committedAt(snapshot.meta.index, snapshot.meta.membership);
  }

  persisted(id: string, ready: Ready): void {
    const log = this.log(id);
    if (ready.snapshot !== null) log.reset(ready.snapshot.meta.index, ready.snapshot.meta.term, ready.snapshot.meta.membership);
    for (const entry of ready.entries) {
      const membership = entry.kind === EntryKind.CONFIG ? decodeOrUndefined(entry) : undefined;
      if (membership !== undefined) this.configAppended(id, log, entry, membership);
      log.append(entry.index, entry.term, '', membership);
    }
  }

  loaded(id: string, state: PersistedState): void {
    const log = new ShadowLog(state.snapshot.meta.membership);
    log.reset(state.snapshot.meta.index, state.snapshot.meta.term, state.snapshot.meta.membership);
    for (const entry of state.entries) log.append(entry.index, entry.term, '', entry.kind === EntryKind.CONFIG ? decodeOrUndefined(entry) : undefined);
    this.logs.set(id, log);
    if (state.snapshot.meta.index > 0) this.committedAt(state.snapshot.meta.index, state.snapshot.meta.membership);
  }

  compacted(id: string, snapshot: Snapshot): void {
    this.log(id).compact(snapshot.meta.index, snapshot.meta.term);
    this.committedAt(snapshot.meta.index, snapshot.meta.membership);
  }

  /** The node's storage was wiped: its log is gone. */
  forget(id: string): void {
    this.logs.delete(id);
  }

  private committedAt(index: number, membership: Membership): void {
    if (index > this.committed.index) this.committed = { index, membership };
  }

  /** Records learner additions; checks a promotion the first time any log (its leader's) holds it. */
  private configAppended(id: string, log: ShadowLog, entry: Entry, next: Membership): void {
    const before = membershipBefore(log, entry.index);
    for (const learner of next.learners) {
      if (!before.voters.includes(learner) && !before.learners.includes(learner)) this.recordAdd(learner, entry);
    }
    const key = `${entry.index}/${entry.term}`;
    if (this.promotionsSeen.has(key)) return;
    this.promotionsSeen.add(key);
    for (const voter of next.voters) {
      if (before.learners.includes(voter)) this.checkCaughtUp(id, log, voter, entry);
    }
  }

  private recordAdd(learner: string, entry: Entry): void {
    const adds = this.adds.get(learner) ?? [];
    if (adds.some((add) => add.index === entry.index && add.term === entry.term)) return;
    adds.push({ index: entry.index, term: entry.term });
    if (adds.length > ADDS_PER_ID_MAX) adds.shift();
    this.adds.set(learner, adds);
  }

  /**
   * `leader` promotes `learner` with `entry`: the learner's durable log must reach the change that
   * made it a learner (the one the leader's log holds, else the latest seen before this entry).
   */
  private checkCaughtUp(leader: string, leaderLog: ShadowLog, learner: string, entry: Entry): void {
    this.promotionsChecked++;
    const earlier = (this.adds.get(learner) ?? []).filter((add) => add.index < entry.index && add.term <= entry.term);
    const add = earlier.filter((candidate) => leaderLog.termAt(candidate.index) === candidate.term).pop() ?? earlier.pop();
    if (add === undefined) return; // added before the checker saw any log (not in a simulated run)
    const learnerLog = this.logs.get(learner);
    const holds = learnerLog !== undefined && Math.max(learnerLog.lastIndex(), learnerLog.snapshotIndex) >= add.index;
    if (!holds) {
      const has = learnerLog === undefined ? 'nothing (no log)' : `up to ${learnerLog.lastIndex()} (snapshot ${learnerLog.snapshotIndex})`;
      this.fail(`Membership: leader ${leader} promotes ${learner} to voter at ${entry.index}@${entry.term} before it caught up: it became a learner at ${add.index}@${add.term} but holds durably ${has}`);
    }
  }

  private log(id: string): ShadowLog {
    let log = this.logs.get(id);
    if (log === undefined) {
      log = new ShadowLog({ voters: [...this.initialVoters()].sort(), learners: [] });
      this.logs.set(id, log);
    }
    return log;
  }
}

/** The configuration in force just before `index` in `log` (an entry appended there cuts any later ones). */
function membershipBefore(log: ShadowLog, index: number): Membership {
  const configs = log.configsAfter(-1).filter((config) => config.index < index);
  return configs[configs.length - 1]?.membership ?? log.membership();
}

function decodeOrUndefined(entry: Entry): Membership | undefined {
  try {
    return decodeMembership(entry.data);
  } catch {
    return undefined; // the main checker reports a CONFIG entry that does not decode
  }
}
