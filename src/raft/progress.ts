// The leader's view of one follower (etcd's tracker/progress.go): how far its log matches, where to
// send next, and flow control. Probe: one AppendEntries per heartbeat until the match point is
// found. Replicate: pipelined AppendEntries, bounded in messages and bytes in flight. Snapshot:
// an InstallSnapshot transfer runs and no entries are sent.

import { assert } from '../lib/assert.js';
import type { NodeId, PeerStatus, ProgressState } from './types.js';

export class Progress {
  /** Invariant: matchIndex < nextIndex. */
  matchIndex = 0;
  nextIndex: number;
  state: ProgressState = 'probe';
  /** Probe: an AppendEntries was sent and not answered since the last heartbeat response. */
  probeSent = false;
  /** Heard from since the last CheckQuorum round. */
  recentActive = false;
  /** The highest ReadIndex round this follower acknowledged in the current term. */
  readSeqAcked = 0;
  /** Snapshot state: which snapshot is being sent, and the next byte offset the follower expects. */
  snapshotIndex = 0;
  snapshotOffset = 0;
  /** Snapshot state: ticks since the last chunk was sent or acknowledged. */
  snapshotIdleTicks = 0;
  /** Replicate state: last index and payload bytes of each message in flight, oldest first. */
  private inflight: { lastIndex: number; bytes: number }[] = [];
  private inflightBytes = 0;

  constructor(
    readonly id: NodeId,
    lastIndex: number,
    private readonly maxInflightMessages: number,
    private readonly maxInflightBytes: number,
  ) {
    this.nextIndex = lastIndex + 1;
  }

  /** True when no AppendEntries may be sent now. */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflight.length >= this.maxInflightMessages || this.inflightBytes >= this.maxInflightBytes;
      case 'snapshot':
        return true;
    }
  }

  /** Records an AppendEntries carrying entries up to lastIndex (bytes of payload). */
  sent(lastIndex: number, entryCount: number, bytes: number): void {
    if (this.state === 'replicate') {
      if (entryCount === 0) return;
      assert(lastIndex >= this.nextIndex, 'progress: replicate sent nothing new');
      this.nextIndex = lastIndex + 1;
      this.inflight.push({ lastIndex, bytes });
      this.inflightBytes += bytes;
    } else {
      assert(this.state === 'probe', 'progress: sending entries while a snapshot runs');
      this.probeSent = true;
    }
  }

  /** A successful AppendEntries response: returns true when it taught us something new. */
  maybeUpdate(matchIndex: number): boolean {
    if (matchIndex <= this.matchIndex) return false;
    this.matchIndex = matchIndex;
    this.nextIndex = Math.max(this.nextIndex, matchIndex + 1);
    this.freeUpTo(matchIndex);
    this.probeSent = false;
    return true;
  }

  /**
   * A rejection of prevIndex `rejected`; `hintNext` is where the leader wants to retry. Returns
   * false for a stale rejection that says nothing about the current state.
   */
  maybeDecrease(rejected: number, hintNext: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.matchIndex) return false;
      this.becomeProbe();
      this.nextIndex = Math.max(this.matchIndex + 1, Math.min(hintNext, rejected));
      return true;
    }
    if (this.nextIndex - 1 !== rejected) return false;
    this.nextIndex = Math.max(this.matchIndex + 1, Math.min(hintNext, rejected));
    this.probeSent = false;
    assert(this.nextIndex > this.matchIndex, 'progress: next must stay above match');
    return true;
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') this.nextIndex = Math.max(this.matchIndex + 1, this.snapshotIndex + 1);
    else this.nextIndex = this.matchIndex + 1;
    this.state = 'probe';
    this.probeSent = false;
    this.clearInflight();
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.nextIndex = this.matchIndex + 1;
    this.clearInflight();
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.state = 'snapshot';
    this.snapshotIndex = snapshotIndex;
    this.snapshotOffset = 0;
    this.snapshotIdleTicks = 0;
    this.clearInflight();
  }

  /** A heartbeat response while the window is full: let one more message go (it probes a loss). */
  freeOneIfFull(): void {
    if (this.state !== 'replicate' || this.inflight.length < this.maxInflightMessages) return;
    const first = this.inflight.shift()!;
    this.inflightBytes -= first.bytes;
  }

  inflightCount(): number {
    return this.inflight.length;
  }

  status(): PeerStatus {
    return {
      id: this.id,
      matchIndex: this.matchIndex,
      nextIndex: this.nextIndex,
      state: this.state,
      inflightMessages: this.inflight.length,
      recentActive: this.recentActive,
    };
  }

  private freeUpTo(index: number): void {
    let drop = 0;
    while (drop < this.inflight.length && this.inflight[drop]!.lastIndex <= index) {
      this.inflightBytes -= this.inflight[drop]!.bytes;
      drop++;
    }
    if (drop > 0) this.inflight.splice(0, drop);
  }

  private clearInflight(): void {
    this.inflight = [];
    this.inflightBytes = 0;
  }
}
