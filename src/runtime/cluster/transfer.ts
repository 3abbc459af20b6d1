// Leadership transfer for a node's graceful stop: replica/leadership-transfer.ts on the real clock.

import type { Clock } from '../../io/clock.js';
import { transferAndWait as transferOn, type TransferringReplica } from '../../replica/leadership-transfer.js';
import { SystemClock } from '../clock.js';

export { mostCaughtUpVoter } from '../../replica/leadership-transfer.js';

const clock: Clock = new SystemClock();

/** Hands leadership to `to` and resolves with the new leader's id once this node has heard of one (replica/leadership-transfer.ts). */
export function transferAndWait(replica: TransferringReplica, to: string, waitMs: number): Promise<string> {
  return transferOn(replica, clock, to, waitMs);
}
