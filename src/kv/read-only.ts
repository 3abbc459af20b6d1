// Which commands may run as a read against applied state: a command flagged `write` must go
// through the log, so a backend refuses it as a read instead of changing state off the log — but
// an EVAL of a `#!lua flags=no-writes` script, which cannot write, may run as one.

import { errorReply, type Reply } from '../lib/reply.js';
import { lookupCommand } from './commands.js';
import { isReadOnlyEval } from './scripts.js';

/** An error reply when argv may not run as a local read (unknown commands are left to kv's own error). */
export function refuseAsRead(argv: readonly Uint8Array[]): Reply | undefined {
  const name = argv[0];
  if (name === undefined) return errorReply('ERR empty command');
  const spec = lookupCommand(name);
  if (spec !== undefined && spec.flags.includes('write') && !isReadOnlyEval(argv)) return errorReply(`ERR '${spec.name}' is a write command; it must go through the log`);
  return undefined;
}
