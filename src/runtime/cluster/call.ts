// One command sent to another member's client port over RESP (HELLO 3, with AUTH when the cluster
// has a password), for the cluster commands a node hands to the leader: a leader removing itself
// asks its successor to propose the removal, CLUSTER FAILOVER asks the leader for a transfer, and a
// node starting with a blank data dir asks who the cluster says it is (cluster/startup-check.ts).

import type { Reply } from '../../lib/reply.js';
import { RelayLink } from '../../server/cluster-relay-link.js';
import { toReply } from '../../server/cluster-relay.js';
import type { ClientAddress } from '../../server/cluster-topology.js';

/** How long connecting and HELLO may take, unless the caller says otherwise. */
const defaultConnectTimeoutMs = 2000;

/** Sends argv to address and returns its reply; a connection that fails or a reply that does not come within replyTimeoutMs throws. */
export async function callMember(
  address: ClientAddress,
  password: string | undefined,
  argv: readonly string[],
  replyTimeoutMs: number,
  connectTimeoutMs = defaultConnectTimeoutMs,
): Promise<Reply> {
  const link = await RelayLink.open(address, password, connectTimeoutMs);
  try {
    return toReply(await link.call(argv.map((arg) => Buffer.from(arg)), replyTimeoutMs));
  } finally {
    link.close();
  }
}
