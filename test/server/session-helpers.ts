// A Session without sockets or a server around it: the command table, default settings and a
// clock frozen at 1,000 ms, over whatever backend the test brings.
import { KV_COMMANDS } from '../../src/kv/commands.js';
import type { Backend } from '../../src/server/backend.js';
import { BlockedClients } from '../../src/server/blocked-clients.js';
import { CommandTable } from '../../src/server/command-table.js';
import { defaultSettings } from '../../src/server/config.js';
import { serverCommands } from '../../src/server/server-commands.js';
import { pubsubCommands } from '../../src/server/pubsub-commands.js';
import { PubsubRegistry } from '../../src/server/pubsub-registry.js';
import { Session, type ServerContext } from '../../src/server/session.js';
import { AclGuard } from '../../src/server/acl-guard.js';

export function bareSession(backend: Backend): Session {
  const clock = { nowMs: () => 1_000, monotonicMs: () => 0, setTimer: () => ({ cancel: () => undefined }) };
  const context: ServerContext = {
    table: new CommandTable([...KV_COMMANDS.values()], [...serverCommands, ...pubsubCommands]),
    backend,
    settings: defaultSettings(),
    clock,
    blocked: new BlockedClients(backend, clock),
    clients: () => [],
    info: () => '',
    countCommand: () => undefined,
    pubsub: new PubsubRegistry(),
    acl: new AclGuard(undefined, () => undefined, () => '', () => 1_000, () => 128),
  };
  return new Session(1, context, barePeer);
}

/** A peer with nowhere to send: pushes are dropped. */
export const barePeer = { addr: 'a', laddr: 'b', fd: -1, queryBufferBytes: () => 0, outputBufferBytes: () => 0, push: () => undefined, destroy: () => undefined };

