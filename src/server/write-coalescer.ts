// Coalesces the write entries of all clients that arrive in one turn of the event loop into one
// backend entry, the way Redis writes its AOF once per event-loop iteration. Each caller still
// gets the replies of its own commands. Entries are applied in the order write() was called, so
// every client's own order holds. Entries with WATCHed keys pass through on their own, since
// their all-or-nothing check covers only their own commands.

import { assert } from '../lib/assert.js';
import type { Reply } from '../lib/reply.js';
import type { Backend, InfoFields, ReadConsistency, WriteEntry } from './backend.js';

/** The commands of one coalesced entry and the one promise every caller in it waits on. */
interface Group {
  readonly commands: (readonly Uint8Array[])[];
  bytes: number;
  readonly result: Promise<Reply[]>;
  readonly resolve: (replies: Reply[]) => void;
  readonly reject: (error: unknown) => void;
}

/** Caps on one coalesced entry, well under the log's 64 MiB record limit. */
const coalescedCommandsMax = 4096;
const coalescedBytesMax = 8 * 1024 * 1024;

export class WriteCoalescer implements Backend {
  /** The entry being gathered in this turn of the event loop, flushed on setImmediate. */
  private group: Group | undefined;

  constructor(private readonly inner: Backend) {}

  write(entry: WriteEntry): Promise<Reply[]> {
    if (entry.watches.length > 0) {
      this.flush();
      return this.inner.write(entry);
    }
    const bytes = entryBytes(entry);
    const current = this.group;
    const full = current !== undefined && (current.commands.length + entry.commands.length > coalescedCommandsMax || current.bytes + bytes > coalescedBytesMax);
    if (full) this.flush();
    const group = (this.group ??= this.newGroup());
    const offset = group.commands.length;
    const count = entry.commands.length;
    for (const command of entry.commands) group.commands.push(command);
    group.bytes += bytes;
    return group.result.then((replies) => (offset === 0 && count === replies.length ? replies : replies.slice(offset, offset + count)));
  }

  read(argv: readonly Uint8Array[], consistency?: ReadConsistency): Reply | Promise<Reply> {
    return this.inner.read(argv, consistency);
  }

  keyVersion(key: Uint8Array, consistency?: ReadConsistency): number | Promise<number> {
    return this.inner.keyVersion(key, consistency);
  }

  keyspace(): { readonly keys: number; readonly expires?: number } {
    return this.inner.keyspace();
  }

  persistenceInfo(): InfoFields {
    return this.inner.persistenceInfo();
  }

  async close(): Promise<void> {
    this.flush();
    await this.inner.close();
  }

  /** Starts gathering an entry; it is issued after this turn's I/O callbacks, so every client read in this turn shares it. */
  private newGroup(): Group {
    let resolve: (replies: Reply[]) => void = () => undefined;
    let reject: (error: unknown) => void = () => undefined;
    const result = new Promise<Reply[]>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    setImmediate(() => this.flush());
    return { commands: [], bytes: 0, result, resolve, reject };
  }

  /** Issues the gathered commands as one entry; each caller takes its own replies from the result. */
  private flush(): void {
    const group = this.group;
    if (group === undefined) return;
    this.group = undefined;
    assert(group.commands.length > 0, 'a gathered entry holds a command');
    this.inner.write({ commands: group.commands, watches: [] }).then((replies) => {
      assert(replies.length === group.commands.length, 'one reply per coalesced command');
      group.resolve(replies);
    }, group.reject);
  }
}

function entryBytes(entry: WriteEntry): number {
  let bytes = 0;
  for (const command of entry.commands) for (const arg of command) bytes += arg.length;
  return bytes;
}
