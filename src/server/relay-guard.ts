// What a leader accepts in a relayed entry (CAIRN.RELAY): exactly what a client's own write could
// put in one — kv commands a client may send, with their arity — so a relay is never more
// powerful than a direct write. Internal commands (CAIRN.EXPIRED, proposed by active expiry;
// CAIRN.EVICT, by maxmemory's evictor; CAIRN.MEMBER, by membership changes) and anything kv does
// not know are refused: a client can never send them directly, so an entry holding one was forged.
// A script wrapped with its caller's user (CAIRN.ASCALLER) is checked as its script command: the
// relay travels on authenticated peer links, and the follower checked the client's user.

import { CairnError } from '../lib/errors.js';
import { arityOk, lookupCommand } from '../kv/commands.js';
import { withoutCaller } from '../kv/acl/script-caller.js';

/** Undefined when every command may come from a client; otherwise why the entry is refused (decodeEntry bounds the count). */
export function refuseRelayedCommands(commands: readonly (readonly Uint8Array[])[]): CairnError | undefined {
  if (commands.length === 0) return new CairnError('CAIRN_INVALID_ARGUMENT', 'relayed entry refused: it holds no command');
  for (const command of commands) {
    // A script wrapped with its caller (kv/acl/script-caller.ts) is checked as the script command.
    const argv = withoutCaller(command);
    const name = argv[0];
    if (name === undefined) return new CairnError('CAIRN_INVALID_ARGUMENT', 'relayed entry refused: a command without a name');
    const spec = lookupCommand(name);
    const shown = Buffer.from(name.subarray(0, 64)).toString('utf8');
    if (spec === undefined || spec.flags.includes('internal')) {
      return new CairnError('CAIRN_INVALID_ARGUMENT', `relayed entry refused: '${shown}' is not a command clients may send`);
    }
    if (!arityOk(spec.arity, argv.length)) return new CairnError('CAIRN_INVALID_ARGUMENT', `relayed entry refused: wrong number of arguments for '${spec.name}'`);
  }
  return undefined;
}
