// CAIRN.WATCH on one node: every watch of every client, fed from the change history (kv's
// change-history.ts, the same on every node) right after each entry is applied, in revision order.
// A watch starts at a revision (FROM, or the node's last one) and is sent, in order, each retained
// change from there that its glob matches (whole-database changes — flushdb, swapdb — always), then
// each later change as it is applied: replay and live come from the one history with one cursor,
// so nothing is missed or sent twice at the hand-over. A watch that has nothing to send for half a
// second gets a progress frame with the revision it is up to date with (etcd's progress notify).
// A snapshot installed past what the history still holds ends every watch with a compacted frame.
// Frames (RESP3 push, RESP2 array), in docs/WATCH.md:
//   watch <pattern> <revision>      the reply: changes up to <revision> were replayed, later ones follow live
//   change <pattern> <id> [op <op> key <key> (value <v>) (prev <p>) (db <n>)]
//   progress <pattern> <revision>
//   compacted <pattern> <oldest retained revision>   the watch has ended

import { Buffer } from 'node:buffer';
import { assert } from '../lib/assert.js';
import { bulkReply, errorReply, integerReply, type Reply } from '../lib/reply.js';
import type { Clock, TimerHandle } from '../io/clock.js';
import type { ChangeHistory } from '../kv/change-history.js';
import { globMatch } from '../kv/glob.js';
import type { StreamEntry } from '../kv/stream/chunk.js';
import { compareIds, formatId, incrId, MAX_ID, ZERO_ID, type StreamId } from '../kv/stream/id.js';
import { PrevValues } from './watch-prev.js';

/** Where a watch's frames go: its client's out-of-band path. */
export interface WatchSink {
  push(frame: Reply): void;
}

/** How often idle watches are looked at, and how long one may stay silent before a progress frame. */
const PROGRESS_TICK_MS = 250;
const PROGRESS_IDLE_MS = 500;

export class Watch {
  lastPushMs: number;
  /** The pattern as a latin1 string: watches that share it share their frames (sharedFrame). */
  readonly patternKey: string;
  constructor(
    readonly pattern: Buffer,
    readonly sink: WatchSink,
    /** The first change it wants (FROM's revision, or the one after the node's last). */
    readonly fromId: StreamId,
    readonly prev: PrevValues | undefined,
    nowMs: number,
  ) {
    this.lastPushMs = nowMs;
    this.patternKey = pattern.toString('latin1');
  }

  /**
   * The frame of a change this watch wants, or undefined. Whole-database changes match every
   * pattern. Changes before `fromId` that match are still noted for PREVVALUE.
   */
  frame(entry: StreamEntry, keyBytes: Buffer): Reply | undefined {
    const wanted = compareIds(entry.id, this.fromId) >= 0;
    if (!wanted && this.prev === undefined) return undefined;
    if (keyBytes.length > 0 && !globMatch(this.pattern, keyBytes)) return undefined;
    const prev = this.prev?.take(entry.id, entry.pairs);
    if (!wanted) return undefined;
    const fields = entry.pairs.map((text) => bulkReply(Buffer.from(text, 'latin1')));
    if (prev !== undefined) fields.push(bulkReply('prev'), bulkReply(Buffer.from(prev, 'latin1')));
    return push('change', this.pattern, bulkReply(formatId(entry.id)), { type: 'array', items: fields });
  }
}

/** A PREVVALUE-less watch's frame of `entry`, built once per pattern and entry in `shared`. */
function sharedFrame(shared: Map<string, Reply | null>, watch: Watch, entry: StreamEntry, keyBytes: Buffer): Reply | undefined {
  if (compareIds(entry.id, watch.fromId) < 0) return undefined;
  let frame = shared.get(watch.patternKey);
  if (frame === undefined) {
    frame = watch.frame(entry, keyBytes) ?? null;
    shared.set(watch.patternKey, frame);
  }
  return frame ?? undefined;
}

function push(kind: string, pattern: Buffer, ...rest: Reply[]): Reply {
  return { type: 'push', items: [bulkReply(kind), bulkReply(pattern), ...rest] };
}

export class WatchHub {
  private readonly watches = new Set<Watch>();
  /** The last change every watch has been sent (or passed over); undefined while there is no watch. */
  private cursor: StreamId | undefined;
  private timer: TimerHandle | undefined;

  constructor(
    /** The node's change history now (a restored snapshot brings a new one); undefined when it keeps none. */
    private readonly history: () => ChangeHistory | undefined,
    private readonly clock: Clock,
  ) {}

  get count(): number {
    return this.watches.size;
  }

  /**
   * Starts a watch: the reply (the `watch` frame, then the retained changes from `from` on that
   * match) and the watch, which gets every later change; or an error reply (COMPACTED).
   */
  start(pattern: Buffer, sink: WatchSink, from: number | undefined, prevValue: boolean): { reply: Reply; watch?: Watch } {
    const history = this.history();
    if (history === undefined) return { reply: errorReply('ERR this node keeps no change history') };
    this.deliver();
    const cursor = this.cursor ?? history.stream.lastId;
    const fromId = from === undefined ? (incrId(cursor) ?? MAX_ID) : { ms: BigInt(from), seq: 0n };
    if (from !== undefined) {
      const compacted = history.compactedFrom(fromId);
      if (compacted !== undefined) return { reply: compacted };
    }
    const watch = new Watch(pattern, sink, fromId, prevValue ? new PrevValues() : undefined, this.clock.monotonicMs());
    const frames: Reply[] = [push('watch', pattern, integerReply(Number(cursor.ms)))];
    // Replay (and, for PREVVALUE, what the retained history says each key held before).
    const replayFrom = watch.prev === undefined ? fromId : ZERO_ID;
    if (compareIds(replayFrom, cursor) <= 0) {
      history.stream.range(replayFrom, cursor, false, 0, (entry) => {
        const frame = watch.frame(entry, Buffer.from(entry.pairs[3] as string, 'latin1'));
        if (frame !== undefined) frames.push(frame);
      });
    }
    this.cursor = cursor;
    this.watches.add(watch);
    this.timer ??= this.clock.setTimer(PROGRESS_TICK_MS, () => this.tick());
    return { reply: { type: 'replies', items: frames }, watch };
  }

  stop(watch: Watch): void {
    this.watches.delete(watch);
    if (this.watches.size > 0) return;
    this.cursor = undefined;
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Sends every watch the changes applied since the cursor (call after each applied entry or installed snapshot). */
  deliver(): void {
    const history = this.history();
    if (this.cursor === undefined || history === undefined) return;
    const lastId = history.stream.lastId;
    if (compareIds(lastId, this.cursor) <= 0) return;
    if (history.compactedAfter(this.cursor) !== undefined) return this.endAll(history);
    const from = incrId(this.cursor);
    assert(from !== undefined, 'a cursor below the last ID has a successor');
    const entries: StreamEntry[] = [];
    history.stream.range(from, lastId, false, 0, (entry) => entries.push(entry));
    this.cursor = lastId;
    const nowMs = this.clock.monotonicMs();
    for (const entry of entries) {
      const keyBytes = Buffer.from(entry.pairs[3] as string, 'latin1');
      // Watches on one pattern without PREVVALUE get the same frame: matched and built once.
      const shared = new Map<string, Reply | null>();
      for (const watch of this.watches) {
        const frame = watch.prev === undefined ? sharedFrame(shared, watch, entry, keyBytes) : watch.frame(entry, keyBytes);
        if (frame === undefined) continue;
        watch.lastPushMs = nowMs;
        watch.sink.push(frame);
      }
    }
    for (const watch of this.watches) watch.prev?.sweep(history.lastTrimmed);
  }

  /** A snapshot jumped past what a watch was sent: each ends with the oldest revision still retained. */
  private endAll(history: ChangeHistory): void {
    const frame = (watch: Watch): Reply => push('compacted', watch.pattern, integerReply(history.oldestRetained));
    for (const watch of [...this.watches]) {
      this.stop(watch);
      watch.sink.push(frame(watch));
    }
  }

  /** Progress for watches silent for a while: the revision they are up to date with. */
  private tick(): void {
    this.timer = undefined;
    this.deliver();
    if (this.watches.size === 0 || this.cursor === undefined) return;
    const nowMs = this.clock.monotonicMs();
    const revision = integerReply(Number(this.cursor.ms));
    for (const watch of this.watches) {
      if (nowMs - watch.lastPushMs < PROGRESS_IDLE_MS) continue;
      watch.lastPushMs = nowMs;
      watch.sink.push(push('progress', watch.pattern, revision));
    }
    if (this.watches.size > 0) this.timer = this.clock.setTimer(PROGRESS_TICK_MS, () => this.tick());
  }
}
