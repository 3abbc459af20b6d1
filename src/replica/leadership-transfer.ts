// Leadership transfer on the leader, against io/Clock: pick the most caught-up active voter, ask the
// Raft core to hand over (TimeoutNow once the target's log matches), and wait until this node sees
// another leader. Used by the membership controller (CLUSTER TRANSFER/FAILOVER, a leader removing
// itself) and by a node's graceful stop. Also the one way this layer waits: a timer on the Clock.

import { assert } from '../lib/assert.js';
import { CairnError } from '../lib/errors.js';
import type { Clock } from '../io/clock.js';
import type { RaftStatus } from '../raft/types.js';

/** What a transfer needs of the replica (Replica satisfies it). */
export interface TransferringReplica {
  readonly id: string;
  status(): RaftStatus;
  leaderHint(): string | null;
  transferLeadership(to: string): void;
  failed(): Error | undefined;
}

/** How often a transfer looks whether another leader is known. */
const transferPollMs = 20;

/** Resolves after delayMs on `clock` (never, if the clock stops: a crashed process waits no more). */
export function waitMs(clock: Clock, delayMs: number): Promise<void> {
  assert(delayMs >= 0, 'a wait is not negative');
  return new Promise((resolve) => clock.setTimer(delayMs, resolve));
}

/** The active voter (not this node) with the highest match index, or undefined when there is none. */
export function mostCaughtUpVoter(replica: Pick<TransferringReplica, 'status'>): string | undefined {
  const status = replica.status();
  assert(status.role === 'leader', 'only the leader knows its followers\' progress');
  const voters = new Set(status.membership.voters);
  const candidates = status.peers.filter((p) => voters.has(p.id) && p.id !== status.id && p.recentActive).sort((a, b) => b.matchIndex - a.matchIndex);
  return candidates[0]?.id;
}

/**
 * Hands leadership to `to` and resolves with the new leader's id once this node has heard of one
 * (normally `to`). Throws CAIRN_TIMEOUT if no other leader shows up within waitMs (the core gives
 * up a transfer after an election timeout and this node keeps leading), and the core's refusal as is.
 */
export async function transferAndWait(replica: TransferringReplica, clock: Clock, to: string, transferWaitMs: number): Promise<string> {
  assert(transferWaitMs > 0, 'a transfer waits a positive time');
  const self = replica.id;
  assert(to !== self, 'a leader transfers to another node');
  replica.transferLeadership(to);
  const deadlineMs = clock.monotonicMs() + transferWaitMs;
  for (;;) {
    const leader = replica.leaderHint();
    if (leader !== null && leader !== self) return leader;
    if (clock.monotonicMs() >= deadlineMs) throw new CairnError('CAIRN_TIMEOUT', `leadership did not pass to ${to} within ${transferWaitMs} ms`);
    if (replica.failed() !== undefined) throw new CairnError('CAIRN_CLOSED', `${self}: replica stopped during the transfer`);
    await waitMs(clock, transferPollMs);
  }
}
