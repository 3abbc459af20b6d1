// Coalesces the write entries of all clients that arrive in one turn of the event loop into one
// backend entry, the way Redis writes its AOF once per event-loop iteration. Each caller still
// gets the replies of its own commands. Entries are applied in the order write() was called, so
// every client's own order holds. Entries with WATCHed keys pass through on their own, since
// their all-or-nothing check covers only their own commands. A coalesced entry names its writing
// client (CLIENT TRACKING's NOLOOP) only when all its commands came from one client: otherwise its
// changes are told to every tracker, an extra invalidation rather than a missed one.

import { assert } from '../lib/assert.js';
import type { Reply } from '../lib/reply.js';
import { isReadOnlyEval } from '../kv/scripts.js';
import type { Backend, ChangeListeners, InfoFields, KeyspaceFigures, ReadConsistency, RunningScript, WriteEntry } from './backend.js';

interface Waiter {
  readonly offset: number;
  readonly count: number;
  readonly resolve: (replies: Reply[]) => void;
  readonly reject: (error: unknown) => void;
}

/** Caps on one coalesced entry, well under the log's 64 MiB record limit. */
const coalescedCommandsMax = 4096;
const coalescedBytesMax = 8 * 1024 * 1024;

export class WriteCoalescer implements Backend {
  private commands: (readonly Uint8Array[])[] = [];
  /** The database of each gathered command, once any is not 0 (undefined while all are). */
  private dbs: number[] | undefined;
  private bytes = 0;
  /** The one client whose commands are gathered; null once two clients' (or an unnamed) are. */
  private client: number | null | undefined;
  private waiters: Waiter[] = [];
  private scheduled = false;

  constructor(private readonly inner: Backend) {}

  write(entry: WriteEntry): Promise<Reply[]> {
    if (entry.watches.length > 0) {
      this.flush();
      return this.inner.write(entry);
    }
    const bytes = entryBytes(entry);
    const full = this.commands.length + entry.commands.length > coalescedCommandsMax || this.bytes + bytes > coalescedBytesMax;
    if (full) this.flush();
    const promise = new Promise<Reply[]>((resolve, reject) => {
      this.waiters.push({ offset: this.commands.length, count: entry.commands.length, resolve, reject });
    });
    if (entry.dbs !== undefined && this.dbs === undefined && entry.dbs.some((db) => db !== 0)) this.dbs = new Array<number>(this.commands.length).fill(0);
    if (this.dbs !== undefined) for (let i = 0; i < entry.commands.length; i++) this.dbs.push(entry.dbs?.[i] ?? 0);
    for (const command of entry.commands) this.commands.push(command);
    this.bytes += bytes;
    this.client = this.waiters.length === 1 ? (entry.client ?? null) : this.client === entry.client ? this.client : null;
    if (!this.scheduled) {
      this.scheduled = true;
      // After this turn's I/O callbacks: every client read in this turn shares the entry.
      setImmediate(() => this.flush());
    }
    return promise;
  }

  read(argv: readonly Uint8Array[], consistency?: ReadConsistency, db?: number): Reply | Promise<Reply> {
    return this.inner.read(argv, consistency, db);
  }

  keyVersion(key: Uint8Array, consistency?: ReadConsistency, db?: number): number | Promise<number> {
    return this.inner.keyVersion(key, consistency, db);
  }

  onApplied(listener: () => void): void {
    this.inner.onApplied?.(listener);
  }

  onChanges(listeners: ChangeListeners): void {
    this.inner.onChanges?.(listeners);
  }

  /** The inner backend's change history, when it keeps one. */
  get changes(): Backend['changes'] {
    return this.inner.changes?.bind(this.inner);
  }

  /** The inner backend's ACL users, when it keeps them. */
  get acl(): Backend['acl'] {
    return this.inner.acl?.bind(this.inner);
  }

  busyForMs(): number {
    return this.inner.busyForMs?.() ?? 0;
  }

  runningScript(): RunningScript | undefined {
    return this.inner.runningScript?.();
  }

  servesAsRead(argv: readonly Uint8Array[]): boolean {
    return this.inner.servesAsRead?.(argv) ?? isReadOnlyEval(argv);
  }

  keyspace(): KeyspaceFigures {
    return this.inner.keyspace();
  }

  memoryInfo(): InfoFields {
    return this.inner.memoryInfo?.() ?? [];
  }

  persistenceInfo(): InfoFields {
    return this.inner.persistenceInfo();
  }

  async close(): Promise<void> {
    this.flush();
    await this.inner.close();
  }

  /** Issues the gathered commands as one entry and hands each caller its replies. */
  private flush(): void {
    this.scheduled = false;
    if (this.waiters.length === 0) return;
    const commands = this.commands;
    const dbs = this.dbs;
    const client = this.client ?? undefined;
    const waiters = this.waiters;
    this.commands = [];
    this.dbs = undefined;
    this.bytes = 0;
    this.waiters = [];
    this.inner.write(dbs === undefined ? { commands, watches: [], client } : { commands, watches: [], dbs, client }).then(
      (replies) => {
        assert(replies.length === commands.length, 'one reply per coalesced command');
        for (const w of waiters) w.resolve(replies.slice(w.offset, w.offset + w.count));
      },
      (error: unknown) => {
        for (const w of waiters) w.reject(error);
      },
    );
  }
}

function entryBytes(entry: WriteEntry): number {
  let bytes = 0;
  for (const command of entry.commands) for (const arg of command) bytes += arg.length;
  return bytes;
}
