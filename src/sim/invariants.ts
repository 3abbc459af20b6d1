// The safety checkers. They watch every replica through its observer hooks (what was synced,
// applied, restored, compacted; role changes) and keep global records, so each check is O(1) per
// event: Election Safety, Log Matching, Leader Completeness, State Machine Safety, durability of
// a node's own synced log across a crash, and identical state at equal applied index. Commit
// safety: every index a node counts as committed holds the entry first reported committed there,
// and a leader's new commit index is held by a majority of the voters of the configuration in force
// (a removed node or a learner never counts). Membership: no durable log ever holds two CONFIG
// entries past the highest index known committed (one uncommitted change at a time). Terms: a
// node's durable term rises only to a term it heard or by one as a candidate (fed by term-watch.ts
// at every hard state). The first violation is kept; the run stops on it and prints the trace.

import type { Reply } from '../lib/reply.js';
import { decodeMembership } from '../raft/membership.js';
import { EntryKind } from '../raft/types.js';
import type { Entry, Membership, PersistedState, Ready, Snapshot, SoftState } from '../raft/types.js';
import type { ReplicaObserver } from '../replica/ports.js';
import { fingerprint } from './hash.js';
import { ShadowLog } from './shadow-log.js';
import { StateSamples } from './state-samples.js';
import type { SampledState } from './state-samples.js';
import type { TermRuleChecker } from './term-watch.js';
import type { Trace } from './trace.js';
import { errorMessage } from '../lib/errors.js';

interface EntryIdentity {
  readonly fingerprint: string;
  readonly prevTerm: number;
}

interface CommittedEntry {
  readonly term: number;
  readonly fingerprint: string;
}

/** An index some node reported committed while in `termBound`: it was committed in that term or earlier. */
interface CommitPoint {
  readonly entryTerm: number;
  readonly termBound: number;
}

export class InvariantChecker implements ReplicaObserver, TermRuleChecker {
  violation: string | undefined;
  private readonly leadersByTerm = new Map<number, string>();
  private readonly identities = new Map<string, EntryIdentity>(); // "index/term" -> the one entry it may be
  private readonly committed = new Map<number, CommittedEntry>(); // index -> what was applied there
  private readonly appliedIndex = new Map<string, number>();
  private readonly states = new StateSamples((message) => this.fail(message));
  private readonly shadows = new Map<string, ShadowLog>();
  private readonly commitPoints = new Map<number, CommitPoint>(); // index -> the first report of it as committed
  private readonly commitCheckedUpTo = new Map<string, number>(); // per node: its commit indexes checked so far
  private maxCommittedIndexValue = 0;
  /** The highest index any node reported committed: everything up to it is committed. */
  private maxCommitPointIndex = 0;
  /** The latest configuration known committed (from commit points and snapshots). */
  private committedConfig: { index: number; membership: Membership };
  normalEntriesApplied = 0;
  snapshotsRestored = 0;
  compactions = 0;
  leadersElected = 0;

  constructor(
    private readonly trace: Trace,
    private readonly nowMs: () => number,
    private readonly describe: (entry: Entry) => string,
    /** The voters of the brand-new cluster: the configuration of a log the checker has not seen loaded. */
    private readonly initialVoters: () => readonly string[],
  ) {
    this.committedConfig = { index: 0, membership: { voters: [...initialVoters()].sort(), learners: [] } };
  }

  /** The latest configuration known to be committed. */
  committedMembership(): Membership {
    return this.committedConfig.membership;
  }

  /**
   * Every configuration that may be in force now or later: the latest committed one, then each
   * CONFIG entry past it in any node's durable log (uncommitted; some may yet be truncated).
   */
  possibleMemberships(): Membership[] {
    const found = new Map<string, Membership>([[JSON.stringify(this.committedConfig.membership), this.committedConfig.membership]]);
    for (const shadow of this.shadows.values()) {
      for (const config of shadow.configsAfter(this.committedConfig.index)) found.set(JSON.stringify(config.membership), config.membership);
    }
    return [...found.values()];
  }

  /** The node's storage was wiped (it left the cluster): its next start is a new log, not a restart. */
  forget(id: string): void {
    this.shadows.delete(id);
    this.appliedIndex.delete(id);
    this.commitCheckedUpTo.delete(id);
    this.states.forget(id);
    this.trace.add(this.nowMs(), `${id} storage wiped (the checker forgets its log)`, true);
  }

  maxCommittedIndex(): number {
    return this.maxCommittedIndexValue;
  }

  applied(id: string, entry: Entry, _replies: readonly Reply[]): void {
    const fp = fingerprint(entry.kind, entry.data);
    this.trace.add(this.nowMs(), () => `${id} apply ${entry.index}@${entry.term} ${this.describe(entry)}`);
    const previous = this.appliedIndex.get(id) ?? 0;
    if (entry.index !== previous + 1) this.fail(`${id} applied index ${entry.index} right after ${previous}`);
    this.appliedIndex.set(id, entry.index);
    const shadow = this.shadow(id);
    if (shadow.termAt(entry.index) !== entry.term) {
      this.fail(`${id} applied ${entry.index}@${entry.term}, which its durable log does not hold (has term ${shadow.termAt(entry.index)})`);
    }
    if (entry.index > shadow.hardState.commitIndex && entry.index > shadow.lastIndex()) {
      this.fail(`${id} applied ${entry.index} beyond its log`);
    }
    const known = this.committed.get(entry.index);
    if (known === undefined) {
      this.committed.set(entry.index, { term: entry.term, fingerprint: fp });
      this.maxCommittedIndexValue = Math.max(this.maxCommittedIndexValue, entry.index);
      if (entry.kind === 0) this.normalEntriesApplied++;
    } else if (known.term !== entry.term || known.fingerprint !== fp) {
      this.fail(`State Machine Safety: ${id} applied ${entry.index}@${entry.term} (${fp}) but ${entry.index}@${known.term} (${known.fingerprint}) was applied before`);
    }
  }

  persisted(id: string, ready: Ready): void {
    const shadow = this.shadow(id);
    if (ready.snapshot !== null) this.installed(id, shadow, ready.snapshot);
    // A leader's commit in this Ready was counted under the configuration before its new entries or after.
    const membershipBefore = shadow.membership();
    for (const entry of ready.entries) this.appendEntry(id, shadow, entry);
    const hs = ready.hardState;
    if (hs !== null) {
      if (hs.term < shadow.hardState.term) this.fail(`${id} persisted term ${hs.term} after term ${shadow.hardState.term}`);
      if (hs.term === shadow.hardState.term && shadow.hardState.votedFor !== null && hs.votedFor !== shadow.hardState.votedFor) {
        this.fail(`${id} changed its vote in term ${hs.term} from ${shadow.hardState.votedFor} to ${hs.votedFor}`);
      }
      const commitBefore = shadow.hardState.commitIndex;
      shadow.hardState = { ...hs };
      this.recordCommitPoints(id, shadow, hs.term, hs.commitIndex);
      if (hs.commitIndex > commitBefore && this.leadersByTerm.get(hs.term) === id) {
        this.checkLeaderCommit(id, shadow, hs.term, hs.commitIndex, [membershipBefore, shadow.membership()]);
      }
    }
    if (ready.entries.some((entry) => entry.kind === EntryKind.CONFIG)) this.checkOneUncommittedChange(id, shadow);
    if (ready.entries.length > 0 || hs !== null) {
      this.trace.add(this.nowMs(), () => `${id} synced ${describeRange(ready.entries)}${hs === null ? '' : ` term=${hs.term} vote=${hs.votedFor} commit=${hs.commitIndex}`}`);
    }
  }

  softState(id: string, softState: SoftState, term: number): void {
    this.trace.add(this.nowMs(), `${id} is ${softState.role} in term ${term} (leader ${softState.leaderId})`, true);
    if (softState.role === 'leader') this.leaderElected(id, term);
  }

  /** Also fed by a periodic sweep of every node's status, in case a role change is not reported. */
  leaderElected(id: string, term: number): void {
    const other = this.leadersByTerm.get(term);
    if (other !== undefined && other !== id) {
      this.fail(`Election Safety: ${id} and ${other} are both leader in term ${term}`);
      return;
    }
    if (other === id) return;
    this.leadersByTerm.set(term, id);
    this.leadersElected++;
    // Leader Completeness: every entry committed in an earlier term is in the new leader's log.
    const shadow = this.shadow(id);
    for (const [index, point] of this.commitPoints) {
      if (index <= shadow.snapshotIndex || point.termBound >= term) continue;
      const has = shadow.termAt(index);
      if (has !== point.entryTerm) {
        this.fail(`Leader Completeness: ${id} leads term ${term} without entry ${index}@${point.entryTerm}, committed by term ${point.termBound} (its log has ${has ?? 'nothing'} there)`);
        return;
      }
    }
  }

  /**
   * `id` holds commitIndex in `term`: its entries up to there were committed in `term` or before,
   * and each must be the entry first reported committed at its index (a follower that commits a
   * stale tail it never matched with the leader fails here, before it applies anything).
   */
  private recordCommitPoints(id: string, shadow: ShadowLog, term: number, commitIndex: number): void {
    const from = Math.max(this.commitCheckedUpTo.get(id) ?? 0, shadow.snapshotIndex) + 1;
    for (let index = from; index <= commitIndex; index++) {
      const entryTerm = shadow.termAt(index);
      if (entryTerm === undefined) {
        this.fail(`${id} reports commit index ${commitIndex} in term ${term} but its log ends at ${shadow.lastIndex()}`);
        return;
      }
      const known = this.committed.get(index);
      if (known !== undefined && known.term !== entryTerm) {
        this.fail(`State Machine Safety: ${id} counts ${index}@${entryTerm} as committed but ${index}@${known.term} was applied`);
        return;
      }
      const point = this.commitPoints.get(index);
      if (point === undefined) this.commitPoints.set(index, { entryTerm, termBound: term });
      else if (point.entryTerm !== entryTerm) {
        this.fail(`Commit safety: ${id} counts ${index}@${entryTerm} as committed in term ${term} but ${index}@${point.entryTerm} was committed by term ${point.termBound}`);
        return;
      }
    }
    this.commitCheckedUpTo.set(id, Math.max(this.commitCheckedUpTo.get(id) ?? 0, commitIndex));
    this.maxCommitPointIndex = Math.max(this.maxCommitPointIndex, commitIndex);
    const configs = shadow.configsAfter(this.committedConfig.index).filter((config) => config.index <= commitIndex);
    const latest = configs[configs.length - 1];
    if (latest !== undefined) this.committedConfig = latest;
  }

  /**
   * One membership change at a time: past the highest index known committed, a durable log holds
   * at most one CONFIG entry. (Every log is a prefix of some leader's log, and a leader appends a
   * change only once its previous one is committed — reported in the same Ready at the latest.)
   */
  private checkOneUncommittedChange(id: string, shadow: ShadowLog): void {
    const pending = shadow.configsAfter(Math.max(this.maxCommitPointIndex, shadow.snapshotIndex));
    if (pending.length > 1) {
      const described = pending.map((config) => `${config.index}: voters ${config.membership.voters.join(',')} learners ${config.membership.learners.join(',') || '-'}`);
      this.fail(`Membership: ${id}'s log holds ${pending.length} uncommitted configuration changes (committed up to ${this.maxCommitPointIndex}): ${described.join('; ')}`);
    }
  }

  /** A snapshot's configuration is committed (it covers only committed entries). */
  private snapshotConfig(snapshot: Snapshot): void {
    if (snapshot.meta.index > this.committedConfig.index) this.committedConfig = { index: snapshot.meta.index, membership: snapshot.meta.membership };
  }

  /**
   * A leader's new commit index must be durable (a snapshot covering it counts) on a majority of
   * the voters of the configuration in force: the one before this Ready's entries or after them.
   * Only voters of that configuration count, so a learner or a removed node never makes a commit.
   */
  private checkLeaderCommit(id: string, shadow: ShadowLog, term: number, commitIndex: number, inForce: readonly Membership[]): void {
    if (commitIndex <= shadow.snapshotIndex) return;
    const entryTerm = shadow.termAt(commitIndex);
    const held = (voter: string): boolean => {
      const other = this.shadows.get(voter);
      return other !== undefined && (other.snapshotIndex >= commitIndex || other.termAt(commitIndex) === entryTerm);
    };
    const majorities = inForce.filter(({ voters }) => voters.filter(held).length * 2 > voters.length);
    if (majorities.length === 0) {
      const voters = shadow.membership().voters;
      const holders = voters.filter(held);
      this.fail(`Commit safety: leader ${id} committed ${commitIndex}@${entryTerm} in term ${term}, but only ${holders.join(',') || 'no node'} of ${voters.length} voters (${voters.join(',')}) hold it durably`);
    }
  }

  /**
   * The term rule: a durable term rises only to a term some message the node stepped was sent in
   * (the sender held it), or by one past what it held when it stands as a candidate (then it votes
   * for itself). A pre-candidate raises no term (thesis §9.6): PreVote exists so that a node cut off
   * does not come back with a term that deposes a healthy leader.
   */
  durableTermRaised(id: string, fromTerm: number, toTerm: number, votedFor: string | null, heardTermMax: number): void {
    if (toTerm <= heardTermMax) return;
    if (votedFor === id && toTerm <= Math.max(fromTerm, heardTermMax) + 1) return;
    this.fail(`Term rule: ${id} raised its durable term from ${fromTerm} to ${toTerm} (vote ${votedFor}) without hearing it (highest term heard ${heardTermMax}) or standing as a candidate`);
  }

  restored(id: string, snapshot: Snapshot): void {
    this.trace.add(this.nowMs(), `${id} restored snapshot ${snapshot.meta.index}@${snapshot.meta.term}`, true);
    this.checkSnapshot(id, snapshot);
    this.snapshotConfig(snapshot);
    this.appliedIndex.set(id, snapshot.meta.index);
    this.states.forget(id);
    this.snapshotsRestored++;
  }

  compacted(id: string, snapshot: Snapshot): void {
    this.trace.add(this.nowMs(), `${id} compacted to ${snapshot.meta.index}@${snapshot.meta.term}`, true);
    this.checkSnapshot(id, snapshot);
    const shadow = this.shadow(id);
    if (shadow.termAt(snapshot.meta.index) !== snapshot.meta.term) {
      this.fail(`${id} compacted at ${snapshot.meta.index}@${snapshot.meta.term}, which its log does not hold`);
    }
    shadow.compact(snapshot.meta.index, snapshot.meta.term);
    this.snapshotConfig(snapshot);
    this.compactions++;
  }

  /** A node restarted: what it loaded must hold everything it had synced and the cluster committed. */
  loaded(id: string, state: PersistedState): void {
    const before = this.shadows.get(id);
    const { snapshot, hardState, entries } = state;
    this.trace.add(this.nowMs(), `${id} loaded snapshot ${snapshot.meta.index}@${snapshot.meta.term}, entries ${describeRange(entries)}, term=${hardState.term} vote=${hardState.votedFor} commit=${hardState.commitIndex}`, true);
    const after = new ShadowLog(snapshot.meta.membership);
    after.reset(snapshot.meta.index, snapshot.meta.term, snapshot.meta.membership);
    after.hardState = { ...hardState };
    for (const entry of entries) this.appendEntry(id, after, entry);
    if (before !== undefined) this.compareRestart(id, before, after);
    this.shadows.set(id, after);
    this.commitCheckedUpTo.set(id, snapshot.meta.index); // the commit index is volatile: it is reported again
    this.appliedIndex.set(id, snapshot.meta.index);
    this.states.forget(id);
    if (snapshot.meta.index > 0) {
      this.checkSnapshot(id, snapshot);
      this.snapshotConfig(snapshot);
    }
  }

  /** Nodes at one applied index must hold identical state (compared by encoded snapshot; see StateSamples). */
  compareStates(states: readonly SampledState[], full = false): void {
    this.states.compare(states, full);
  }

  private compareRestart(id: string, before: ShadowLog, after: ShadowLog): void {
    const b = before.hardState;
    const a = after.hardState;
    if (a.term < b.term) return this.fail(`durability: ${id} restarted in term ${a.term} after syncing term ${b.term}`);
    if (a.term === b.term && b.votedFor !== null && a.votedFor !== b.votedFor) {
      return this.fail(`durability: ${id} forgot its vote for ${b.votedFor} in term ${b.term} (loaded ${a.votedFor})`);
    }
    if (after.snapshotIndex < before.snapshotIndex) {
      return this.fail(`durability: ${id} restarted from snapshot ${after.snapshotIndex}, older than its synced ${before.snapshotIndex}`);
    }
    const committedEnd = Math.min(b.commitIndex, before.lastIndex());
    for (let index = Math.max(after.snapshotIndex, before.snapshotIndex) + 1; index <= committedEnd; index++) {
      if (after.termAt(index) !== before.termAt(index) || after.fingerprintAt(index) !== before.fingerprintAt(index)) {
        return this.fail(`durability: ${id} lost committed entry ${index}@${before.termAt(index)} across a restart (loaded ${after.termAt(index) ?? 'nothing'})`);
      }
    }
  }

  private installed(id: string, shadow: ShadowLog, snapshot: Snapshot): void {
    this.checkSnapshot(id, snapshot);
    shadow.reset(snapshot.meta.index, snapshot.meta.term, snapshot.meta.membership);
  }

  private appendEntry(id: string, shadow: ShadowLog, entry: Entry): void {
    const fp = fingerprint(entry.kind, entry.data);
    const prevTerm = shadow.termAt(entry.index - 1);
    const membership = entry.kind === EntryKind.CONFIG ? this.configOf(id, entry) : undefined;
    if (prevTerm === undefined || !shadow.append(entry.index, entry.term, fp, membership)) {
      this.fail(`${id} persisted entry ${entry.index} with a gap before it (log ends at ${shadow.lastIndex()}, snapshot ${shadow.snapshotIndex})`);
      return;
    }
    const key = `${entry.index}/${entry.term}`;
    const known = this.identities.get(key);
    if (known === undefined) this.identities.set(key, { fingerprint: fp, prevTerm });
    else if (known.fingerprint !== fp || known.prevTerm !== prevTerm) {
      this.fail(`Log Matching: ${id} holds ${key} = ${fp} after term ${prevTerm}; another log holds ${key} = ${known.fingerprint} after term ${known.prevTerm}`);
    }
  }

  private configOf(id: string, entry: Entry): Membership | undefined {
    try {
      return decodeMembership(entry.data);
    } catch (error) {
      this.fail(`${id} persisted CONFIG entry ${entry.index}@${entry.term} that does not decode: ${errorMessage(error)}`);
      return undefined;
    }
  }

  private checkSnapshot(id: string, snapshot: Snapshot): void {
    const { index, term } = snapshot.meta;
    const known = this.committed.get(index);
    if (known !== undefined && known.term !== term) {
      this.fail(`State Machine Safety: ${id} has a snapshot at ${index}@${term} but ${index}@${known.term} was committed`);
    }
    if (index > 0) this.states.record(id, index, fingerprint(0, snapshot.data));
  }

  private shadow(id: string): ShadowLog {
    let shadow = this.shadows.get(id);
    if (shadow === undefined) {
      shadow = new ShadowLog({ voters: [...this.initialVoters()].sort(), learners: [] });
      this.shadows.set(id, shadow);
    }
    return shadow;
  }

  /** Records a violation found outside the observer hooks (a sweep, a stopped replica, liveness). */
  fail(message: string): void {
    this.trace.add(this.nowMs(), `VIOLATION ${message}`, true);
    if (this.violation === undefined) this.violation = message;
  }
}

function describeRange(entries: readonly Entry[]): string {
  if (entries.length === 0) return 'no entries';
  const first = entries[0] as Entry;
  const last = entries[entries.length - 1] as Entry;
  return `entries ${first.index}..${last.index} (term ${first.term}..${last.term})`;
}
