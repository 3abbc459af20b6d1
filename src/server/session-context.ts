// What a session needs from the server that owns it (ServerContext) and from its socket (Peer):
// the server-wide tables and registries, and the connection's buffers and push path.

import type { Reply } from '../lib/reply.js';
import type { Clock } from '../io/clock.js';
import type { Backend } from './backend.js';
import type { CommandTable } from './command-table.js';
import type { ServerSettings } from './config.js';
import type { BlockedClients } from './blocked-clients.js';
import type { MemoryGuard } from './memory-guard.js';
import type { PubsubRegistry } from './pubsub-registry.js';
import type { TrackingHub } from './tracking-hub.js';
import type { WatchHub } from './watch-hub.js';
import type { Session } from './session.js';
import type { AclGuard } from './acl-guard.js';

/** What a session needs from the server that owns it. */
export interface ServerContext {
  readonly table: CommandTable;
  readonly backend: Backend;
  readonly settings: ServerSettings;
  readonly clock: Clock;
  readonly blocked: BlockedClients;
  /** maxmemory's guard; absent = no limit. */
  readonly memory?: MemoryGuard;
  /** Every client's channel and pattern subscriptions on this node. */
  readonly pubsub: PubsubRegistry;
  /** Client-side caching (CLIENT TRACKING); absent = not offered. */
  readonly tracking?: TrackingHub<Session>;
  /** Every CAIRN.WATCH on this node; absent where the backend keeps no change history. */
  readonly watches?: WatchHub;
  /** ACL users' enforcement, this node's ACL LOG and AUTH's checks. */
  readonly acl: AclGuard;
  clients(): Iterable<Session>;
  /** CONFIG SET's last check before new settings are kept (the server reloads its TLS files); says which setting failed and why. */
  settingsChanging?(draft: ServerSettings, names: readonly string[]): { name: string; problem: string } | undefined;
  info(sections: readonly string[]): string;
  countCommand(): void;
}

/** Network facts about the client, for CLIENT LIST / INFO. */
export interface Peer {
  readonly addr: string;
  readonly laddr: string;
  readonly fd: number;
  /** Bytes received and not yet parsed. */
  queryBufferBytes(): number;
  /** Bytes of replies and pushes not yet taken by the kernel. */
  outputBufferBytes(): number;
  /**
   * Sends a push frame (a message, an invalidation) after the replies already written, or with
   * `afterReplies` after those of the turn in flight too; dropped once closing.
   */
  push(frame: Reply, afterReplies?: boolean): void;
  /** Closes the connection at once, dropping what it has not sent (a client over its output buffer limit). */
  destroy(): void;
  /** Calls `listener` once, the next time the socket has taken every byte queued (a slow watcher catches up). */
  onDrained?(listener: () => void): void;
}
