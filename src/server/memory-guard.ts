// maxmemory: what it compares is not V8's heap (that drops only when V8 collects, so a limit judged
// by it evicts at moments no test or operator can predict) but the keyspace's running size estimate
// (kv's Db.datasetBytes: every key's MEMORY USAGE figure, strings as SET stores them) plus a fixed
// STARTUP_BYTES — the same figure for the same entries on every replica, whenever it is read. INFO
// shows it as used_memory_startup + used_memory_dataset; used_memory stays the real heap.
// While that figure is above the limit a write command flagged denyoom is refused with Redis's OOM
// error (reads, deletes and every other command still run) under noeviction (Redis's default), and
// under an evicting policy only when the policy has no key left to evict (volatile-* with no key
// holding a TTL); otherwise the write runs and the evictor (evictor.ts) is woken.
// It also keeps the access clock the LRU policies read, and the evicted_keys count INFO shows.

import { assert } from '../lib/assert.js';
import { keyOf } from '../kv/bytes.js';
import { errorReply, type Reply } from '../lib/reply.js';
import { AccessClock } from './access-clock.js';
import type { CommandMeta, TableEntry } from './command-table.js';
import type { ServerSettings } from './config.js';

export const OOM: Reply = errorReply("OOM command not allowed when used memory > 'maxmemory'.");
/** The fixed part of maxmemory's figure: what an empty redis-server 7.0.15 reports as used_memory_startup. */
export const STARTUP_BYTES = 876_032;

/** What the guard reads of the applied keyspace (kv's KvState). */
export interface KeyspaceSize {
  datasetBytes(): number;
  readonly keyCount: number;
  readonly expiringKeyCount: number;
}

const EMPTY: KeyspaceSize = { datasetBytes: () => 0, keyCount: 0, expiringKeyCount: 0 };

export class MemoryGuard {
  /** Keys the evictor removed on this node (INFO stats evicted_keys). */
  evictedKeys = 0;
  /** Called when a write finds memory over the limit under an evicting policy (the evictor's wake-up). */
  onPressure: () => void = () => undefined;
  readonly access = new AccessClock();

  constructor(
    readonly settings: ServerSettings,
    /** The keyspace as it is now (a snapshot install may replace it); none known counts as empty. */
    private readonly keyspace: () => KeyspaceSize = () => EMPTY,
  ) {}

  /** The keyspace's size estimate (INFO's used_memory_dataset). */
  datasetBytes(): number {
    return this.keyspace().datasetBytes();
  }

  /** Used memory as maxmemory counts it: STARTUP_BYTES and the keyspace's estimate. */
  usedBytes(): number {
    return STARTUP_BYTES + this.datasetBytes();
  }

  /** How far used memory is above maxmemory (0 when under it or without a limit). */
  overBytes(): number {
    const limitBytes = this.settings.maxMemoryBytes;
    return limitBytes === 0 ? 0 : Math.max(0, this.usedBytes() - limitBytes);
  }

  /** Whether the policy has a key it may evict (any key for allkeys-*, one with a TTL for volatile-*). */
  canEvict(): boolean {
    const policy = this.settings.maxMemoryPolicy;
    if (policy === 'noeviction') return false;
    const keyspace = this.keyspace();
    return policy.startsWith('volatile-') ? keyspace.expiringKeyCount > 0 : keyspace.keyCount > 0;
  }

  /** Whether `entry` must be refused with OOM now; under an evicting policy, wakes the evictor when over. */
  refuses(entry: TableEntry): boolean {
    if (this.settings.maxMemoryBytes === 0 || entry.kind !== 'data' || !entry.meta.flags.includes('denyoom')) return false;
    if (this.overBytes() === 0) return false;
    if (!this.canEvict()) return true;
    this.onPressure();
    return false;
  }

  /** The evictor removed `keys` keys. */
  noteEvicted(keys: number): void {
    assert(Number.isSafeInteger(keys) && keys >= 0, 'evicted keys are a count');
    this.evictedKeys += keys;
  }

  /** Notes the keys of a command this node's client runs (or a follower relays), while an LRU policy needs them. */
  noteAccess(meta: Pick<CommandMeta, 'firstKey' | 'lastKey' | 'keyStep'>, argv: readonly Uint8Array[], db: number): void {
    const policy = this.settings.maxMemoryPolicy;
    if (policy !== 'allkeys-lru' && policy !== 'volatile-lru') {
      if (this.access.size > 0) this.access.clear();
      return;
    }
    if (meta.firstKey <= 0) return;
    const last = meta.lastKey < 0 ? argv.length + meta.lastKey : Math.min(meta.lastKey, argv.length - 1);
    for (let i = meta.firstKey; i <= last; i += Math.max(1, meta.keyStep)) this.access.touch(db, keyOf(argv[i] as Uint8Array));
  }
}
