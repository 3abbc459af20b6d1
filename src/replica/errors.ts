// Errors a replica hands to its callers: a not-leader rejection carries the leader hint so a client
// can retry there.

import { CairnError } from '../lib/errors.js';

export class NotLeaderError extends CairnError {
  /** The node believed to lead now, or null when unknown. */
  readonly leaderId: string | null;

  constructor(message: string, leaderId: string | null) {
    super('CAIRN_NOT_LEADER', leaderId === null ? message : `${message} (leader is ${leaderId})`);
    this.leaderId = leaderId;
  }
}
