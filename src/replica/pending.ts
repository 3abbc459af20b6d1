// The replica's bounded tables of client requests in flight: proposals waiting for their log index
// to be applied, and reads waiting for a read index and then for the state machine to reach it.
// Each request settles exactly once: on apply, on rejection, on its deadline, or on shutdown.
// Deadlines are swept (expire) from the replica's tick, not timed one by one: every request of a
// table has the same timeout on a monotonic clock, so insertion order is deadline order and a
// sweep stops at the first request still in time.

import { assert } from '../lib/assert.js';
import { asError, CairnError } from '../lib/errors.js';
import type { Reply } from '../lib/reply.js';

interface Settler<T> {
  resolve(value: T): void;
  reject(error: Error): void;
  /** Monotonic clock time (ms) after which the request is rejected as timed out. */
  readonly deadlineMs: number;
}

export interface PendingProposal extends Settler<Reply[]> {
  readonly term: number;
}

export interface PendingRead extends Settler<void> {
  /** The read index once the leader confirmed it; -1 while waiting for it. */
  index: number;
}

export class PendingProposals {
  /** In insertion order, which is deadline order (see expire). */
  private readonly byIndex = new Map<number, PendingProposal>();
  private lastDeadlineMs = -Infinity;

  constructor(readonly capacity: number) {
    assert(Number.isInteger(capacity) && capacity > 0, 'proposal capacity must be a positive integer');
  }

  get size(): number {
    return this.byIndex.size;
  }

  isFull(): boolean {
    return this.byIndex.size >= this.capacity;
  }

  /** Waits for the entry proposed at `index` in `term`: settles with its replies once applied here. */
  track(index: number, term: number, deadlineMs: number): Promise<Reply[]> {
    return new Promise<Reply[]>((resolve, reject) => this.add(index, { term, resolve, reject, deadlineMs }));
  }

  add(index: number, proposal: PendingProposal): void {
    const replaced = this.byIndex.get(index);
    if (replaced !== undefined) {
      // This node lost leadership, its log was cut back, and it leads again. The older entry is
      // gone from this log but may survive on others and still commit under a later leader, so
      // its outcome is unknown (only an applied entry of another term proves it lost).
      assert(replaced.term < proposal.term, `two proposals at index ${index} in term ${proposal.term}`);
      this.take(index)?.reject(new CairnError('CAIRN_TIMEOUT', `outcome unknown: index ${index} was taken by a later term's proposal here`));
    }
    assert(!this.isFull(), 'proposal table is full');
    assert(proposal.deadlineMs >= this.lastDeadlineMs, 'proposal deadlines are added in order');
    this.lastDeadlineMs = proposal.deadlineMs;
    this.byIndex.set(index, proposal);
  }

  /** Entry `index` was applied in `term`: the proposal there succeeded only if its term matches. */
  settleApplied(index: number, term: number, replies: Reply[]): void {
    const proposal = this.take(index);
    if (proposal === undefined) return;
    if (proposal.term === term) proposal.resolve(replies);
    else proposal.reject(new CairnError('CAIRN_NOT_LEADER', `proposal at index ${index} was replaced by a later leader's entry`));
  }

  /** A snapshot skipped past these indexes: whether they were applied is unknown here. */
  settleSkipped(upToIndex: number): void {
    for (const index of [...this.byIndex.keys()]) {
      if (index > upToIndex) continue;
      this.take(index)?.reject(new CairnError('CAIRN_TIMEOUT', `outcome unknown: a snapshot replaced index ${index}`));
    }
  }

  /**
   * Rejects every proposal whose deadline is at or before nowMs. Deadlines are in insertion order,
   * so this stops at the first one still in time: O(expired + 1), never more than capacity.
   */
  expire(nowMs: number): void {
    for (const [index, proposal] of this.byIndex) {
      if (proposal.deadlineMs > nowMs) return;
      this.take(index)?.reject(new CairnError('CAIRN_TIMEOUT', `outcome unknown: index ${index} not applied before the deadline`));
    }
  }

  rejectAll(error: Error): void {
    for (const index of [...this.byIndex.keys()]) this.take(index)?.reject(error);
  }

  private take(index: number): PendingProposal | undefined {
    const proposal = this.byIndex.get(index);
    if (proposal === undefined) return undefined;
    this.byIndex.delete(index);
    return proposal;
  }
}

interface ConfirmedRead {
  readonly requestId: string;
  readonly read: PendingRead;
}

export class PendingReads {
  /** In insertion order, which is deadline order (see expire). */
  private readonly byId = new Map<string, PendingRead>();
  /** Reads whose index the leader confirmed, not yet released, in confirmation order (a subset of byId, or stale). */
  private confirmedReads: ConfirmedRead[] = [];
  private lastDeadlineMs = -Infinity;

  constructor(readonly capacity: number) {
    assert(Number.isInteger(capacity) && capacity > 0, 'read capacity must be a positive integer');
  }

  get size(): number {
    return this.byId.size;
  }

  isFull(): boolean {
    return this.byId.size >= this.capacity;
  }

  /**
   * Waits for the read `requestId`: once the state machine reaches its confirmed index, `query`
   * runs synchronously (before anything else is applied) and the promise settles with its result.
   */
  track<T>(requestId: string, deadlineMs: number, query: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const run = (): void => {
        try {
          resolve(query());
        } catch (error) {
          reject(asError(error));
        }
      };
      this.add(requestId, { index: -1, resolve: run, reject, deadlineMs });
    });
  }

  add(requestId: string, read: PendingRead): void {
    assert(!this.byId.has(requestId), `read ${requestId} is already pending`);
    assert(!this.isFull(), 'read table is full');
    assert(read.deadlineMs >= this.lastDeadlineMs, 'read deadlines are added in order');
    this.lastDeadlineMs = read.deadlineMs;
    this.byId.set(requestId, read);
  }

  /** The leader confirmed a read index (or refused with -1). Unknown ids are stale answers. */
  confirmed(requestId: string, index: number, leaderHint: () => Error): void {
    const read = this.byId.get(requestId);
    if (read === undefined || read.index >= 0) return;
    if (index < 0) {
      this.take(requestId)?.reject(leaderHint());
      return;
    }
    read.index = index;
    this.confirmedReads.push({ requestId, read });
  }

  /**
   * Runs every confirmed read whose index the state machine has reached, in confirmation order.
   * Looks only at confirmed reads (at most capacity, and nothing at all when none is waiting).
   */
  releaseUpTo(appliedIndex: number): void {
    if (this.confirmedReads.length === 0) return;
    const waiting: ConfirmedRead[] = [];
    for (const confirmed of this.confirmedReads) {
      if (this.byId.get(confirmed.requestId) !== confirmed.read) continue; // settled meanwhile (timed out)
      if (confirmed.read.index <= appliedIndex) this.take(confirmed.requestId)?.resolve();
      else waiting.push(confirmed);
    }
    this.confirmedReads = waiting;
  }

  /** Rejects every read whose deadline is at or before nowMs: O(expired + 1), as PendingProposals.expire. */
  expire(nowMs: number): void {
    for (const [requestId, read] of this.byId) {
      if (read.deadlineMs > nowMs) return;
      this.take(requestId)?.reject(new CairnError('CAIRN_TIMEOUT', `read ${requestId} was not answered before the deadline`));
    }
  }

  rejectAll(error: Error): void {
    this.confirmedReads = [];
    for (const requestId of [...this.byId.keys()]) this.take(requestId)?.reject(error);
  }

  private take(requestId: string): PendingRead | undefined {
    const read = this.byId.get(requestId);
    if (read === undefined) return undefined;
    this.byId.delete(requestId);
    return read;
  }
}
