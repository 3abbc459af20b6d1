// One node's driver: feeds the Raft core ticks from the clock and messages from the transport, and
// handles each Ready in the order the core's contract demands — persist and sync, then send, then
// apply to the state machine, then advance. Serves proposals (resolved once applied) and
// linearizable reads (ReadIndex), compacts the log with state machine snapshots, and restarts
// from storage. Written only against io/ interfaces, so the simulator runs this very code.
// Shape: 560 lines: the hand-offs of the stepped snapshot, of entries applied in steps, of applies
// paused for reads in steps, of a sole voter's held proposals (hold applies, compact when encoded,
// wait before an install, propose after an fsync) and of term-pinned proposals sit in the Ready loop
// they order; the work itself is in stepped-snapshot.ts, stepped-apply.ts, apply-pause.ts and
// held-proposals.ts.

import { assert } from '../lib/assert.js';
import { asError, CairnError, isCairnError } from '../lib/errors.js';
import { deferred } from '../lib/deferred.js';
import type { Reply } from '../lib/reply.js';
import type { TimerHandle } from '../io/clock.js';
import { resolveSettings } from '../raft/settings.js';
import { EntryKind } from '../raft/types.js';
import type { ConfChange, Entry, Message, ProposeResult, RaftConfig, RaftNodeApi, RaftStatus, Ready, Snapshot } from '../raft/types.js';
import { isSoleVoter, loadOrBootstrap } from './initial-state.js';
import { TickDebt } from './tick-debt.js';
import { countBelow, gatherProposals } from './ready-batch.js';
import { HeldProposals } from './held-proposals.js';
import { refusedByCore } from './errors.js';
import { CompactionPolicy } from './compaction-policy.js';
import { PendingProposals, PendingReads } from './pending.js';
import { isPendingApply, type ReplicaObserver, type StateMachine, type Steps } from './ports.js';
import { SteppedApply } from './stepped-apply.js';
import { ApplyPause } from './apply-pause.js';
import { microtaskTurn, runSteps, SNAPSHOT_STEP_BUDGET, SnapshotEncoding, type CompactRequest, type StepPace } from './stepped-snapshot.js';
import type { ReplicaIo, ReplicaOptions } from './options.js';

export type { RaftTuning, ReplicaIo, ReplicaOptions } from './options.js';

/** What a server may learn of applied entries and installed snapshots (watchApplied). */
export type AppliedWatcher = Pick<ReplicaObserver, 'applied' | 'restored'>;

/** Most Ready batches handled in one go before yielding to the clock (a bound on the loop). */
const READY_ROUNDS_MAX = 1_000;

export class Replica<S extends StateMachine> {
  private readonly proposals: PendingProposals;
  /** Proposals made while a sole voter's last Ready persists (held-proposals.ts). */
  private readonly held = new HeldProposals();
  /** Set while the entries of the last Ready taken are being made durable, on a sole voter: propose() holds. */
  private holding = false;
  private readonly reads: PendingReads;
  private readonly readIdPrefix: string;
  private readSeq = 0;
  /** Peer incarnations in the durable hard state (see handleReady). */
  private knownPeerCount: number;
  private appliedIndex: number;
  private snapshotIndex: number;
  private leaderId: string | null = null;
  private processing = false;
  /** The Ready loop while it runs: close() waits for it, so storage is not closed under it. */
  private draining: Promise<void> = Promise.resolve();
  private stopped = false;
  private closed = false;
  private failure: Error | undefined;
  private tickTimer: TimerHandle | undefined;
  private compactRequest: CompactRequest | null = null;
  /** Our own snapshot being encoded in steps (entries are held meanwhile), or encoded and waiting to compact the log. */
  private encoding: SnapshotEncoding | null = null;
  /** An entry being applied in steps (a long script): later entries are held, snapshots wait. */
  private applying: SteppedApply | null = null;
  /** Applying paused for reads running in steps on the state (read-only scripts): entries are held, no snapshot is encoded meanwhile. */
  private readonly applyPause = new ApplyPause();
  private readonly stepPace: StepPace;
  private readonly tickDebt: TickDebt;
  private readonly compaction: CompactionPolicy;
  private appliedWatcher: AppliedWatcher | undefined;

  private constructor(
    private readonly options: ReplicaOptions,
    private readonly io: ReplicaIo,
    private readonly node: RaftNodeApi,
    private readonly stateMachine: S,
    snapshotIndex: number,
    electionTimeoutTicks: number,
    knownPeerCount: number,
  ) {
    this.knownPeerCount = knownPeerCount;
    this.tickDebt = new TickDebt(options.tickMs, 2 * electionTimeoutTicks, io.clock.monotonicMs());
    this.compaction = new CompactionPolicy(options.snapshotEveryEntries, options.tickMs, options.compactionMinBytes);
    this.proposals = new PendingProposals(options.maxPendingProposals);
    this.reads = new PendingReads(options.maxPendingReads);
    this.readIdPrefix = `${options.id}/${options.prng.nextUint32().toString(16)}/`;
    this.appliedIndex = snapshotIndex;
    this.snapshotIndex = snapshotIndex;
    this.stepPace = { budget: options.snapshotStepKeys ?? SNAPSHOT_STEP_BUDGET, yieldTurn: io.yieldTurn ?? microtaskTurn };
  }

  /** Loads the node's persisted state (or bootstraps a new cluster) and starts ticking. */
  static async start<S extends StateMachine>(options: ReplicaOptions, io: ReplicaIo, stateMachine: S): Promise<Replica<S>> {
    assert(options.tickMs > 0, 'tickMs must be positive');
    const persisted = await loadOrBootstrap(io.storage, options);
    if (persisted.snapshot.meta.index > 0) stateMachine.restore(persisted.snapshot.data);
    io.observer?.loaded?.(options.id, persisted);
    const config: RaftConfig = { ...options.raft, id: options.id, prng: options.prng, incarnation: persisted.hardState.incarnation };
    const node = io.createNode(config, persisted);
    const { electionTimeoutTicks } = resolveSettings(config);
    const knownPeerCount = persisted.hardState.peerIncarnations?.length ?? 0;
    const replica = new Replica(options, io, node, stateMachine, persisted.snapshot.meta.index, electionTimeoutTicks, knownPeerCount);
    replica.compaction.compacted(persisted.snapshot.data.length);
    io.transport.onReceive((_from, message) => replica.receive(message));
    io.storage.onFailure?.((error) => replica.stop(error));
    replica.scheduleTick();
    // A cluster of one has nobody to wait for: it leads at once instead of after an election timeout.
    if (isSoleVoter(node.status().membership, options.id)) replica.guarded(() => node.campaign());
    replica.kick();
    return replica;
  }

  get id(): string {
    return this.options.id;
  }

  /**
   * Proposes one state machine entry; resolves with its replies once it is committed and applied
   * here. With `term`, the entry is appended only in that term (else CAIRN_NOT_LEADER, never
   * appended): a relayed entry's follower relies on knowing its term (relay-waiters.ts).
   */
  propose(data: Uint8Array, term?: number): Promise<Reply[]> {
    const refused = this.refusal();
    if (refused !== undefined) return Promise.reject(refused);
    if (this.proposals.size + this.held.size >= this.proposals.capacity) return Promise.reject(new CairnError('CAIRN_BUSY', `${this.id}: too many pending proposals`));
    if (this.holding || this.held.size > 0) return this.held.hold(data, term, this.requestDeadlineMs());
    return this.proposeIn(data, term);
  }

  /** Appends now, in `term` when one is asked for: checked in the same turn as the append. */
  private proposeIn(data: Uint8Array, term: number | undefined): Promise<Reply[]> {
    const current = this.node.status().term;
    if (term !== undefined && term !== current) return Promise.reject(new CairnError('CAIRN_NOT_LEADER', `${this.id}: in term ${current}, not ${term}`));
    return this.track(this.node.propose(data));
  }

  /** Tells `watcher` of every applied entry and installed snapshot (after the observer): the server's relay outcomes. */
  watchApplied(watcher: AppliedWatcher): void {
    assert(this.appliedWatcher === undefined, 'one applied-entry watcher per replica');
    this.appliedWatcher = watcher;
  }

  /** Leader only: proposes one membership change; resolves once its CONFIG entry is committed and applied here. */
  proposeConfChange(change: ConfChange): Promise<void> {
    const refused = this.refusal();
    if (refused !== undefined) return Promise.reject(refused);
    if (this.proposals.isFull()) return Promise.reject(new CairnError('CAIRN_BUSY', `${this.id}: too many pending proposals`));
    return this.track(this.node.proposeConfChange(change)).then(() => undefined);
  }

  /** Registers an accepted proposal until its entry is applied here (or refused, or timed out). */
  private track(result: ProposeResult): Promise<Reply[]> {
    if (!result.accepted) return Promise.reject(this.rejection(result.reason, result.leaderId));
    const applied = this.proposals.track(result.index, result.term, this.requestDeadlineMs());
    // Only now: handling the Ready may settle the proposal synchronously, so it must be registered.
    this.kick();
    return applied;
  }

  /** Runs `query` against the state machine once it reflects every write committed before the call. */
  read<T>(query: (state: S) => T): Promise<T> {
    const refused = this.refusal();
    if (refused !== undefined) return Promise.reject(refused);
    if (this.reads.isFull()) return Promise.reject(new CairnError('CAIRN_BUSY', `${this.id}: too many pending reads`));
    // A process that was paused must not answer from a lease its stopped tick timer kept fresh.
    this.catchUpTicks();
    const failed = this.refusal();
    if (failed !== undefined) return Promise.reject(failed);
    const requestId = `${this.readIdPrefix}${this.readSeq++}`;
    const result = this.node.readIndex(requestId);
    if (!result.accepted) return Promise.reject(this.rejection(result.reason, result.leaderId));
    const answered = this.reads.track(requestId, this.requestDeadlineMs(), () => query(this.stateMachine));
    // Only now: a read state may come back in the very next Ready, handled synchronously.
    this.kick();
    return answered;
  }

  /**
   * Snapshots the state machine at the applied index and compacts the log now, between Ready
   * batches; resolves with the snapshot's index once it is durable. Calls made while one is
   * pending share it.
   */
  compactNow(): Promise<number> {
    const refused = this.refusal();
    if (refused !== undefined) return Promise.reject(refused);
    this.compactRequest ??= deferred<number>();
    const { promise } = this.compactRequest;
    this.kick();
    return promise;
  }

  /** Leader only: hands leadership to the voter `to` once its log is caught up (TimeoutNow). */
  transferLeadership(to: string): void {
    const refused = this.refusal();
    if (refused !== undefined) throw refused;
    const result = this.node.transferLeadership(to);
    if (!result.accepted) throw this.rejection(result.reason, result.leaderId);
    this.kick();
  }

  status(): RaftStatus {
    return this.node.status();
  }

  leaderHint(): string | null {
    return this.leaderId;
  }

  appliedUpTo(): number {
    return this.appliedIndex;
  }

  /** Since when (io.clock monotonic ms) an entry has been applying in steps (a long script), or null. */
  applyingSinceMs(): number | null {
    return this.applying?.startedAtMs ?? null;
  }

  /**
   * Settles when the entry applying in steps is done (at once when none is): the state is whole
   * again. Reads through read() wait anyway (their index is at or past that entry); a caller reading
   * the state directly (a local read) must wait for this.
   */
  applyingDone(): Promise<void> {
    return this.applying?.done ?? Promise.resolve();
  }

  /**
   * Holds applying committed entries until the returned function is called, so that a read running
   * in steps (a read-only script) sees the state unchanged; Raft goes on meanwhile. The caller
   * bounds the pause (a script's instruction limit) and must end it.
   */
  pauseApplying(): () => void {
    return this.applyPause.pause((held) => {
      if (this.stopped) return;
      for (const entry of held) this.apply(entry);
      this.reads.releaseUpTo(this.appliedIndex);
      this.kick();
    });
  }

  /** The error that stopped this replica, if one did. */
  failed(): Error | undefined {
    return this.failure;
  }

  /**
   * Stops ticking and receiving; every pending request is rejected with CAIRN_CLOSED. Waits for
   * the Ready batch being handled, then closes the transport and storage — also after a failure.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stop(new CairnError('CAIRN_CLOSED', `${this.id}: replica closed`));
    await this.draining;
    await this.encoding?.done;
    await this.io.transport.close();
    await this.io.storage.close();
  }

  private receive(message: Message): void {
    if (this.stopped) return;
    // A leader resuming from a pause may be asked (a forwarded read) before its tick timer fires.
    this.catchUpTicks();
    if (this.stopped) return;
    this.guarded(() => this.node.step(message));
    this.kick();
  }

  private scheduleTick(): void {
    this.tickTimer = this.io.clock.setTimer(this.options.tickMs, () => {
      if (this.stopped) return;
      this.catchUpTicks();
      if (this.stopped) return;
      this.expireRequests();
      this.scheduleTick();
      this.kick();
    });
  }

  /** When a request made now times out: swept by expireRequests, so at most one tick late. */
  private requestDeadlineMs(): number {
    return this.io.clock.monotonicMs() + this.options.requestTimeoutMs;
  }

  /** Rejects (CAIRN_TIMEOUT, outcome unknown) every request past its deadline, each tick: O(expired + 1) per table, not a timer per request. */
  private expireRequests(): void {
    const nowMs = this.io.clock.monotonicMs();
    this.held.expire(nowMs);
    this.proposals.expire(nowMs);
    this.reads.expire(nowMs);
  }

  /** Runs the ticks the clock owes (a late timer or a paused process included): after a pause the core sees the time that passed. */
  private catchUpTicks(): void {
    const ticks = this.tickDebt.collect(this.io.clock.monotonicMs());
    this.compaction.tick(ticks);
    for (let i = 0; i < ticks && !this.stopped; i++) this.guarded(() => this.node.tick());
  }

  /** Runs core code whose failure (a broken invariant) must stop this node, not its caller. */
  private guarded(step: () => void): void {
    try {
      step();
    } catch (error) {
      this.stop(asError(error));
    }
  }

  /** Starts handling Ready batches unless that is already under way. */
  private kick(): void {
    if (this.processing || this.stopped || !this.hasWork()) return;
    this.processing = true;
    this.draining = this.drain().then(
      () => undefined,
      (error: unknown) => this.stop(asError(error)),
    );
  }

  private async drain(): Promise<void> {
    let round = 0;
    for (; round < READY_ROUNDS_MAX && !this.stopped; round++) {
      // Writers answered by the last round (or woken with the proposal that started this loop)
      // propose a few microtask turns later: let them, so that the proposals of one event-loop
      // turn share one Ready and one fdatasync instead of the first going alone.
      await gatherProposals();
      if (this.stopped) break;
      if (this.held.size > 0 && this.appliedAllCommitted()) await this.releaseHeld();
      if (this.stopped || !this.node.hasReady()) break;
      const ready = this.node.ready();
      // The term this Ready belongs to: messages stepped while it is persisted may move the node on.
      const status = this.node.status();
      this.holding = ready.entries.length > 0 && isSoleVoter(status.membership, this.id);
      await this.handleReady(ready, status.term);
      if (this.stopped) return;
      this.node.advance(ready);
      await this.maybeCompact();
    }
    this.holding = false;
    // compactNow() or a quiet node's compaction, with no Ready to handle: the loop above did not run.
    if (!this.stopped && this.compactionWork()) await this.maybeCompact();
    this.processing = false;
    if (this.stopped || !this.hasWork()) return;
    // More work arrived after the last round's check, or the round bound was hit (first run the
    // ticks that came due meanwhile): go on now. Not on a clock timer: the real clock's timers do
    // not keep a process alive (an embedded store's caller awaiting a write would exit), and a
    // test's frozen clock never fires them. Every round awaits storage, so the event loop turns.
    if (round === READY_ROUNDS_MAX) this.catchUpTicks();
    this.kick();
  }

  private hasWork(): boolean {
    return this.node.hasReady() || this.held.size > 0 || this.compactionWork();
  }

  /** Every committed entry was handed out to be applied: the writers of the last Ready were answered. */
  private appliedAllCommitted(): boolean {
    const { commitIndex, appliedIndex } = this.node.status();
    return commitIndex <= appliedIndex;
  }

  /**
   * Lets the event loop turn (the writers just answered send their next writes, which are held
   * too), then proposes everything held, in order: they all go into the next Ready, one fsync.
   */
  private async releaseHeld(): Promise<void> {
    await (this.io.gatherTurn ?? gatherProposals)();
    if (this.stopped) return;
    this.holding = false;
    this.held.release((data, term) => this.proposeIn(data, term));
  }

  /** A compaction to start (asked for, or a quiet node's), or an encoded snapshot to compact with; none while one is being encoded. */
  private compactionWork(): boolean {
    if (this.applying !== null || this.applyPause.paused) return false;
    if (this.encoding !== null) return !this.encoding.encoding;
    return this.compactRequest !== null || this.compaction.idleDue();
  }

  private async handleReady(ready: Ready, term: number): Promise<void> {
    const storage = this.io.storage;
    // Committed entries below this Ready's new ones were made durable by earlier Readies: they are
    // applied before this Ready's fsync, not after it, so a write waits for one fsync, not two.
    // Not when the Ready records a first-seen peer incarnation (the map only grows): what the core
    // counted from that peer waits for the map's fsync, like every message that relied on it.
    const peerCount = ready.hardState?.peerIncarnations?.length ?? this.knownPeerCount;
    const firstSeen = peerCount > this.knownPeerCount;
    const durableCount = ready.snapshot === null && !firstSeen ? countBelow(ready.committedEntries, ready.entries[0]?.index ?? Infinity) : 0;
    for (let i = 0; i < durableCount; i++) this.apply(ready.committedEntries[i] as Entry);
    if (ready.snapshot !== null) await this.installSnapshot(ready.snapshot);
    if (ready.entries.length > 0) await storage.appendEntries(ready.entries);
    if (ready.hardState !== null) await storage.saveHardState(ready.hardState);
    if (ready.entries.length > 0 || ready.hardState !== null) await storage.sync();
    if (this.stopped) return;
    this.knownPeerCount = peerCount;
    this.io.observer?.persisted?.(this.id, ready);
    for (const message of ready.messages) this.io.transport.send(message.to, message);
    for (let i = durableCount; i < ready.committedEntries.length; i++) this.apply(ready.committedEntries[i] as Entry);
    for (const readState of ready.readStates) {
      this.reads.confirmed(readState.requestId, readState.index, () => this.rejection('not_leader', this.leaderId));
    }
    this.reads.releaseUpTo(this.appliedIndex);
    if (ready.softState !== null) {
      this.leaderId = ready.softState.leaderId;
      this.io.observer?.softState?.(this.id, ready.softState, term);
    }
  }

  private async installSnapshot(snapshot: Snapshot): Promise<void> {
    // An entry being applied in steps ends first (it and the entries held behind it are below this
    // snapshot), and so do reads running in steps (the entries they hold are below it too).
    await this.applying?.done;
    await this.applyPause.done;
    // Our own snapshot being encoded reads the state this one replaces: let it finish, then drop it.
    const superseded = this.encoding;
    await superseded?.done;
    this.encoding = null;
    if (this.stopped) return;
    assert(snapshot.meta.index > this.appliedIndex, 'a snapshot from the leader must be ahead of what was applied');
    await this.io.storage.installSnapshot(snapshot);
    if (this.stopped) return;
    const restored = await runSteps(this.stateMachine.restoreSteps(snapshot.data), this.stepPace, () => this.stopped);
    if (restored === null) return;
    this.appliedIndex = snapshot.meta.index;
    this.snapshotIndex = snapshot.meta.index;
    this.compaction.compacted(snapshot.data.length);
    this.proposals.settleSkipped(snapshot.meta.index);
    this.io.observer?.restored?.(this.id, snapshot);
    this.appliedWatcher?.restored?.(this.id, snapshot);
    superseded?.request?.resolve(snapshot.meta.index);
  }

  private apply(entry: Entry): void {
    if (this.encoding?.encoding === true) return this.encoding.hold(entry);
    if (this.applying !== null) return this.applying.hold(entry);
    if (this.applyPause.paused) return this.applyPause.hold(entry);
    assert(entry.index === this.appliedIndex + 1, `apply out of order: ${entry.index} after ${this.appliedIndex}`);
    const applied = entry.kind === EntryKind.NORMAL ? this.stateMachine.apply(entry.data, entry.index) : [];
    if (isPendingApply(applied)) return this.applyInSteps(entry, applied.pending);
    this.settleApplied(entry, applied);
  }

  /** Runs an entry's apply in steps beside the Ready loop; when it ends, the entries held meanwhile are applied. */
  private applyInSteps(entry: Entry, steps: Steps<Reply[]>): void {
    const applying = new SteppedApply(entry, this.io.clock.monotonicMs());
    this.applying = applying;
    const finish = (replies: Reply[] | null, held: readonly Entry[]): void => {
      this.applying = null;
      if (replies === null) return;
      this.settleApplied(entry, replies);
      for (const next of held) this.apply(next);
      this.reads.releaseUpTo(this.appliedIndex);
      this.kick();
    };
    applying.run(steps, this.stepPace, () => this.stopped, finish, (error) => this.stop(error));
  }

  private settleApplied(entry: Entry, replies: Reply[]): void {
    this.appliedIndex = entry.index;
    this.compaction.applied(entry.data.length);
    this.io.observer?.applied?.(this.id, entry, replies);
    this.appliedWatcher?.applied?.(this.id, entry, replies);
    this.proposals.settleApplied(entry.index, entry.term, replies);
  }

  /**
   * Between Ready rounds: compacts the log with a snapshot that finished encoding, or starts
   * encoding one when compactNow() asked, when a member needs a snapshot the node kept no data of
   * (it was alone), or when the policy says so.
   */
  private async maybeCompact(): Promise<void> {
    // Half an entry is applied: the state is not one the log can be compacted to. While reads hold
    // applying, an encoding would hold entries too, and both holds must hand them back in order.
    if (this.applying !== null || this.applyPause.paused) return;
    const encoding = this.encoding;
    if (encoding !== null) {
      if (!encoding.encoding) await this.compactWith(encoding);
      return;
    }
    const request = this.compactRequest;
    this.compactRequest = null;
    if (request === null && !this.node.snapshotWanted() && !this.compaction.due(this.appliedIndex - this.snapshotIndex)) return;
    // Nothing applied since the last snapshot; or a snapshot from the leader the core accepted while
    // this Ready was persisted, not yet handed to us: it is ahead of what we applied, and installing
    // it comes next (found with real processes).
    if (this.appliedIndex <= this.snapshotIndex || this.node.status().snapshotIndex >= this.appliedIndex) {
      request?.resolve(this.snapshotIndex);
      return;
    }
    this.startEncoding(new SnapshotEncoding(this.appliedIndex, request));
  }

  /** Encodes the state in steps beside the Ready loop; once done, the held entries are applied and the loop compacts. */
  private startEncoding(encoding: SnapshotEncoding): void {
    this.encoding = encoding;
    const held = (entries: readonly Entry[]): void => {
      for (const entry of entries) this.apply(entry);
      this.reads.releaseUpTo(this.appliedIndex);
      this.kick();
    };
    encoding.run(this.stateMachine.snapshotSteps(), this.stepPace, () => this.stopped, held, (error) => this.stop(error));
  }

  private async compactWith(encoding: SnapshotEncoding): Promise<void> {
    this.encoding = null;
    const { data, index, request } = encoding;
    // The leader's snapshot, accepted by the core meanwhile, is ahead of ours: installing it comes next.
    if (data === null || this.node.status().snapshotIndex >= index) {
      request?.resolve(this.snapshotIndex);
      return;
    }
    try {
      const snapshot = this.node.compact(index, data);
      assert(snapshot.meta.index === index, 'compaction snapshot must cover the encoded index');
      await this.io.storage.compact(snapshot);
      if (this.stopped) return;
      this.snapshotIndex = snapshot.meta.index;
      this.compaction.compacted(snapshot.data.length);
      this.io.observer?.compacted?.(this.id, snapshot);
    } catch (error) {
      request?.reject(asError(error));
      throw error;
    }
    request?.resolve(this.snapshotIndex);
  }

  private refusal(): Error | undefined {
    if (this.failure !== undefined) return new CairnError('CAIRN_CLOSED', `${this.id}: replica stopped: ${this.failure.message}`);
    if (this.stopped) return new CairnError('CAIRN_CLOSED', `${this.id}: replica closed`);
    return undefined;
  }

  private rejection(reason: string, leaderId: string | null): Error {
    return refusedByCore(this.id, reason, leaderId);
  }

  /** Fail-stop: a storage error or a broken invariant halts the node instead of serving wrong data. */
  private stop(error: Error): void {
    if (this.stopped) return;
    this.stopped = true;
    if (!isCairnError(error, 'CAIRN_CLOSED')) this.failure = error;
    this.tickTimer?.cancel();
    this.held.rejectAll(error);
    this.proposals.rejectAll(error);
    this.reads.rejectAll(error);
    this.compactRequest?.reject(error);
    this.compactRequest = null;
    this.encoding?.request?.reject(error);
    if (this.encoding?.encoding === true) this.encoding.finish(null);
  }
}
