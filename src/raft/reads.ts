// The leader's pending ReadIndex requests (thesis §6.4). A read waits until the leader has
// committed an entry of its own term, then records the commit index as its read index and joins a
// heartbeat round (a sequence number); it is answered once a majority acknowledged that round.
// One round is in flight at a time: reads that arrive meanwhile all join the next round, which goes
// out as soon as the one in flight is confirmed (or with the next periodic heartbeat), so a busy
// leader sends one heartbeat per peer for a whole batch of reads, not one per read.

import { assert } from '../lib/assert.js';
import type { NodeId } from './types.js';

export interface PendingRead {
  requestId: string;
  /** The node that asked: the leader itself or a follower that forwarded the request. */
  from: NodeId;
  /** The read index; -1 while waiting for the term's first commit. */
  index: number;
  /** The heartbeat round that confirms it; 0 while waiting. */
  seq: number;
}

export class ReadQueue {
  /** Reads waiting for an entry of the leader's term to commit. */
  private waiting: PendingRead[] = [];
  /** Reads in heartbeat rounds, ascending by seq. */
  private rounds: PendingRead[] = [];
  /** The latest round number; heartbeats carry it and followers echo it. */
  seq = 0;
  /** A round was opened since the last heartbeat broadcast. */
  roundPending = false;
  /** The round number the last heartbeat broadcast carried. */
  private sentSeq = 0;

  constructor(private readonly maxPendingReads: number) {}

  size(): number {
    return this.waiting.length + this.rounds.length;
  }

  isFull(): boolean {
    return this.size() >= this.maxPendingReads;
  }

  wait(requestId: string, from: NodeId): void {
    assert(!this.isFull(), 'reads: queue full');
    this.waiting.push({ requestId, from, index: -1, seq: 0 });
  }

  /** Opens (or joins) the next heartbeat round for a read at `index`. */
  startRound(requestId: string, from: NodeId, index: number): void {
    assert(!this.isFull(), 'reads: queue full');
    assert(index >= 0, 'reads: negative read index');
    if (!this.roundPending) {
      this.seq++;
      this.roundPending = true;
    }
    this.rounds.push({ requestId, from, index, seq: this.seq });
  }

  /** The leader committed an entry of its term: every waiting read joins a round at `index`. */
  releaseWaiting(index: number): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const read of waiting) this.startRound(read.requestId, read.from, index);
  }

  /** Reads of a round already broadcast still wait for its acknowledgement. */
  roundInFlight(): boolean {
    const oldest = this.rounds[0];
    return oldest !== undefined && oldest.seq <= this.sentSeq;
  }

  /** A pending round may go out now: it has reads and no earlier round is still in flight. */
  roundDue(): boolean {
    return this.roundPending && !this.roundInFlight();
  }

  /**
   * The round number the next heartbeat broadcast carries; with `fresh` (leases) it is one no earlier
   * broadcast carried, so an acknowledgement names exactly the broadcast (and tick) it answers.
   */
  broadcastSeq(fresh: boolean): number {
    if (fresh && !this.roundPending) this.seq++;
    this.roundPending = false;
    assert(this.seq >= this.sentSeq, 'reads: heartbeat rounds go backwards');
    this.sentSeq = this.seq;
    return this.seq;
  }

  /** Removes and returns the reads whose round `isAcked` says a majority confirmed. */
  takeConfirmed(isAcked: (seq: number) => boolean): PendingRead[] {
    let count = 0;
    while (count < this.rounds.length && isAcked(this.rounds[count]!.seq)) count++;
    return count === 0 ? [] : this.rounds.splice(0, count);
  }

  /** Leadership ended: every read is refused. */
  takeAll(): PendingRead[] {
    const all = [...this.waiting, ...this.rounds];
    this.waiting = [];
    this.rounds = [];
    this.roundPending = false;
    return all;
  }
}
