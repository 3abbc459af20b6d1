// The package's main entry: the embedded store API.

export { KVStore, type KVStoreOptions, type KeyLike, type FsyncPolicy } from './runtime/kvstore.js';
export type { LocalNodeStats as KVStoreStats } from './runtime/local-node.js';
export type { LocalRecovery as KVStoreRecovery } from './runtime/local-recovery.js';
export { CairnError, isCairnError, type CairnErrorCode } from './lib/errors.js';
