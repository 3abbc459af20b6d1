// A Session without sockets or a server around it: the command table, default settings and a
// clock frozen at 1,000 ms, over whatever backend the test brings.
import { KV_COMMANDS } from '../../src/kv/commands.js';
import type { Backend } from '../../src/server/backend.js';
import { BlockedClients } from '../../src/server/blocked-clients.js';
import { CommandTable } from '../../src/server/command-table.js';
import { defaultSettings } from '../../src/server/config.js';
import { serverCommands } from '../../src/server/server-commands.js';
import { Session, type ServerContext } from '../../src/server/session.js';

export function bareSession(backend: Backend): Session {
  const clock = { nowMs: () => 1_000, monotonicMs: () => 0, setTimer: () => ({ cancel: () => undefined }) };
  const context: ServerContext = {
    table: new CommandTable([...KV_COMMANDS.values()], serverCommands),
    backend,
    settings: defaultSettings(),
    clock,
    blocked: new BlockedClients(backend, clock),
    clients: () => [],
    info: () => '',
    countCommand: () => undefined,
  };
  return new Session(1, context, { addr: 'a', laddr: 'b', fd: -1, queryBufferBytes: () => 0, outputBufferBytes: () => 0 });
}
