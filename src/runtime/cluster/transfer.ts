// Leadership transfer on the leader: pick the most caught-up active voter (or a named one), ask the
// Raft core to hand over (TimeoutNow once the target's log matches), and wait until this node sees
// another leader. Used by CLUSTER TRANSFER/FAILOVER, by a leader removing itself and by a graceful stop.

import { assert } from '../../lib/assert.js';
import { CairnError } from '../../lib/errors.js';
import type { KvMachine } from '../../replica/kv-machine.js';
import type { Replica } from '../../replica/replica.js';

const pollMs = 20;

/** The active voter (not this node) with the highest match index, or undefined when there is none. */
export function mostCaughtUpVoter(replica: Replica<KvMachine>): string | undefined {
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
export async function transferAndWait(replica: Replica<KvMachine>, to: string, waitMs: number): Promise<string> {
  assert(waitMs > 0, 'a transfer waits a positive time');
  const self = replica.id;
  assert(to !== self, 'a leader transfers to another node');
  replica.transferLeadership(to);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const leader = replica.leaderHint();
    if (leader !== null && leader !== self) return leader;
    if (Date.now() >= deadline) throw new CairnError('CAIRN_TIMEOUT', `leadership did not pass to ${to} within ${waitMs} ms`);
    if (replica.failed() !== undefined) throw new CairnError('CAIRN_CLOSED', `${self}: replica stopped during the transfer`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
