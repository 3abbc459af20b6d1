// Leadership transfer for a node's graceful stop: replica/leadership-transfer.ts on the real clock, and the hand-over a stopping leader makes.

import type { Clock } from '../../io/clock.js';
import { transferAndWait as transferOn, type TransferringReplica } from '../../replica/leadership-transfer.js';
import { SystemClock } from '../clock.js';
import { errorMessage } from '../../lib/errors.js';
import type { ClusterLog } from './log.js';

import { mostCaughtUpVoter } from '../../replica/leadership-transfer.js';

export { mostCaughtUpVoter };

const clock: Clock = new SystemClock();

/** Longest a graceful stop waits for a leadership transfer to finish. */
export const transferWaitMs = 2000;

/** Hands leadership to `to` and resolves with the new leader's id once this node has heard of one (replica/leadership-transfer.ts). */
export function transferAndWait(replica: TransferringReplica, to: string, waitMs: number): Promise<string> {
  return transferOn(replica, clock, to, waitMs);
}

/** A leader stopping on purpose hands over to the most caught-up voter, so clients barely notice. */
export async function handOverLeadership(replica: TransferringReplica, log: ClusterLog): Promise<void> {
  if (replica.status().role !== 'leader' || replica.failed() !== undefined) return;
  const target = mostCaughtUpVoter(replica);
  if (target === undefined) return;
  log('raft.transfer', { to: target, reason: 'graceful shutdown' });
  try {
    await transferAndWait(replica, target, transferWaitMs);
  } catch (error) {
    log('raft.transfer_failed', { to: target, error: errorMessage(error) });
  }
}
