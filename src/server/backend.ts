// What the server needs from whatever holds the data: today the single-node Store, later a Raft
// replica. Writes are whole log entries (one command, or a MULTI/EXEC block with the watched
// keys' versions); reads run against applied state. Nothing here knows about sockets or RESP.

import type { Reply } from '../lib/reply.js';
import type { KeyEvent, PublishedMessage } from '../kv/key-events.js';
import type { ChangeHistory } from '../kv/change-history.js';
import type { AclRegistry } from '../kv/acl/registry.js';

export interface WatchedKey {
  readonly key: Uint8Array;
  /** The key's version when WATCH ran; the entry aborts if it differs when applied. */
  readonly version: number;
  /** The key's database (SELECT); 0 when not given. */
  readonly db?: number;
}

export interface WriteEntry {
  readonly commands: readonly (readonly Uint8Array[])[];
  readonly watches: readonly WatchedKey[];
  /** The database of each command (parallel to `commands`); all 0 when not given. */
  readonly dbs?: readonly number[];
  /** The id of the client that wrote it, on this node only (never in the log): CLIENT TRACKING's NOLOOP. */
  readonly client?: number;
}

/**
 * How a read is served: 'linearizable' (the default: never older than an acknowledged write) or
 * 'local' (READONLY: this node's applied state as it is now, possibly stale on a follower).
 */
export type ReadConsistency = 'linearizable' | 'local';

/** Listeners for applied entries' changes (replica/kv-machine.ts's onPublished and onKeyEvents). */
export interface ChangeListeners {
  /** Called for each entry that published, with its messages and all its keyspace events, before `keyEvents`. */
  readonly published?: (messages: readonly PublishedMessage[], events: readonly KeyEvent[], index: number) => void;
  /**
   * Called for each entry that raised keyspace events; `writer` is the id of this node's client
   * whose write made the entry (WriteEntry.client), when this node's server wrote it (NOLOOP).
   */
  readonly keyEvents?: (events: readonly KeyEvent[], index: number, writer: number | undefined) => void;
}

/** `key:value` pairs for one INFO section, in the order they are printed. */
export type InfoFields = readonly (readonly [string, string | number])[];

/** What INFO keyspace prints: totals, and per database that holds keys when the backend knows. */
export interface KeyspaceFigures {
  readonly keys: number;
  readonly expires?: number;
  readonly byDb?: readonly { readonly db: number; readonly keys: number; readonly expires: number }[];
}

/** What a busy node runs: a script (EVAL forms) or a function (FCALL forms), killable when it runs as a read here. */
export interface RunningScript {
  readonly kind: 'eval' | 'function';
  /** Stops it (its caller gets Redis's killed error); absent for a script in the log. */
  readonly kill?: () => void;
  /** FUNCTION STATS' reply now: the function running (nil for a script) and the library counts. */
  readonly functionStats?: () => Reply;
}

export interface Backend {
  /**
   * Appends one entry and resolves with one reply per command once it is durable and applied
   * (a failed WATCH resolves with a single nullArray reply). Rejects when the entry could not be
   * made durable; nothing is acknowledged then.
   */
  write(entry: WriteEntry): Promise<Reply[]>;
  /** Runs a read-only command against the applied state ('linearizable' when not given), in database `db` (0). */
  read(argv: readonly Uint8Array[], consistency?: ReadConsistency, db?: number): Reply | Promise<Reply>;
  /**
   * The version of a key for WATCH, read with the session's consistency: 'linearizable' reflects
   * every write acknowledged before the call (on a follower too, where the applied state may lag
   * the client's own relayed writes); 'local' is this node's applied state now.
   */
  keyVersion(key: Uint8Array, consistency?: ReadConsistency, db?: number): number | Promise<number>;
  /**
   * Calls `listener` after each change of the applied state (an entry applied, a snapshot
   * installed), for clients blocked on keys. A backend without it never wakes them early.
   */
  onApplied?(listener: () => void): void;
  /** The applied state's ACL users (replicated), when the backend keeps them; the server keeps a default-only one otherwise. */
  acl?(): AclRegistry;
  /** The applied state's change history (`__cairn:changes`, CAIRN.WATCH), when the backend keeps one. */
  changes?(): ChangeHistory;
  /**
   * Hands the listeners what each applied entry published and its keyspace events, in log order
   * (pub/sub, tracking, watch), for entries committed after the call: not those a restarting node
   * applies again from its log, which no connected client is owed.
   */
  onChanges?(listeners: ChangeListeners): void;
  /** How long the state has been busy applying one entry in steps (a long script), in ms; 0 or absent when not. */
  busyForMs?(): number;
  /** The script that makes the state busy (busyForMs > 0), if the backend knows it. */
  runningScript?(): RunningScript | undefined;
  /**
   * Whether a command flagged `write` runs a script that cannot write (EVAL of a no-writes body,
   * EVALSHA of a cached one, FCALL of a no-writes function), which read() serves as a read.
   */
  servesAsRead?(argv: readonly Uint8Array[]): boolean;
  /** Keys held (and those with an expiry, when the backend knows), for INFO keyspace. */
  keyspace(): KeyspaceFigures;
  /** Fields of INFO memory the backend knows: number_of_cached_scripts, number_of_functions, number_of_libraries. */
  memoryInfo?(): InfoFields;
  /** Fields for INFO persistence (log size, fsync policy, last sync...). */
  persistenceInfo(): InfoFields;
  /** Flushes whatever the durability policy has not yet synced and releases resources. */
  close(): Promise<void>;
}
