// The public surface of kv/: the state machine, the log-entry codec and the command table.

export { KvState, type KvStateOptions } from './state.js';
export { applyDecoded, applyEntry, decodeEntry, encodeEntry, type Entry, type EntryWatch } from './entry.js';
export { KV_COMMANDS, arityOk, dispatch, lookupCommand, unknownCommand } from './commands.js';
export type { CommandFlag, CommandSpec, ExecContext, Handler } from './command-types.js';
export { keyBytes, keyOf } from './bytes.js';
export { SNAPSHOT_FORMAT_VERSION } from './snapshot.js';
