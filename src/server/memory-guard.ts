// maxmemory with Redis's default policy, noeviction: while the memory in use is above the limit,
// a write command flagged denyoom is refused with Redis's OOM error (reads, deletes and every
// other command still run), so a node under memory pressure refuses writes instead of dying.
// Used memory is V8's live heap plus memory outside it (Buffers) — what INFO reports as
// used_memory — sampled at most every SAMPLE_MS, since measuring it costs a system call.

import { assert } from '../lib/assert.js';
import { errorReply, type Reply } from '../lib/reply.js';
import type { Clock } from '../io/clock.js';
import type { TableEntry } from './command-table.js';
import type { ServerSettings } from './config.js';

export const OOM: Reply = errorReply("OOM command not allowed when used memory > 'maxmemory'.");
const SAMPLE_MS = 100;

/** Bytes in use: V8's heap in use plus memory held outside it (INFO's used_memory). */
export function usedMemoryBytes(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

export class MemoryGuard {
  private usedBytes = 0;
  private sampledAtMs = -Infinity;

  constructor(
    private readonly settings: ServerSettings,
    private readonly clock: Clock,
    private readonly measure: () => number = usedMemoryBytes,
  ) {}

  /** Whether `entry` must be refused with OOM now. */
  refuses(entry: TableEntry): boolean {
    const limitBytes = this.settings.maxMemoryBytes;
    if (limitBytes === 0 || entry.kind !== 'data' || !entry.meta.flags.includes('denyoom')) return false;
    const nowMs = this.clock.nowMs();
    if (nowMs - this.sampledAtMs >= SAMPLE_MS || nowMs < this.sampledAtMs) {
      this.usedBytes = this.measure();
      this.sampledAtMs = nowMs;
      assert(this.usedBytes >= 0, 'used memory must not be negative');
    }
    return this.usedBytes > limitBytes;
  }
}
