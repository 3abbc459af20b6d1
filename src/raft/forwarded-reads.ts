// A follower's reads forwarded to the leader, in batches (as etcd's server batches its reads into
// one ReadIndex request). One batch is in flight at a time; reads that arrive meanwhile form the
// next batch, which goes out as one readIndex message once the leader answered the one in flight.
// A batch is named by its first read's id, which the caller keeps unique across restarts, so a
// late answer to an older batch can never be taken for the current one.

import { assert } from '../lib/assert.js';
import type { NodeId, ReadState } from './types.js';

interface Batch {
  readonly id: string;
  readonly to: NodeId;
  readonly requestIds: string[];
  readonly sentTick: number;
}

export class ForwardedReads {
  /** Reads not sent yet: the next batch. */
  private next: string[] = [];
  private inFlight: Batch | null = null;

  constructor(private readonly maxPendingReads: number) {
    assert(Number.isInteger(maxPendingReads) && maxPendingReads > 0, 'forwarded reads: bound must be a positive integer');
  }

  size(): number {
    return this.next.length + (this.inFlight?.requestIds.length ?? 0);
  }

  isFull(): boolean {
    return this.size() >= this.maxPendingReads;
  }

  add(requestId: string): void {
    assert(!this.isFull(), 'forwarded reads: queue full');
    this.next.push(requestId);
  }

  /** Whether flush() has work: a batch to send or resend, or reads to refuse. */
  needsFlush(leaderId: NodeId | null, nowTicks: number, resendTicks: number): boolean {
    const batch = this.inFlight;
    if (batch === null) return this.next.length > 0;
    return batch.to !== leaderId || nowTicks - batch.sentTick >= resendTicks;
  }

  /**
   * Sends what is due through `send` (one readIndex message per batch) and returns the read states
   * of refused reads (index -1, the caller retries them): with no leader every read is refused; a
   * batch sent to an earlier leader is refused; a batch unanswered for `resendTicks` is sent again
   * (its answer or the request was lost; any answer to it is still a valid read index, since even
   * the first request left after every read in the batch arrived).
   */
  flush(leaderId: NodeId | null, nowTicks: number, resendTicks: number, send: (to: NodeId, id: string) => void): ReadState[] {
    assert(resendTicks > 0, 'forwarded reads: resend interval must be positive');
    if (leaderId === null) return this.refuseAll();
    let refused: ReadState[] = [];
    const batch = this.inFlight;
    if (batch !== null && batch.to !== leaderId) {
      this.inFlight = null;
      refused = batch.requestIds.map((requestId) => ({ requestId, index: -1 }));
    } else if (batch !== null && nowTicks - batch.sentTick >= resendTicks) {
      this.inFlight = { ...batch, sentTick: nowTicks };
      send(leaderId, batch.id);
    }
    if (this.inFlight === null && this.next.length > 0) {
      const requestIds = this.next;
      this.next = [];
      this.inFlight = { id: requestIds[0]!, to: leaderId, requestIds, sentTick: nowTicks };
      send(leaderId, this.inFlight.id);
    }
    return refused;
  }

  /** The leader `from` answered batch `id` with `index` (-1: refused): the read states of its reads. */
  answer(from: NodeId, id: string, index: number): ReadState[] {
    const batch = this.inFlight;
    if (batch === null || batch.id !== id || batch.to !== from) return []; // a late or foreign answer
    this.inFlight = null;
    return batch.requestIds.map((requestId) => ({ requestId, index }));
  }

  /** No leader to ask (or this node leads now): every read, sent or not, is refused. */
  refuseAll(): ReadState[] {
    const requestIds = [...(this.inFlight?.requestIds ?? []), ...this.next];
    this.inFlight = null;
    this.next = [];
    return requestIds.map((requestId) => ({ requestId, index: -1 }));
  }
}
