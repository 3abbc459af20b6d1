// The package's main entry (`import ... from 'cairn'`): the embedded store, its options and types,
// and CairnError with its codes — what README's "Embedded" section documents, and nothing else.
// The reference brings the declarations of fengari (untyped; the Lua VM) to users' compilers too:
// build:package ships the file beside the emitted declarations.
/// <reference path="./script/fengari.d.ts" preserve="true" />

export { KVStore, type KVStoreOptions, type KeyLike, type FsyncPolicy } from './runtime/kvstore.js';
export type { LocalNodeStats as KVStoreStats } from './runtime/local-node.js';
export type { LocalRecovery as KVStoreRecovery } from './runtime/local-recovery.js';
export { CairnError, isCairnError, type CairnErrorCode } from './lib/errors.js';
