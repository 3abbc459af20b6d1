// A follower's relayed entries waiting for a definite outcome, learnt from its own applied log.
//
// Each relay attempt gets a tag unique to it — this member's id, a nonce drawn at boot, a counter —
// that rides inside the entry (kv/entry.ts), and a term T: the leader appends the entry only while
// its own term is exactly T (Replica.propose with a term), so a relayed entry, if in any log at
// all, sits at term T. Every node applies every committed entry and computes the same replies, so:
//   1. the follower applies an entry carrying a waiting tag: that is the write's outcome, and the
//      replies its own apply made are the ones the leader made (kv is deterministic);
//   2. the follower applies an entry of a term above T without having seen the tag: the entry can
//      never be committed. Terms never decrease along a log, so a committed entry of term T would
//      sit below that entry, in the prefix the follower already applied (Log Matching: an entry
//      at an index with term T is the one the leader of T put there), and Leader Completeness keeps
//      every committed entry in every later leader's log. The write is then safe to relay again,
//      under a new tag (the old one can never be applied, so either tag would do; a new one keeps
//      "one tag, one attempt" obvious).
// A snapshot installed from the leader may hold the entry without the follower ever applying it:
// an attempt whose term is at or below the snapshot's is then left blind — only the leader's own
// answer can settle it (else the caller answers "outcome unknown", as before this file).

import { assert } from '../lib/assert.js';
import type { Reply } from '../lib/reply.js';

/** What the applied log says about one relay attempt. */
export type RelayVerdict =
  | { readonly kind: 'replies'; readonly replies: Reply[] }
  /** An entry of a later term was applied without the tag: the attempt can never be committed. */
  | { readonly kind: 'lost' }
  /** A snapshot may hold the entry: the log cannot tell. */
  | { readonly kind: 'blind' };

/** One attempt: its tag (put in the entry), its verdict, and close() once the caller needs no verdict. */
export interface RelayAttempt {
  readonly tag: Uint8Array;
  readonly term: number;
  readonly verdict: Promise<RelayVerdict>;
  close(): void;
}

interface Waiter {
  readonly term: number;
  readonly resolve: (verdict: RelayVerdict) => void;
}

/** Bound on attempts waiting at once (the relay queue holds at most 100,000 entries). */
const waitingMax = 200_000;
const lost: RelayVerdict = Object.freeze({ kind: 'lost' });
const blind: RelayVerdict = Object.freeze({ kind: 'blind' });

export class RelayWaiters {
  /** latin1 tag → its waiter; entries of other members, or of this one's earlier boots, are never found here. */
  private readonly waiting = new Map<string, Waiter>();
  private readonly prefix: string;
  private counter = 0;
  /** The term of the last entry applied here (or of the installed snapshot): only grows. */
  private appliedTerm = 0;

  /** `memberId` and `bootNonce` (random per process start) make the tags unique to this boot. */
  constructor(memberId: string, bootNonce: string) {
    this.prefix = `${memberId.slice(0, 64)}/${bootNonce}/`;
    assert(Buffer.byteLength(this.prefix, 'utf8') <= 220, 'a relay tag prefix leaves room for the counter in 255 bytes');
  }

  get size(): number {
    return this.waiting.size;
  }

  /** A new attempt the leader will append at `term` or not at all. */
  open(term: number): RelayAttempt {
    assert(this.waiting.size < waitingMax, 'relay attempts waiting are bounded by the relay queue');
    const tag = Buffer.from(`${this.prefix}${(this.counter++).toString(36)}`, 'utf8');
    const key = tag.toString('latin1');
    let resolve: (verdict: RelayVerdict) => void = () => undefined;
    const verdict = new Promise<RelayVerdict>((r) => (resolve = r));
    // Already behind the applied log: a leader of `term` can no longer commit anything.
    if (term < this.appliedTerm) resolve(lost);
    else this.waiting.set(key, { term, resolve });
    return { tag, term, verdict, close: () => this.waiting.delete(key) };
  }

  /** An entry of `term` applied here, with its tag (if any) and the replies this node's apply made. */
  applied(term: number, tag: Uint8Array | undefined, replies: readonly Reply[]): void {
    if (tag !== undefined && this.waiting.size > 0) {
      const key = Buffer.from(tag.buffer, tag.byteOffset, tag.byteLength).toString('latin1');
      const waiter = this.waiting.get(key);
      if (waiter !== undefined) {
        assert(waiter.term === term, 'a relayed entry is applied at the term it was relayed in');
        this.waiting.delete(key);
        waiter.resolve({ kind: 'replies', replies: [...replies] });
      }
    }
    if (term > this.appliedTerm) {
      this.appliedTerm = term;
      this.settleBelow(term, lost);
    }
  }

  /** A snapshot up to an entry of `term` replaced the state: attempts at or below it may be inside. */
  restored(term: number): void {
    this.settleBelow(term + 1, blind);
    this.appliedTerm = Math.max(this.appliedTerm, term);
  }

  /** Shutting down: nothing will be applied any more. */
  closeAll(): void {
    for (const waiter of this.waiting.values()) waiter.resolve(blind);
    this.waiting.clear();
  }

  /** Settles every attempt of a term below `term` (a scan only when the applied term moves on). */
  private settleBelow(term: number, verdict: RelayVerdict): void {
    for (const [key, waiter] of this.waiting) {
      if (waiter.term >= term) continue;
      this.waiting.delete(key);
      waiter.resolve(verdict);
    }
  }
}
