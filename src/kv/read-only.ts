// Which commands may run as a read against applied state: a command flagged `write` must go
// through the log, so a backend refuses it as a read instead of changing state off the log — but a
// script that cannot write may run as one, as Redis lets it run on a read-only replica: EVAL of a
// `#!lua flags=no-writes` body, EVALSHA of a cached one, and FCALL of a function registered with the
// `no-writes` flag. Which script commands run as reads at all (the _RO forms too) is isScriptRead.
// Each looks through a script's CAIRN.ASCALLER wrapper (acl/script-caller.ts) at the script command.

import { errorReply, type Reply } from '../lib/reply.js';
import { isOption, textOf } from './bytes.js';
import { lookupCommand } from './commands.js';
import type { Functions } from './functions.js';
import { isReadOnlyEval, type Scripts } from './scripts.js';
import { withoutCaller } from './acl/script-caller.js';

/** What of a state decides whether EVALSHA and FCALL may run as reads: the cached scripts' and the functions' flags. */
export interface ScriptFlagsView {
  readonly scripts: Pick<Scripts, 'cached'>;
  readonly functions: Pick<Functions, 'lookup'>;
}

/**
 * Whether argv, a command flagged `write`, runs a script that cannot write (so it may run as a
 * read). Without `state` only EVAL's shebang is seen. EVALSHA's answer cannot change later (a SHA-1
 * names one body); FCALL's can (FUNCTION LOAD REPLACE), so a read that runs FCALL checks again when
 * it runs (kv refuses the write: see ReplicaBackend).
 */
export function runsAsRead(command: readonly Uint8Array[], state?: ScriptFlagsView): boolean {
  const argv = withoutCaller(command);
  if (argv.length < 3) return false;
  const name = argv[0] as Uint8Array;
  if (name.length === 4) return isReadOnlyEval(argv);
  if (state === undefined) return false;
  if (name.length === 7 && isOption(name, 'evalsha')) return state.scripts.cached(textOf(argv[1] as Uint8Array).toLowerCase())?.flags.noWrites === true;
  if (name.length === 5 && isOption(name, 'fcall')) return state.functions.lookup(textOf(argv[1] as Uint8Array))?.fn.flags.includes('no-writes') === true;
  return false;
}

/** Script commands that run as reads: the _RO forms, and those runsAsRead lets through. */
export function isScriptRead(command: readonly Uint8Array[]): boolean {
  const name = withoutCaller(command)[0] as Uint8Array;
  if (name.length < 4 || name.length > 10 || ((name[0] as number) | 0x20) !== 0x65 && ((name[0] as number) | 0x20) !== 0x66) return false;
  return ['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro'].some((script) => isOption(name, script));
}

/** An error reply when argv may not run as a local read (unknown commands are left to kv's own error). */
export function refuseAsRead(command: readonly Uint8Array[], state?: ScriptFlagsView): Reply | undefined {
  const argv = withoutCaller(command);
  const name = argv[0];
  if (name === undefined) return errorReply('ERR empty command');
  const spec = lookupCommand(name);
  if (spec !== undefined && spec.flags.includes('write') && !runsAsRead(argv, state)) return errorReply(`ERR '${spec.name}' is a write command; it must go through the log`);
  return undefined;
}
