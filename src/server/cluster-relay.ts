// Follower → leader relaying of write entries. Entries wait in one FIFO queue and go to the leader
// in batches, `CAIRN.RELAY <entry> <entry> ...`, over one RelayLink (a few batches in flight, in
// order), so entries reach the leader in the order the follower's clients issued them and a busy
// follower sends many entries per round trip. The leader answers one result per entry (see
// encodeRelayResult): replies, an aborted WATCH, "not leader" (never appended: safe to retry once
// the new leader is known) or an error.

import { assert } from '../lib/assert.js';
import { CairnError, isCairnError, type CairnErrorCode } from '../lib/errors.js';
import { bulkReply, errorReply, integerReply, type Reply } from '../lib/reply.js';
import type { ServerReply } from '../resp/reply-parser.js';
import { RelayLink, RelayNotSentError } from './cluster-relay-link.js';
import type { ClientAddress, ClusterTopology } from './cluster-topology.js';

export const RELAY_COMMAND = Buffer.from('CAIRN.RELAY');

/** What became of one relayed entry. */
export type RelayOutcome = { readonly kind: 'replies'; readonly replies: Reply[] } | { readonly kind: 'retry' };

/** One entry's result on the wire: [status, ...]. */
const Status = { replies: 0, aborted: 1, notLeader: 2, error: 3 } as const;

interface Item {
  readonly leaderId: string;
  readonly bytes: Uint8Array;
  readonly resolve: (outcome: RelayOutcome) => void;
  readonly reject: (error: Error) => void;
}

const maxQueuedEntries = 100_000;
const maxBatchEntries = 512;
const maxBatchBytes = 8 * 1024 * 1024;
/** Batches sent and not yet answered (the link's replies come back in order). */
const maxInFlightBatches = 4;

export class LeaderRelay {
  private readonly queue: Item[] = [];
  private link: RelayLink | null = null;
  private opening: Promise<RelayLink> | null = null;
  private inFlightBatches = 0;
  private closed = false;

  constructor(
    private readonly topology: ClusterTopology,
    private readonly password: () => string | undefined,
    private readonly connectTimeoutMs: number,
  ) {}

  /** Queues an encoded entry for `leaderId`; resolves with its replies, or 'retry' when it was never appended. */
  relay(leaderId: string, bytes: Uint8Array): Promise<RelayOutcome> {
    if (this.closed) return Promise.reject(new CairnError('CAIRN_CLOSED', 'relay closed'));
    if (this.queue.length >= maxQueuedEntries) return Promise.reject(new CairnError('CAIRN_BUSY', 'too many writes waiting to be relayed to the leader'));
    const outcome = new Promise<RelayOutcome>((resolve, reject) => this.queue.push({ leaderId, bytes, resolve, reject }));
    this.pump();
    return outcome;
  }

  close(): void {
    this.closed = true;
    this.link?.close();
    this.link = null;
    for (const item of this.queue.splice(0)) item.reject(new CairnError('CAIRN_CLOSED', 'relay closed'));
  }

  /** Sends batches while fewer than maxInFlightBatches are out; the link keeps them in order. */
  private pump(): void {
    while (!this.closed && this.queue.length > 0 && this.inFlightBatches < maxInFlightBatches) {
      this.inFlightBatches++;
      const batch = this.takeBatch();
      this.send(batch).then(
        () => undefined,
        (error: unknown) => {
          const failure = error instanceof Error ? error : new Error(String(error));
          for (const item of batch) failure instanceof RelayNotSentError ? item.resolve({ kind: 'retry' }) : item.reject(failure);
        },
      ).finally(() => {
        this.inFlightBatches--;
        this.pump();
      });
    }
  }

  /** Consecutive items for the same leader, within the batch bounds. */
  private takeBatch(): Item[] {
    const leaderId = this.queue[0]!.leaderId;
    let count = 0;
    let bytes = 0;
    while (count < this.queue.length && count < maxBatchEntries && this.queue[count]!.leaderId === leaderId) {
      if (count > 0 && bytes + this.queue[count]!.bytes.length > maxBatchBytes) break;
      bytes += this.queue[count]!.bytes.length;
      count++;
    }
    assert(count > 0, 'a batch holds at least one entry');
    return this.queue.splice(0, count);
  }

  private async send(batch: readonly Item[]): Promise<void> {
    const address = this.topology.clientAddress(batch[0]!.leaderId);
    if (address === undefined) throw new RelayNotSentError(`no client address known for leader ${batch[0]!.leaderId}`);
    const link = await this.linkTo(address);
    const reply = await link.call([RELAY_COMMAND, ...batch.map((item) => item.bytes)]);
    if (reply.type === 'error') throw new CairnError('CAIRN_IO', `the leader refused the relay: ${reply.message}`);
    if (reply.type !== 'array' || reply.items.length !== batch.length) throw new CairnError('CAIRN_CORRUPT', 'the leader answered a relay with the wrong shape');
    batch.forEach((item, i) => settle(item, reply.items[i]!));
  }

  /** The open link to `address`, or one being opened (batches sent meanwhile share it, in order). */
  private async linkTo(address: ClientAddress): Promise<RelayLink> {
    const current = this.link;
    if (current !== null && current.usable && sameAddress(current.address, address)) return current;
    if (this.opening === null) {
      current?.close();
      this.link = null;
      const opening = RelayLink.open(address, this.password(), this.connectTimeoutMs);
      this.opening = opening;
      opening.then(
        (link) => {
          if (this.closed) link.close();
          else this.link = link;
        },
        () => undefined,
      ).finally(() => {
        if (this.opening === opening) this.opening = null;
      });
    }
    const link = await this.opening;
    if (this.closed) throw new CairnError('CAIRN_CLOSED', 'relay closed');
    if (!sameAddress(link.address, address)) throw new RelayNotSentError('the leader changed while a relay link was opening');
    return link;
  }
}

function sameAddress(a: ClientAddress, b: ClientAddress): boolean {
  return a.host === b.host && a.port === b.port;
}

function settle(item: Item, result: ServerReply): void {
  if (result.type !== 'array' || result.items.length === 0 || result.items[0]!.type !== 'integer') {
    item.reject(new CairnError('CAIRN_CORRUPT', 'the leader answered a relayed entry with the wrong shape'));
    return;
  }
  const status = Number(result.items[0]!.value);
  const rest = result.items.slice(1);
  if (status === Status.replies) item.resolve({ kind: 'replies', replies: rest.map(toReply) });
  else if (status === Status.aborted) item.resolve({ kind: 'replies', replies: [{ type: 'nullArray' }] });
  else if (status === Status.notLeader) item.resolve({ kind: 'retry' });
  else item.reject(new CairnError(errorCode(rest[0]), text(rest[1])));
}

// --- the leader's side ---------------------------------------------------------------------

/** One relayed entry's result as the leader sends it back. */
export function encodeRelayResult(outcome: { replies: Reply[] } | { error: unknown }): Reply {
  if ('replies' in outcome) {
    const aborted = outcome.replies.length === 1 && outcome.replies[0]!.type === 'nullArray';
    return { type: 'array', items: aborted ? [integerReply(Status.aborted)] : [integerReply(Status.replies), ...outcome.replies] };
  }
  const error = outcome.error;
  if (isCairnError(error, 'CAIRN_NOT_LEADER')) return { type: 'array', items: [integerReply(Status.notLeader)] };
  const code = isCairnError(error) ? error.code : 'CAIRN_IO';
  const message = error instanceof Error ? error.message : String(error);
  return { type: 'array', items: [integerReply(Status.error), bulkReply(code), bulkReply(message)] };
}

const relayedCodes: readonly CairnErrorCode[] = ['CAIRN_CLOSED', 'CAIRN_IO', 'CAIRN_TIMEOUT', 'CAIRN_BUSY', 'CAIRN_INVALID_ARGUMENT', 'CAIRN_CORRUPT'];

function errorCode(reply: ServerReply | undefined): CairnErrorCode {
  const code = text(reply);
  return relayedCodes.find((c) => c === code) ?? 'CAIRN_IO';
}

function text(reply: ServerReply | undefined): string {
  return reply !== undefined && reply.type === 'bulk' ? reply.value.toString('utf8') : 'the leader failed the write';
}

/** A reply parsed from the leader's RESP3, as the value the follower's client gets encoded. */
export function toReply(reply: ServerReply): Reply {
  switch (reply.type) {
    case 'simple': return { type: 'simple', value: reply.value };
    case 'error': return errorReply(reply.message);
    case 'integer': return integerReply(reply.value >= BigInt(Number.MIN_SAFE_INTEGER) && reply.value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(reply.value) : reply.value);
    case 'bulk': return { type: 'bulk', value: Buffer.from(reply.value) };
    case 'verbatim': return { type: 'verbatim', format: reply.format, value: reply.value.toString('utf8') };
    case 'null': return { type: 'null' };
    case 'double': return { type: 'double', value: parseDouble(reply.text) };
    case 'boolean': return { type: 'boolean', value: reply.value };
    case 'bignum': return { type: 'bulk', value: Buffer.from(reply.text) };
    case 'array':
    case 'push': return { type: 'array', items: reply.items.map(toReply) };
    case 'set': return { type: 'set', items: reply.items.map(toReply) };
    case 'map': return { type: 'map', entries: reply.entries.map(([k, v]) => [toReply(k), toReply(v)] as const) };
  }
}

function parseDouble(textValue: string): number {
  if (textValue === 'inf') return Infinity;
  if (textValue === '-inf') return -Infinity;
  return Number(textValue);
}
