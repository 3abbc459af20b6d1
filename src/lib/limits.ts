// Caps that more than one layer enforces on the same thing — the Raft core, its persisted state
// (storage/), the peer wire (runtime/peer/) and the server's view of the cluster — kept here so
// each has one value: a cap one layer raised alone would let it build what another refuses.

/** Members of one cluster, voters and learners together; every list of node ids is bounded by it. */
export const CLUSTER_MEMBERS_MAX = 1024;

/** Peer ids whose incarnation one node remembers: the Raft core's table, the hard state, the wire. */
export const PEER_INCARNATIONS_MAX = 4096;

/**
 * Removed member ids a cluster remembers (so ADDNODE refuses them): the address book keeps at most
 * this many, and the membership controller refuses every new id once it is full.
 */
export const REMOVED_IDS_MAX = 10_000;
