// A follower's one relay of a write entry to the leader, settled definitely when it can be. The
// leader's answer settles it; so does this node's own apply of the entry (the same replies: kv is
// deterministic), whichever comes first. When the link fails or the leader cannot say (the leader
// died, was paused past the link's timeout, or its own proposal timed out), the entry may or may
// not be in the log: rather than answer "outcome unknown", the write waits for this node's applied
// log to decide (relay-waiters.ts) — its replies if the entry is applied, or 'lost' once an entry
// of a later term is applied without it, and the caller relays it again, exactly once more, to the
// new leader. The wait is bounded: past it (no leader, or the entry never reached a leader that
// stays), the caller gets the link's "outcome unknown" error, as before.

import { asError, isCairnError } from '../lib/errors.js';
import type { Clock } from '../io/clock.js';
import { encodeEntry, type Entry } from '../kv/entry.js';
import type { LeaderRelay, RelayOutcome } from './cluster-relay.js';
import type { RelayVerdict, RelayWaiters } from './relay-waiters.js';

/** One relay's end: the leader's outcome, or 'lost' (never committed: relay again at once). */
export type RelayStep = RelayOutcome | { readonly kind: 'lost' };

export interface RelayedWriteDeps {
  readonly relay: LeaderRelay;
  readonly waiters: RelayWaiters;
  readonly clock: Clock;
  /** How long a write whose relay failed waits for its applied log to decide. */
  readonly verdictWaitMs: number;
  /** Told each attempt's tag and the writing client (WriteEntry.client), before it is sent: NOLOOP's origins. */
  readonly tagged?: (tag: Uint8Array, client: number | undefined) => void;
}

type Sent = RelayOutcome | { readonly kind: 'failed'; readonly error: Error };

/** Relays `parts` to `leaderId`, to be appended only in `term`; throws the link's or leader's error when nothing decides. */
export async function relayOnce(deps: RelayedWriteDeps, leaderId: string, parts: Pick<Entry, 'commands' | 'watches' | 'dbs'> & { readonly client?: number }, term: number): Promise<RelayStep> {
  // Registered before it is sent: its apply here, however early, is seen.
  const attempt = deps.waiters.open(term);
  deps.tagged?.(attempt.tag, parts.client);
  let sent: Promise<Sent>;
  try {
    const bytes = encodeEntry({ nowMs: 0, commands: parts.commands, watches: parts.watches, ...(parts.dbs === undefined ? {} : { dbs: parts.dbs }), relayTag: attempt.tag });
    sent = deps.relay.relay(leaderId, bytes, term).then((outcome): Sent => outcome, (error: unknown): Sent => ({ kind: 'failed', error: asError(error) }));
  } catch (error) {
    attempt.close();
    throw error;
  }
  const first = await Promise.race([sent, attempt.verdict]);
  // The applied log decided (an answer arriving later is ignored: it can only agree).
  if (first.kind === 'replies' || first.kind === 'lost') {
    attempt.close();
    return first;
  }
  const answer = first.kind === 'blind' ? await sent : first;
  if (answer.kind !== 'failed') {
    attempt.close();
    return answer;
  }
  if (first.kind === 'blind' || !mayHaveBeenAppended(answer.error)) {
    attempt.close();
    throw answer.error;
  }
  const verdict = await withinMs(attempt.verdict, deps.clock, deps.verdictWaitMs);
  attempt.close();
  if (verdict !== undefined && verdict.kind !== 'blind') return verdict;
  throw answer.error;
}

/**
 * False for failures that say the entry was never proposed: a full queue, an entry the leader
 * refused, or a relay refused whole. Anything else (the link broke, the leader's proposal timed
 * out, the leader closed) may have left the entry in a log.
 */
function mayHaveBeenAppended(error: Error): boolean {
  return !(isCairnError(error, 'CAIRN_BUSY') || isCairnError(error, 'CAIRN_INVALID_ARGUMENT') || isCairnError(error, 'CAIRN_REFUSED'));
}

/** `verdict`, or undefined once `waitMs` passed first. */
async function withinMs(verdict: Promise<RelayVerdict>, clock: Clock, waitMs: number): Promise<RelayVerdict | undefined> {
  let timer: { cancel(): void } | undefined;
  const expired = new Promise<undefined>((resolve) => (timer = clock.setTimer(waitMs, () => resolve(undefined))));
  try {
    return await Promise.race([verdict, expired]);
  } finally {
    timer?.cancel();
  }
}
