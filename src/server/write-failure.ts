// How a client hears that a write could not be made durable: one error reply (CLUSTERDOWN with no
// leader, READONLY from a node that lost leadership, ERR otherwise), never an acknowledgement.

import { errorMessage, isCairnError } from '../lib/errors.js';
import { errorReply, type Reply } from '../lib/reply.js';
import { CLUSTER_DOWN } from './cluster-commands.js';

/** A write the backend could not make durable is one error reply, never an acknowledgement. */
export function failureReplies(error: unknown): Reply[] {
  if (isCairnError(error, 'CAIRN_CLUSTER_DOWN')) return [errorReply(CLUSTER_DOWN)];
  const message = errorMessage(error);
  const code = isCairnError(error, 'CAIRN_NOT_LEADER') ? 'READONLY' : 'ERR';
  return [errorReply(`${code} ${message}`)];
}
