// Follower → leader relaying of write entries. Entries wait in one FIFO queue and go to the leader
// in batches, `CAIRN.RELAY 2:<cluster-id> <term> <entry> <term> <entry> ...` (the leader refuses
// another cluster's, and appends an entry only while its term is the one sent with it: see
// relay-waiters.ts for why the follower needs to know it), as calls on the peer link to the leader
// (MemberCalls, cluster-relay-link.ts: the leader knows which member relays, and no client can),
// a few batches in flight at once (so the leader works on several), keeping every client's entries in the
// order it issued them (see LeaderRelay), and a busy follower sends many entries per round trip.
// The leader answers one result per entry (see encodeRelayResult): the replies in reply-codec.ts's
// lossless form (so the follower's client gets the very Reply values a direct write would, in its
// own protocol), "not leader" (never appended: safe to retry once the new leader is known), "stale
// term" with the leader's term (never appended: safe to send again in that term) or an error.
//
// Wire compatibility: a leader refuses, whole and before proposing anything, a relay whose first
// argument is not exactly `<format>:<cluster-id>` of its own build. So any change to this format
// (arguments or results) must change that argument too (format 2 since terms and relay tags came),
// and a node of the other build refuses the relay instead of proposing its entries and answering
// in a shape the follower misreads. (Nodes of two builds serving together did this once: a leader
// from before the reply codec answered [0, ...replies] and its follower, reading codec results,
// found "an entry without its replies".)

import { assert } from '../lib/assert.js';
import { asError, CairnError, type CairnErrorCode, errorMessage, isCairnError } from '../lib/errors.js';
import { bulkReply, integerReply, type Reply } from '../lib/reply.js';
import { RelayNotSentError, type MemberCalls } from './cluster-relay-link.js';

export type { MemberCalls } from './cluster-relay-link.js';
import { decodeReplies, encodeReplies } from './reply-codec.js';
import type { ClusterTopology } from './cluster-topology.js';

export const RELAY_COMMAND = Buffer.from('CAIRN.RELAY');
/** The relay's wire format, before the cluster id in its first argument (see the header). */
const RELAY_FORMAT = '2';

/** The first argument of a relay to a node of `clusterId`. */
export function relayClusterArgument(clusterId: string): string {
  return `${RELAY_FORMAT}:${clusterId}`;
}

/** What became of one relayed entry. */
export type RelayOutcome =
  | { readonly kind: 'replies'; readonly replies: Reply[] }
  | { readonly kind: 'retry' }
  /** The leader's term was not the one sent: never appended; `term` is the leader's. */
  | { readonly kind: 'staleTerm'; readonly term: number };

/** One entry's result on the wire: [status, ...]. */
const Status = { replies: 0, notLeader: 2, error: 3, staleTerm: 4 } as const;

interface Item {
  readonly leaderId: string;
  /** The term the leader must be in to append the entry. */
  readonly term: number;
  readonly bytes: Uint8Array;
  /** Entries queued in the same event-loop turn share a group and always travel in one batch. */
  readonly group: number;
  readonly resolve: (outcome: RelayOutcome) => void;
  readonly reject: (error: Error) => void;
}

/** One batch in flight at a time. */
interface Lane {
  busy: boolean;
}

const queuedEntriesMax = 100_000;
const batchEntriesMax = 512;
const batchBytesMax = 8 * 1024 * 1024;
/** Batches in flight at once: the leader serves them concurrently. */
const lanesMax = 4;
/** Longest wait for the leader's answer to one batch; past it the batch's outcome is unknown. */
const callTimeoutMs = 5000;

/**
 * Ordering: a client's entries are either issued in one event-loop turn (a gathered write and an
 * EXEC) or only after its earlier ones were acknowledged (the server answers a client's whole
 * pipeline turn before reading more of it). So batches are cut only between turns' groups, and
 * batches on different lanes never hold two entries whose order matters.
 */
export class LeaderRelay {
  private readonly queue: Item[] = [];
  private readonly lanes: Lane[] = Array.from({ length: lanesMax }, () => ({ busy: false }));
  private group = 0;
  private pumpScheduled = false;
  private closed = false;

  constructor(
    private readonly topology: ClusterTopology,
    private readonly calls: MemberCalls,
  ) {}

  /** Queues an encoded entry for `leaderId` to append in `term`; resolves with its replies, or 'retry'/'staleTerm' when it was never appended. */
  relay(leaderId: string, bytes: Uint8Array, term: number): Promise<RelayOutcome> {
    if (this.closed) return Promise.reject(new CairnError('CAIRN_CLOSED', 'relay closed'));
    if (this.queue.length >= queuedEntriesMax) return Promise.reject(new CairnError('CAIRN_BUSY', 'too many writes waiting to be relayed to the leader'));
    const group = this.group;
    const outcome = new Promise<RelayOutcome>((resolve, reject) => this.queue.push({ leaderId, term, bytes, group, resolve, reject }));
    this.schedulePump();
    return outcome;
  }

  close(): void {
    this.closed = true;
    for (const item of this.queue.splice(0)) item.reject(new CairnError('CAIRN_CLOSED', 'relay closed'));
  }

  /** After this turn: every entry queued in it joins one group. */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.group++;
      this.pump();
    });
  }

  /** Sends a batch on every free lane while entries wait. */
  private pump(): void {
    for (const lane of this.lanes) {
      if (this.closed || this.queue.length === 0) return;
      if (lane.busy) continue;
      lane.busy = true;
      const batch = this.takeBatch();
      this.send(batch).then(
        () => undefined,
        (error: unknown) => {
          const failure = asError(error);
          for (const item of batch) failure instanceof RelayNotSentError ? item.resolve({ kind: 'retry' }) : item.reject(failure);
        },
      ).finally(() => {
        lane.busy = false;
        this.pump();
      });
    }
  }

  /** Consecutive items for the same leader, within the batch bounds, never splitting a group. */
  private takeBatch(): Item[] {
    const first = this.queue[0]!;
    let count = 0;
    let bytes = 0;
    while (count < this.queue.length && this.queue[count]!.leaderId === first.leaderId) {
      const item = this.queue[count]!;
      const sameGroup = count > 0 && item.group === this.queue[count - 1]!.group;
      if (count > 0 && !sameGroup && (count >= batchEntriesMax || bytes + item.bytes.length > batchBytesMax)) break;
      bytes += item.bytes.length;
      count++;
    }
    assert(count > 0, 'a batch holds at least one entry');
    return this.queue.splice(0, count);
  }

  private async send(batch: readonly Item[]): Promise<void> {
    const args = batch.flatMap((item) => [Buffer.from(String(item.term)), item.bytes]);
    const reply = await this.calls.call(batch[0]!.leaderId, [RELAY_COMMAND, Buffer.from(relayClusterArgument(this.topology.clusterId)), ...args], callTimeoutMs);
    // Refused whole, before any entry was proposed: a definite failure.
    if (reply.type === 'error') throw new CairnError('CAIRN_REFUSED', `the leader refused the relay: ${reply.message}`);
    if (reply.type !== 'array' || reply.items.length !== batch.length) throw new CairnError('CAIRN_CORRUPT', 'the leader answered a relay with the wrong shape (outcome unknown)');
    batch.forEach((item, i) => settle(item, reply.items[i]!));
  }
}

function settle(item: Item, result: Reply): void {
  if (result.type !== 'array' || result.items.length === 0 || result.items[0]!.type !== 'integer') {
    item.reject(new CairnError('CAIRN_CORRUPT', 'the leader answered a relayed entry with the wrong shape (outcome unknown)'));
    return;
  }
  const status = Number(result.items[0].value);
  const rest = result.items.slice(1);
  if (status === Status.replies) settleReplies(item, rest[0]);
  else if (status === Status.notLeader) item.resolve({ kind: 'retry' });
  else if (status === Status.staleTerm && rest[0]?.type === 'integer') item.resolve({ kind: 'staleTerm', term: Number(rest[0].value) });
  else item.reject(new CairnError(errorCode(rest[0]), text(rest[1])));
}

/** The leader's replies, exactly as its state machine made them (reply-codec.ts). */
function settleReplies(item: Item, encoded: Reply | undefined): void {
  if (encoded === undefined || encoded.type !== 'bulk') {
    item.reject(new CairnError('CAIRN_CORRUPT', 'the leader answered a relayed entry without its replies (outcome unknown)'));
    return;
  }
  try {
    item.resolve({ kind: 'replies', replies: decodeReplies(encoded.value) });
  } catch (error) {
    item.reject(asError(error));
  }
}

// --- the leader's side ---------------------------------------------------------------------

/** One relayed entry's result as the leader sends it back. */
export function encodeRelayResult(outcome: { replies: Reply[] } | { error: unknown } | { staleTerm: number }): Reply {
  if ('staleTerm' in outcome) return { type: 'array', items: [integerReply(Status.staleTerm), integerReply(outcome.staleTerm)] };
  if ('replies' in outcome) return { type: 'array', items: [integerReply(Status.replies), bulkReply(encodeReplies(outcome.replies))] };
  const error = outcome.error;
  if (isCairnError(error, 'CAIRN_NOT_LEADER')) return { type: 'array', items: [integerReply(Status.notLeader)] };
  const code = isCairnError(error) ? error.code : 'CAIRN_IO';
  const message = errorMessage(error);
  return { type: 'array', items: [integerReply(Status.error), bulkReply(code), bulkReply(message)] };
}

const relayedCodes: readonly CairnErrorCode[] = ['CAIRN_CLOSED', 'CAIRN_IO', 'CAIRN_TIMEOUT', 'CAIRN_BUSY', 'CAIRN_INVALID_ARGUMENT', 'CAIRN_CORRUPT'];

function errorCode(reply: Reply | undefined): CairnErrorCode {
  const code = text(reply);
  return relayedCodes.find((c) => c === code) ?? 'CAIRN_IO';
}

function text(reply: Reply | undefined): string {
  return reply !== undefined && reply.type === 'bulk' ? Buffer.from(reply.value).toString('utf8') : 'the leader failed the write';
}
