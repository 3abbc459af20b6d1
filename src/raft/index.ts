// The raft/ layer's public surface: the node, its API types, and the membership helpers a driver
// needs to read CONFIG entries.

export { RaftNode } from './node.js';
export * from './types.js';
export { decodeMembership, encodeMembership, makeMembership, isVoter, isMember } from './membership.js';
export { DEFAULT_INCARNATION, incarnationFromWords, isIncarnation } from './incarnations.js';
