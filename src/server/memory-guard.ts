// maxmemory: while the memory in use is above the limit, a write command flagged denyoom is refused
// with Redis's OOM error (reads, deletes and every other command still run) — always under
// noeviction (Redis's default), and under an evicting policy only while the evictor
// (evictor.ts) has nothing left it may evict; otherwise the write runs and the evictor is woken.
// Used memory is V8's live heap plus memory outside it (Buffers) — what INFO reports as
// used_memory — sampled at most every SAMPLE_MS, since measuring it costs a system call, less the
// bytes evictions freed that V8 has not collected yet: deleting keys lowers the heap only at the
// next major GC, so each eviction's estimate (MEMORY USAGE's) counts at once, until that GC runs.
// It also keeps the access clock the LRU policies read, and the evicted_keys count INFO shows.

import { constants, PerformanceObserver } from 'node:perf_hooks';
import { assert } from '../lib/assert.js';
import { keyOf } from '../kv/bytes.js';
import { errorReply, type Reply } from '../lib/reply.js';
import type { Clock } from '../io/clock.js';
import { AccessClock } from './access-clock.js';
import type { CommandMeta, TableEntry } from './command-table.js';
import type { ServerSettings } from './config.js';

export const OOM: Reply = errorReply("OOM command not allowed when used memory > 'maxmemory'.");
const SAMPLE_MS = 100;
/** Forced collections are spaced at least this many times their own duration apart (≤ 5% of the time) ... */
const GC_SPACING_FACTOR = 20;
/** ... and at least this far apart. */
const GC_SPACING_MS = 100;

/** Bytes in use: V8's heap in use plus memory held outside it (INFO's used_memory). */
export function usedMemoryBytes(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

export class MemoryGuard {
  /** Keys the evictor removed on this node (INFO stats evicted_keys). */
  evictedKeys = 0;
  /** Set by the evictor: over the limit with no key the policy lets it evict, so writes are refused. */
  evictionStuck = false;
  /**
   * Memory maxmemory does not count, as Redis leaves out its AOF and replication buffers: the Raft
   * log held in memory until the next compaction (set by the backend). Evicting keys cannot shrink it.
   */
  notCountedBytes: () => number = () => 0;
  /** Called when a write finds memory over the limit under an evicting policy (the evictor's wake-up). */
  onPressure: () => void = () => undefined;
  readonly access = new AccessClock();
  private measuredBytes = 0;
  private sampledAtMs = -Infinity;
  /** Estimated bytes of evicted keys that V8 has not collected yet; cleared by a major GC. */
  private uncollectedBytes = 0;
  private gcWatch: PerformanceObserver | undefined;
  private lastGcAtMs = -Infinity;
  /** Measured right after the last major GC, less the log then: live data. */
  private liveBytes: number | undefined;
  /** notCountedBytes() when last read. */
  private logBytes = 0;
  private lastGcMs = 0;

  constructor(
    readonly settings: ServerSettings,
    private readonly clock: Clock,
    /** A full GC (V8's gc(), when the runtime could expose it). */
    private readonly collect: (() => void) | null = null,
    private readonly measure: () => number = usedMemoryBytes,
  ) {}

  /**
   * Runs a full GC when one is due, so the evictor's figure (evictionOverBytes) is live data as of
   * now; `now` runs it whatever the spacing (the evictor, once before it would refuse writes: the
   * figure may be stale after a FLUSHALL). True when it ran.
   */
  collectIfDue(now = false): boolean {
    if (this.collect === null) return false;
    const startMs = this.clock.monotonicMs();
    const spacingMs = Math.max(GC_SPACING_MS, GC_SPACING_FACTOR * this.lastGcMs);
    if (!now && startMs - this.lastGcAtMs < spacingMs) return false;
    this.collect();
    const endMs = this.clock.monotonicMs();
    this.lastGcAtMs = endMs;
    this.lastGcMs = endMs - startMs;
    this.collected();
    return true;
  }

  /** Used memory as maxmemory counts it: the sampled figure less evictions not yet collected and the log. */
  usedBytes(): number {
    const nowMs = this.clock.nowMs();
    if (nowMs - this.sampledAtMs >= SAMPLE_MS || nowMs < this.sampledAtMs) {
      this.measuredBytes = this.measure();
      this.sampledAtMs = nowMs;
      assert(this.measuredBytes >= 0, 'used memory must not be negative');
    }
    return Math.max(0, this.measuredBytes - this.notCountedForEvictBytes());
  }

  /**
   * INFO's mem_not_counted_for_evict: the log held in memory and what was freed but V8 has not
   * collected yet — evicted keys, and the log a compaction dropped (else a compaction would look
   * like the dataset growing by the log's size until the next GC, and keys would go for it).
   */
  notCountedForEvictBytes(): number {
    const logBytes = this.notCountedBytes();
    if (logBytes < this.logBytes) this.noteFreed(this.logBytes - logBytes);
    this.logBytes = logBytes;
    return this.uncollectedBytes + logBytes;
  }

  /**
   * How far the memory the evictor goes by is above maxmemory: the figure measured right after the
   * last major GC (live data, no garbage; the log left out) less the evictions since, so keys are
   * never evicted to make room for garbage — growth shows at the next GC instead (collectIfDue).
   * The sampled figure without a GC to force (V8's own come unbidden, so that figure would go
   * stale) or until one ran.
   */
  evictionOverBytes(): number {
    const limitBytes = this.settings.maxMemoryBytes;
    if (limitBytes === 0) return 0;
    const live = this.collect === null ? undefined : this.liveBytes;
    const usedBytes = live === undefined ? this.usedBytes() : live - this.uncollectedBytes;
    return Math.max(0, usedBytes - limitBytes);
  }

  /** How far used memory is above maxmemory (0 when under it or without a limit). */
  overBytes(): number {
    const limitBytes = this.settings.maxMemoryBytes;
    return limitBytes === 0 ? 0 : Math.max(0, this.usedBytes() - limitBytes);
  }

  /** Whether `entry` must be refused with OOM now. */
  refuses(entry: TableEntry): boolean {
    if (this.settings.maxMemoryBytes === 0 || entry.kind !== 'data' || !entry.meta.flags.includes('denyoom')) return false;
    if (this.overBytes() === 0) return false;
    if (this.settings.maxMemoryPolicy === 'noeviction') return true;
    this.onPressure();
    return this.evictionStuck;
  }

  /** The evictor removed `keys` keys, estimated at `bytes`: they count as freed until the next major GC. */
  noteEvicted(keys: number, bytes: number): void {
    assert(keys >= 0 && bytes >= 0, 'evicted counts must not be negative');
    this.evictedKeys += keys;
    this.noteFreed(bytes);
  }

  private noteFreed(bytes: number): void {
    this.uncollectedBytes += bytes;
    if (bytes > 0) this.watchGc();
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

  /** A major GC ran: the measured figure now reflects every eviction so far. */
  private collected(): void {
    this.uncollectedBytes = 0;
    this.sampledAtMs = -Infinity;
    this.logBytes = this.notCountedBytes();
    this.liveBytes = Math.max(0, this.measure() - this.logBytes);
    this.close();
  }

  close(): void {
    this.gcWatch?.disconnect();
    this.gcWatch = undefined;
  }

  /** Watches for the next major GC, which makes the measured figure reflect the evictions. */
  private watchGc(): void {
    if (this.gcWatch !== undefined) return;
    const watch = new PerformanceObserver((list) => {
      const major = list.getEntries().some((gc) => (gc as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR);
      if (major) this.collected();
    });
    watch.observe({ entryTypes: ['gc'] });
    this.gcWatch = watch;
  }
}
