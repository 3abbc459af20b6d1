// Proposals a sole voter holds back while its last Ready's entries are being made durable, so that
// the writers it answers next share one fsync with the writers waiting now — as Redis, with
// appendfsync always, writes and fsyncs once per event-loop iteration for every client served in
// it. Without the hold, the writes that arrive during an fsync go into the very next Ready, which
// is taken the moment the fsync ends, before the writers just answered can send again: the
// clients split into two groups that take turns, each with half of the fsyncs.
//
// The Ready loop (replica.ts) holds what is proposed from the moment it takes a Ready with new
// entries; once those are applied (their replies out), it lets the event loop turn
// (ReplicaIo.gatherTurn: the answered clients' next writes come in and are held too), then
// proposes everything held, in order, and takes the next Ready. A held proposal is in no log:
// rejecting it (deadline, shutdown) leaves no doubt about its outcome.

import { assert } from '../lib/assert.js';
import { CairnError } from '../lib/errors.js';
import type { Reply } from '../lib/reply.js';

interface HeldProposal {
  readonly data: Uint8Array;
  /** The term the entry must be appended in, when the proposer asked for one (a relayed entry). */
  readonly term: number | undefined;
  readonly deadlineMs: number;
  readonly resolve: (replies: Reply[]) => void;
  readonly reject: (error: Error) => void;
}

export class HeldProposals {
  /** In the order proposed, which is the order they are released in, and deadline order. */
  private held: HeldProposal[] = [];

  get size(): number {
    return this.held.length;
  }

  /** Holds `data` until release(); settles as the proposal it then becomes settles. */
  hold(data: Uint8Array, term: number | undefined, deadlineMs: number): Promise<Reply[]> {
    const last = this.held[this.held.length - 1];
    assert(last === undefined || last.deadlineMs <= deadlineMs, 'held proposals are added in deadline order');
    return new Promise<Reply[]>((resolve, reject) => this.held.push({ data, term, deadlineMs, resolve, reject }));
  }

  /** Hands every held proposal, in order, to `propose` and settles each as the promise it returns. */
  release(propose: (data: Uint8Array, term: number | undefined) => Promise<Reply[]>): void {
    const held = this.held;
    this.held = [];
    for (const proposal of held) propose(proposal.data, proposal.term).then(proposal.resolve, proposal.reject);
  }

  /** Rejects every held proposal whose deadline is at or before nowMs: it was never proposed, so never applied. */
  expire(nowMs: number): void {
    let count = 0;
    while (count < this.held.length && this.held[count]!.deadlineMs <= nowMs) count++;
    if (count === 0) return;
    for (const proposal of this.held.splice(0, count)) {
      proposal.reject(new CairnError('CAIRN_TIMEOUT', 'not proposed before the deadline (held behind an fsync that did not end)'));
    }
  }

  rejectAll(error: Error): void {
    const held = this.held;
    this.held = [];
    for (const proposal of held) proposal.reject(error);
  }
}
