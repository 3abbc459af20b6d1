// Building and advancing a Ready (etcd-io/raft's rawnode.go): the node's output — messages, read
// states, a received snapshot — waits here until the caller takes a Ready, which hands out, in the
// order of the contract in types.ts, what to persist (snapshot, entries, hard state), what to send
// and what to apply; advance() then records what the caller made durable and applied. The roles,
// step and commit that produce the output live in node.ts; this file only reads them.

import { assert } from '../lib/assert.js';
import type { NodeCore, NodeState } from './core.js';
import type { RaftLog } from './log.js';
import type { Entry, HardState, Message, ReadState, Ready, Snapshot, SoftState } from './types.js';

/** The caller drains the outbox with every Ready; this many unsent messages means it stopped. */
const OUTBOX_MESSAGES_MAX = 1_000_000;

export class ReadyBuilder {
  private outbox: Message[] = [];
  private readStates: ReadState[] = [];
  /** A received snapshot not yet handed to the caller. */
  private pendingSnapshot: Snapshot | null = null;
  /** The hard state last handed out for persistence, with the version of the peers map it held. */
  private persistedHardState: HardState;
  private persistedPeersVersion: number;
  /** peers.version in the Ready outstanding. */
  private outstandingPeersVersion = 0;
  private reportedSoftState: SoftState = { role: 'follower', leaderId: null };
  private outstanding: Ready | null = null;
  /** The last Ready sent a leader's messages ahead of its entries (sendsBeforePersisting). */
  private lastReadyEarly = false;

  /** The node's log and role/term state, held directly: every Ready reads them several times. */
  private readonly log: RaftLog;
  private readonly state: Readonly<NodeState>;

  constructor(private readonly src: NodeCore, persisted: HardState) {
    this.log = src.log;
    this.state = src.state;
    this.persistedHardState = persisted;
    this.persistedPeersVersion = src.peers.version;
  }

  emit(m: Message): void {
    assert(this.outbox.length < OUTBOX_MESSAGES_MAX, 'outbox overflow: the caller must call ready()');
    this.outbox.push(m);
  }

  addReadState(state: ReadState): void {
    this.readStates.push(state);
  }

  /** A snapshot from the leader replaced the log: it goes out in the next Ready, to be persisted and restored. */
  snapshotInstalled(snapshot: Snapshot): void {
    this.pendingSnapshot = snapshot;
  }

  /** A Ready was handed out and not advanced yet. */
  isOutstanding(): boolean {
    return this.outstanding !== null;
  }

  /** Whether a Ready would carry anything of the output kept here (the node adds its batched work). */
  hasOutput(): boolean {
    const log = this.log;
    return this.outbox.length > 0 || this.readStates.length > 0 || this.pendingSnapshot !== null ||
      log.hasUnstable() || this.hardState() !== null || this.softStateChange() !== null ||
      log.commitIndex > this.appliedBase();
  }

  build(): Ready {
    assert(this.outstanding === null, 'ready() called again before advance()');
    const log = this.log;
    const early = this.sendsBeforePersisting();
    this.lastReadyEarly = early;
    const hardState = early ? null : this.hardState();
    if (hardState !== null) this.outstandingPeersVersion = this.src.peers.version;
    const softState = this.softStateChange();
    if (softState !== null) this.reportedSoftState = softState;
    const rd: Ready = {
      softState,
      hardState,
      snapshot: this.pendingSnapshot,
      entries: early ? [] : log.unstableEntries(),
      messages: this.outbox,
      committedEntries: this.committedToApply(early ? log.stableIndex() : log.lastIndex()),
      readStates: this.readStates,
    };
    this.outbox = [];
    this.readStates = [];
    log.readyHandedOut();
    this.outstanding = rd;
    return rd;
  }

  /** The caller handled `rd`; returns true when it persisted entries (a leader may then commit them). */
  advance(rd: Ready): boolean {
    assert(rd === this.outstanding, 'advance() takes the Ready that ready() returned');
    const log = this.log;
    if (rd.snapshot !== null) {
      log.appliedTo(rd.snapshot.meta.index);
      if (this.pendingSnapshot === rd.snapshot) this.pendingSnapshot = null;
    }
    const lastEntry = rd.entries[rd.entries.length - 1];
    if (lastEntry !== undefined) log.stableTo(lastEntry.index, lastEntry.term);
    if (rd.hardState !== null) {
      this.persistedHardState = rd.hardState;
      this.persistedPeersVersion = this.outstandingPeersVersion;
    }
    const lastApplied = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastApplied !== undefined) log.appliedTo(lastApplied.index);
    log.readyHandedOut();
    this.outstanding = null;
    return lastEntry !== undefined;
  }

  /**
   * Thesis §10.2.1: a leader may send its new entries to the followers while it writes them to its
   * own disk, since it counts itself toward a commit only for entries it has persisted (stableIndex).
   * So when a leader's Ready would hold both, the messages go out in a Ready of their own and the
   * entries follow in the next — the caller starts the sends before the fsync. Only while the term
   * and vote are durable (a message must never carry a term its sender could forget), only for one
   * Ready in a row (the entries always come next), and never with a snapshot to install.
   */
  private sendsBeforePersisting(): boolean {
    const src = this.src;
    if (this.state.role !== 'leader' || this.lastReadyEarly || this.outbox.length === 0) return false;
    if (this.pendingSnapshot !== null || !this.log.hasUnstable()) return false;
    if (src.peers.version !== this.persistedPeersVersion) return false; // a first-seen incarnation goes first
    const p = this.persistedHardState;
    return p.term === this.state.term && p.votedFor === this.state.votedFor;
  }

  /** Committed entries not yet applied, up to `durableIndex` (what is on disk once this Ready is persisted). */
  private committedToApply(durableIndex: number): Entry[] {
    const log = this.log;
    assert(durableIndex <= log.lastIndex(), 'nothing past the log can be durable');
    assert(durableIndex >= log.snapshotIndex, 'the snapshot is durable');
    const from = this.appliedBase() + 1;
    const to = Math.min(log.commitIndex, durableIndex);
    if (to < from) return [];
    const s = this.src.settings;
    return log.slice(from, to + 1, 8 * s.maxBatchEntries, 8 * s.maxBatchBytes)!;
  }

  private appliedBase(): number {
    return Math.max(this.log.appliedIndex, this.pendingSnapshot?.meta.index ?? 0);
  }

  /** The hard state when it differs from what was last handed out for persistence, else null. */
  private hardState(): HardState | null {
    const src = this.src;
    const p = this.persistedHardState;
    const term = this.state.term;
    const votedFor = this.state.votedFor;
    const commitIndex = this.log.commitIndex;
    const peersChanged = src.peers.version !== this.persistedPeersVersion;
    if (p.term === term && p.votedFor === votedFor && p.commitIndex === commitIndex && !peersChanged) return null;
    assert(term >= p.term, 'terms never decrease');
    assert(term > p.term || p.votedFor === null || p.votedFor === votedFor, 'one vote per term');
    assert(commitIndex >= p.commitIndex, 'commit index never decreases');
    return { term, votedFor, commitIndex, incarnation: src.incarnation, peerIncarnations: src.peers.list() };
  }

  private softStateChange(): SoftState | null {
    const r = this.reportedSoftState;
    const role = this.state.role;
    const leaderId = this.state.leaderId;
    if (r.role === role && r.leaderId === leaderId) return null;
    return { role, leaderId };
  }
}
