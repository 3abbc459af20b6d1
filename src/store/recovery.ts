// Store recovery: newest valid snapshot, then every log entry after it, applied in order.
// A log that does not reach back to the snapshot (a gap) is damage: open fails naming both.
// Replayed entries are copied into large private chunks first, so the values they SET are kept as
// views into those chunks (one allocation per chunk instead of one per value, which was a third
// of replay's CPU time). A chunk lives while any value in it does: at most the log's size at open,
// the same bound as the snapshot's own buffer (docs/STORAGE.md, "Reopen performance").

import { Buffer } from 'node:buffer';
import { assert } from '../lib/assert.js';
import { CairnError } from '../lib/errors.js';
import type { Disk } from '../io/disk.js';
import { applyDecoded, decodeEntry } from '../kv/entry.js';
import { decodeSnapshot } from '../kv/snapshot.js';
import { KvState } from '../kv/state.js';
import { removeTempFiles } from '../storage/atomic-file.js';
import { SegmentedLog, type LogRecovery } from '../storage/log.js';
import type { LogEntry } from '../storage/record.js';
import { loadNewestSnapshot } from '../storage/snapshot.js';
import { emptyState, KV_ENTRY_KIND } from './kv-machine.js';

export interface StoreRecovery {
  /** Index of the snapshot loaded (0 when none). */
  readonly snapshotIndex: number;
  readonly snapshotBytes: number;
  /** Damaged snapshot files passed over in favour of an older one. */
  readonly skippedSnapshots: readonly { readonly path: string; readonly reason: string }[];
  /** Log entries applied on top of the snapshot. */
  readonly replayedEntries: number;
  /** A torn tail cut off the log: file, offset, bytes and records dropped. */
  readonly truncatedTail: LogRecovery['truncatedTail'];
  readonly tempFilesRemoved: number;
}

export interface Recovered {
  readonly state: KvState;
  readonly log: SegmentedLog;
  readonly appliedIndex: number;
  readonly snapshotTerm: number;
  readonly recovery: StoreRecovery;
}

export async function recoverStore(disk: Disk, dir: string, segmentBytesMax: number | undefined): Promise<Recovered> {
  const tempFilesRemoved = await removeTempFiles(disk, dir);
  const loaded = await loadNewestSnapshot(disk, dir);
  const snapshot = loaded.snapshot;
  // The file's bytes are handed over, not copied: Disk.readFile returns a fresh buffer (NodeDisk's
  // fs.readFile and the simulator's copy) and nothing else keeps this one.
  const state = snapshot === null ? emptyState() : new KvState({}, decodeSnapshot(snapshot.state, 'adopt'));
  const snapshotIndex = snapshot?.index ?? 0;
  let appliedIndex = snapshotIndex;
  let replayedEntries = 0;
  const arena = new ReplayArena();
  const onRecoveredEntry = (entry: LogEntry): void => {
    if (entry.index <= appliedIndex) return;
    if (entry.index !== appliedIndex + 1) throw gapError(dir, appliedIndex, entry.index, loaded.skipped);
    if (entry.kind === KV_ENTRY_KIND) applyDecoded(state, decodeEntry(arena.copy(entry.data), true));
    appliedIndex = entry.index;
    replayedEntries++;
  };
  const { log, recovery } = await SegmentedLog.open(disk, dir, { segmentBytesMax, onRecoveredEntry });
  if (log.lastIndex < snapshotIndex) await log.compactPrefix(snapshotIndex); // the log lost a tail the snapshot holds
  if (log.firstIndex > snapshotIndex + 1) {
    await log.close();
    throw gapError(dir, snapshotIndex, log.firstIndex, loaded.skipped);
  }
  return {
    state,
    log,
    appliedIndex,
    snapshotTerm: snapshot?.term ?? 0,
    recovery: {
      snapshotIndex,
      snapshotBytes: snapshot?.sizeBytes ?? 0,
      skippedSnapshots: loaded.skipped,
      replayedEntries,
      truncatedTail: recovery.truncatedTail,
      tempFilesRemoved,
    },
  };
}

const ARENA_CHUNK_BYTES = 1024 * 1024;

/** Private copies of replayed entries, packed into chunks that nothing else references or writes. */
class ReplayArena {
  private chunk = Buffer.alloc(0);
  private usedBytes = 0;

  copy(data: Uint8Array): Buffer {
    if (this.chunk.length - this.usedBytes < data.length) {
      this.chunk = Buffer.alloc(Math.max(ARENA_CHUNK_BYTES, data.length)); // never from Buffer's shared pool
      this.usedBytes = 0;
    }
    const out = this.chunk.subarray(this.usedBytes, this.usedBytes + data.length);
    out.set(data);
    this.usedBytes += data.length;
    assert(this.usedBytes <= this.chunk.length, 'arena chunk overfilled');
    return out;
  }
}

function gapError(dir: string, haveIndex: number, nextIndex: number, skipped: readonly { path: string; reason: string }[]): CairnError {
  const why = skipped.length > 0 ? `; damaged snapshot(s): ${skipped.map((s) => `${s.path} (${s.reason})`).join(', ')}` : '';
  return new CairnError('CAIRN_CORRUPT', `${dir}: state reaches index ${haveIndex} but the log continues at ${nextIndex}${why}`);
}

/** Human-readable warnings for what recovery had to do (empty when the folder was clean). */
export function describeRecovery(recovery: StoreRecovery): string[] {
  const warnings: string[] = [];
  const tail = recovery.truncatedTail;
  if (tail !== null) {
    const what = tail.dropWholeFile ? 'removed the torn segment' : `cut the log at byte offset ${tail.offset}`;
    warnings.push(`recovery: torn tail in ${tail.path} (${tail.reason}): ${what}, dropping ${tail.droppedBytes} bytes and ${tail.droppedRecords} record(s) that were never acknowledged as durable`);
  }
  for (const skipped of recovery.skippedSnapshots) warnings.push(`recovery: skipped damaged snapshot ${skipped.path} (${skipped.reason})`);
  return warnings;
}
