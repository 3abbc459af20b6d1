// How this node calls another member: the one interface the server's follower-to-leader relay
// (cluster-relay.ts) and the runtime's cluster calls (membership, announcements, removal watch,
// start-up check) use. The runtime implements it over the authenticated peer links
// (runtime/cluster/call.ts on runtime/peer/calls.ts), never a client port: the server does not
// import runtime/, so it names only what it needs here.

import { CairnError } from '../lib/errors.js';
import type { Reply } from '../lib/reply.js';

/** The call never reached the member, or the member turned it away unrun: retrying it cannot apply it twice. */
export class RelayNotSentError extends CairnError {
  constructor(message: string) {
    super('CAIRN_NOT_LEADER', message);
  }
}

export interface MemberCalls {
  /**
   * Runs argv on member `to` (one of the internal commands it serves to members) and resolves with
   * its reply. Rejects with RelayNotSentError when `to` surely never ran it; any other rejection
   * (the connection broke after sending, no answer within timeoutMs) leaves the outcome unknown.
   */
  call(to: string, argv: readonly Uint8Array[], timeoutMs: number): Promise<Reply>;
}

/** A node with no peer links (a node alone): nobody to call. */
export const NO_MEMBER_CALLS: MemberCalls = {
  call: (to) => Promise.reject(new RelayNotSentError(`this node has no peer links to call ${to} on`)),
};
