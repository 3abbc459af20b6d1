// The package's main entry: the embedded store API.

export { KVStore, type KVStoreOptions, type KeyLike, type FsyncPolicy } from './runtime/kvstore.js';
export { CairnError, isCairnError, type CairnErrorCode } from './lib/errors.js';
