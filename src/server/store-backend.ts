// The Backend over the single-node Store: writes become log entries, reads run against the
// applied state (there is nothing to be stale against, so READONLY changes nothing), WATCH reads
// the kv state's key versions, INFO persistence reads the store's stats.

import { Buffer } from 'node:buffer';
import { isCairnError } from '../lib/errors.js';
import { errorReply, NULL, type Reply } from '../lib/reply.js';
import type { Clock } from '../io/clock.js';
import type { Store } from '../store/store.js';
import type { Backend, InfoFields, WriteEntry } from './backend.js';

export class StoreBackend implements Backend {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  write(entry: WriteEntry): Promise<Reply[]> {
    return this.store.write({ commands: entry.commands, watches: entry.watches });
  }

  read(argv: readonly Uint8Array[]): Reply {
    try {
      // GET is most of a read-heavy load: take the store's allocation-free lookup.
      if (argv.length === 2 && isGet(argv[0]!)) {
        const value = this.store.getValueByBinaryKey(binaryKey(argv[1]!));
        return value === undefined ? NULL : { type: 'bulk', value };
      }
      return this.store.read(argv);
    } catch (error) {
      // A closed or failed store answers with an error; anything else is a bug and propagates.
      if (isCairnError(error)) return errorReply(`ERR ${error.message}`);
      throw error;
    }
  }

  keyVersion(key: Uint8Array): number {
    const binaryKey = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
    return this.store.state.keyVersion(binaryKey, Math.floor(this.clock.nowMs()));
  }

  keyspace(): { keys: number } {
    return { keys: this.store.state.keyCount };
  }

  persistenceInfo(): InfoFields {
    const stats = this.store.stats();
    return [
      ['aof_rewrite_in_progress', stats.compacting ? 1 : 0],
      ['aof_last_write_status', stats.failure === null ? 'ok' : 'err'],
      ['cairn_fsync', stats.fsync],
      ['cairn_log_bytes', stats.logBytes],
      ['cairn_log_first_index', stats.logFirstIndex],
      ['cairn_log_last_index', stats.logLastIndex],
      ['cairn_log_segments', stats.segmentCount],
      ['cairn_applied_index', stats.appliedIndex],
      ['cairn_pending_writes', stats.pendingWrites],
      ['cairn_sync_count', stats.syncCount],
      ['cairn_last_sync_ms', stats.lastSyncMs],
      ['cairn_snapshot_index', stats.snapshotIndex],
      ['cairn_snapshot_bytes', stats.snapshotBytes],
      ['cairn_compactions', stats.compactions],
      ['cairn_failure', stats.failure ?? ''],
    ];
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

/** Node's Buffer has latin1Slice (what toString('latin1') calls, minus the argument checks). */
interface Latin1Sliceable extends Buffer {
  latin1Slice(start: number, end: number): string;
}

/** A key's bytes as a latin1 string (the state's key form); the parser's arguments are already Buffers, so no view is built. */
function binaryKey(key: Uint8Array): string {
  const buffer = (Buffer.isBuffer(key) ? key : Buffer.from(key.buffer, key.byteOffset, key.byteLength)) as Latin1Sliceable;
  return buffer.latin1Slice(0, buffer.length);
}

/** "get" in any case, without building a string. */
function isGet(name: Uint8Array): boolean {
  return name.length === 3 && (name[0]! | 0x20) === 0x67 && (name[1]! | 0x20) === 0x65 && (name[2]! | 0x20) === 0x74;
}
