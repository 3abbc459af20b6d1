// Errors a replica hands to its callers: a not-leader rejection carries the leader hint so a client
// can retry there; the core's other refusals become CAIRN_BUSY or CAIRN_INVALID_ARGUMENT.

import { CairnError } from '../lib/errors.js';

export class NotLeaderError extends CairnError {
  /** The node believed to lead now, or null when unknown. */
  readonly leaderId: string | null;

  constructor(message: string, leaderId: string | null) {
    super('CAIRN_NOT_LEADER', leaderId === null ? message : `${message} (leader is ${leaderId})`);
    this.leaderId = leaderId;
  }
}

/** The error for a request the Raft core refused with `reason` (its ProposeResult). */
export function refusedByCore(nodeId: string, reason: string, leaderId: string | null): CairnError {
  if (reason === 'busy') return new CairnError('CAIRN_BUSY', `${nodeId}: raft is busy`);
  if (reason === 'not_leader' || reason === 'transferring') return new NotLeaderError(`${nodeId}: not the leader`, leaderId);
  return new CairnError('CAIRN_INVALID_ARGUMENT', `${nodeId}: request refused (${reason})`);
}
