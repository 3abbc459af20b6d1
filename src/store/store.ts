// Store: the single-node store — the segmented log plus the kv state machine. The network server
// and the embedded KVStore both sit on it.
//
//   Store.open({ dir, disk, clock, fsync })  lock the folder, load the snapshot, replay the log
//   store.write({ commands, watches? })      stamp clock time, append one log record, wait for the
//                                            durability the fsync policy promises, apply in log
//                                            order, resolve with one reply per command
//   store.read(argv)                         a read-only command against the applied state, now
//   store.getValue(key)                      fast path for GET (also getValueByBinaryKey)
//   store.state                              the KvState (read access: getValue, keyCount)
//   store.compact()                          snapshot + drop covered segments; also automatic
//   store.stats(), store.close()
//
// Ordering: a write's index is fixed when write() is called; entries are applied strictly in index
// order once the log prefix up to them is durable, so concurrent INCRs are deterministic and a read
// never sees a write that a crash could still take back (under 'always').
// After a disk failure the store refuses writes (CAIRN_IO) but keeps serving reads; reopen to recover.

import { Buffer } from 'node:buffer';
import { assert } from '../lib/assert.js';
import { CairnError } from '../lib/errors.js';
import type { Reply } from '../lib/reply.js';
import type { Clock } from '../io/clock.js';
import type { DirLock, Disk } from '../io/disk.js';
import type { KvState } from '../kv/state.js';
import { PeriodicSync, type FsyncPolicy } from '../storage/fsync-policy.js';
import type { SegmentedLog } from '../storage/log.js';
import { RECORD_PAYLOAD_BYTES_MAX } from '../storage/record.js';
import { Compactor, type CompactionOptions } from './compactor.js';
import { ActiveExpiry } from './active-expiry.js';
import { applyWrite, encodeWrite, KV_ENTRY_KIND, refuseAsRead, type WriteRequest } from './kv-machine.js';
import { recoverStore, type StoreRecovery } from './recovery.js';

export type { WriteRequest } from './kv-machine.js';
export { describeRecovery, type StoreRecovery } from './recovery.js';

export interface StoreOptions extends CompactionOptions {
  readonly dir: string;
  readonly disk: Disk;
  readonly clock: Clock;
  /** Default 'always'. */
  readonly fsync?: FsyncPolicy;
  readonly segmentBytesMax?: number;
  /** Writes accepted but not yet applied; beyond it write() rejects with CAIRN_BUSY. Default 65,536. */
  readonly pendingWritesMax?: number;
  /** Propose deletes of expired keys in the background (default true). */
  readonly activeExpiry?: boolean;
}

export interface StoreStats {
  readonly fsync: FsyncPolicy;
  readonly logBytes: number;
  readonly logFirstIndex: number;
  readonly logLastIndex: number;
  readonly segmentCount: number;
  readonly appliedIndex: number;
  readonly syncCount: number;
  /** Clock time of the last completed fdatasync of the log, 0 before the first. */
  readonly lastSyncMs: number;
  readonly pendingWrites: number;
  readonly snapshotIndex: number;
  readonly snapshotBytes: number;
  readonly compactions: number;
  readonly compacting: boolean;
  readonly lastCompactionError: string | null;
  readonly keyCount: number;
  /** Why writes are refused, or null while healthy. */
  readonly failure: string | null;
}

interface PendingWrite {
  readonly index: number;
  readonly data: Uint8Array;
  readonly resolve: (replies: Reply[]) => void;
  readonly reject: (error: unknown) => void;
}

const PENDING_WRITES_MAX_DEFAULT = 65_536;
const STORE_TERM_MIN = 1;

export class Store {
  private readonly pending: PendingWrite[] = [];
  private pendingHead = 0;
  private appliedIndexValue: number;
  private lastStampMs = 0;
  private lastSyncMs = 0;
  private failure: CairnError | null = null;
  private closed = false;
  private readonly periodicSync: PeriodicSync | null;
  private readonly compactor: Compactor;
  private readonly expiry: ActiveExpiry | null;
  private readonly term: number;

  private constructor(
    private readonly options: StoreOptions,
    private readonly lock: DirLock,
    private readonly log: SegmentedLog,
    readonly state: KvState,
    appliedIndex: number,
    snapshotTerm: number,
    readonly recovery: StoreRecovery,
  ) {
    this.appliedIndexValue = appliedIndex;
    this.term = Math.max(STORE_TERM_MIN, snapshotTerm, log.term(log.lastIndex) ?? 0);
    this.compactor = new Compactor(options, log, recovery, () => this.appliedIndexValue, () => this.snapshotPoint());
    const policy = options.fsync ?? 'always';
    this.periodicSync = policy === 'everysec' ? new PeriodicSync(options.clock, () => this.syncLog(), (e) => this.fail(e)) : null;
    this.periodicSync?.start();
    this.expiry = options.activeExpiry === false ? null : new ActiveExpiry({ clock: options.clock, state: () => state, write: (request) => this.write(request), onWriteFailure: 'stop' });
    this.expiry?.start();
  }

  static async open(options: StoreOptions): Promise<Store> {
    const { disk, dir } = options;
    await disk.mkdirp(dir);
    const lock = await disk.lock(dir);
    try {
      const recovered = await recoverStore(disk, dir, options.segmentBytesMax);
      return new Store(options, lock, recovered.log, recovered.state, recovered.appliedIndex, recovered.snapshotTerm, recovered.recovery);
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  get fsync(): FsyncPolicy {
    return this.options.fsync ?? 'always';
  }

  get appliedIndex(): number {
    return this.appliedIndexValue;
  }

  /** Appends one entry, waits for the policy's durability, applies it in log order, returns its replies. */
  write(request: WriteRequest): Promise<Reply[]> {
    if (this.closed) return Promise.reject(new CairnError('CAIRN_CLOSED', `store ${this.options.dir} is closed`));
    if (this.failure !== null) return Promise.reject(this.failure);
    if (request.commands.length === 0 || request.commands.some((argv) => argv.length === 0)) {
      return Promise.reject(new CairnError('CAIRN_INVALID_ARGUMENT', 'a write holds at least one command, and each command at least its name'));
    }
    const pendingWritesMax = this.options.pendingWritesMax ?? PENDING_WRITES_MAX_DEFAULT;
    if (this.pending.length - this.pendingHead >= pendingWritesMax) {
      return Promise.reject(new CairnError('CAIRN_BUSY', `store ${this.options.dir}: ${pendingWritesMax} writes are already pending`));
    }
    this.lastStampMs = Math.max(this.lastStampMs, Math.floor(this.options.clock.nowMs()));
    const data = encodeWrite(this.lastStampMs, request);
    if (data.length > RECORD_PAYLOAD_BYTES_MAX) {
      return Promise.reject(new CairnError('CAIRN_INVALID_ARGUMENT', `a write of ${data.length} bytes is over the ${RECORD_PAYLOAD_BYTES_MAX}-byte log record limit`));
    }
    const index = this.log.lastIndex + 1;
    const written = this.log.append([{ index, term: this.term, kind: KV_ENTRY_KIND, data }]);
    const durable = this.fsync === 'always' ? Promise.all([written, this.syncLog()]) : written;
    const replies = new Promise<Reply[]>((resolve, reject) => this.pending.push({ index, data, resolve, reject }));
    durable.then(() => this.applyThrough(index), (error: unknown) => this.fail(error));
    return replies;
  }

  /** Runs a read-only command against the applied state at the clock's time. */
  read(argv: readonly Uint8Array[]): Reply {
    if (this.closed) throw new CairnError('CAIRN_CLOSED', `store ${this.options.dir} is closed`);
    const refusal = refuseAsRead(argv);
    if (refusal !== undefined) return refusal;
    return this.state.execute(argv, Math.max(this.lastStampMs, Math.floor(this.options.clock.nowMs())));
  }

  /** Fast path for GET: the value of a key (raw bytes) in the applied state at the clock's time. */
  getValue(key: Uint8Array): Uint8Array | undefined {
    return this.getValueByBinaryKey(Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1'));
  }

  /** GET by the key's bytes as a latin1 string (one char per byte). The result is the state's own bytes: do not mutate. */
  getValueByBinaryKey(binaryKey: string): Uint8Array | undefined {
    if (this.closed) throw new CairnError('CAIRN_CLOSED', `store ${this.options.dir} is closed`);
    return this.state.getValue(binaryKey, Math.max(this.lastStampMs, Math.floor(this.options.clock.nowMs())));
  }

  /** Writes a snapshot of the applied state and drops the log segments it covers. */
  compact(): Promise<void> {
    if (this.closed) return Promise.reject(new CairnError('CAIRN_CLOSED', `store ${this.options.dir} is closed`));
    return this.compactor.compact();
  }

  stats(): StoreStats {
    const log = this.log.stats();
    const compaction = this.compactor.stats();
    return {
      fsync: this.fsync,
      logBytes: log.sizeBytes,
      logFirstIndex: log.firstIndex,
      logLastIndex: log.lastIndex,
      segmentCount: log.segmentCount,
      appliedIndex: this.appliedIndexValue,
      syncCount: log.syncCount,
      lastSyncMs: this.lastSyncMs,
      pendingWrites: this.pending.length - this.pendingHead,
      ...compaction,
      keyCount: this.state.keyCount,
      failure: this.failure?.message ?? null,
    };
  }

  /** Stops background work, waits for pending writes, makes everything durable and releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.periodicSync?.stop();
    this.expiry?.stop();
    await this.compactor.idle();
    try {
      if (this.failure === null) await this.syncLog();
    } catch (error) {
      this.fail(error);
    } finally {
      await this.log.close();
      await this.lock.release();
    }
    if (this.failure !== null && this.pending.length > this.pendingHead) this.rejectPending(this.failure);
  }

  private syncLog(): Promise<void> {
    return this.log.sync().then(() => {
      this.lastSyncMs = this.options.clock.nowMs();
    });
  }

  private applyThrough(index: number): void {
    const budget = this.pending.length - this.pendingHead;
    for (let n = 0; n < budget; n++) {
      const next = this.pending[this.pendingHead];
      if (next === undefined || next.index > index) break;
      assert(next.index === this.appliedIndexValue + 1, 'entries apply in index order without gaps');
      this.pendingHead++;
      const replies = applyWrite(this.state, next.data);
      this.appliedIndexValue = next.index;
      next.resolve(replies);
    }
    this.trimPending();
    if (this.failure === null && !this.closed) this.compactor.maybeCompact();
  }

  private trimPending(): void {
    if (this.pendingHead === this.pending.length) {
      this.pending.length = 0;
      this.pendingHead = 0;
    } else if (this.pendingHead > 4096 && this.pendingHead * 2 > this.pending.length) {
      this.pending.splice(0, this.pendingHead);
      this.pendingHead = 0;
    }
  }

  private fail(error: unknown): void {
    this.failure ??= error instanceof CairnError ? error : new CairnError('CAIRN_IO', `store ${this.options.dir}: ${String(error)}`, { cause: error });
    this.periodicSync?.stop();
    this.expiry?.stop();
    this.rejectPending(this.failure);
  }

  private rejectPending(error: CairnError): void {
    while (this.pendingHead < this.pending.length) (this.pending[this.pendingHead++] as PendingWrite).reject(error);
    this.trimPending();
  }

  private snapshotPoint(): { index: number; term: number; state: Uint8Array } {
    return { index: this.appliedIndexValue, term: this.log.term(this.appliedIndexValue) ?? this.term, state: this.state.encodeSnapshot() };
  }
}
