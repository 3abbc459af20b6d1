// CAIRN.WATCH on one node: every watch of every client, fed from the change history (kv's
// change-history.ts, the same on every node) right after each entry is applied, in revision order.
// A watch starts at a revision (FROM, or the node's last one) and is sent, in order, each retained
// change from there that its glob matches (whole-database changes — flushdb, swapdb — always), then
// each later change as it is applied: replay and live come from the one history with one cursor,
// so nothing is missed or sent twice at the hand-over. A watch that has nothing to send for half a
// second gets a progress frame with the revision it is up to date with (etcd's progress notify).
// A snapshot installed past what the history still holds ends every watch with a compacted frame.
// Slow watchers (etcd's unsynced watchers): once a watch's client has too many bytes not yet taken
// (WatchSink.backlogged) the hub stops pushing to it and remembers the next change it wants; when
// the client drains, the watch catches up from the history (the replay path, a bounded slice at a
// time) and rejoins the live stream; if the history was trimmed past it meanwhile, it gets the
// compacted frame and ends. A slow client so holds about the threshold, and misses nothing.
// Frames (RESP3 push, RESP2 array), in docs/WATCH.md:
//   watch <pattern> <revision>      the reply: changes up to <revision> follow (replayed), then live ones
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
  /** The client holds so many bytes not yet taken that its watches should stop being pushed to. */
  backlogged(): boolean;
  /** The client has taken enough that an unsynced watch may catch up (checked on each tick). */
  drained(): boolean;
  /** Calls `listener` once, when the client's socket has taken everything queued. */
  onDrained(listener: () => void): void;
}

/** How often idle watches are looked at, and how long one may stay silent before a progress frame. */
const PROGRESS_TICK_MS = 250;
const PROGRESS_IDLE_MS = 500;
/** Bytes of frames a watch's start reply replays at most; the rest follows as a catch-up. */
const REPLAY_REPLY_BYTES = 64 * 1024;
/** Changes read from the history at a time while catching up. */
const CATCH_UP_SLICE = 256;

export class Watch {
  lastPushMs: number;
  /** False while the watch is behind the hub's cursor (its client was backlogged): it then wants `next` on. */
  synced = true;
  next: StreamId = ZERO_ID;
  /** Set by the hub: catches the watch up when its client drains. */
  resume: () => void = () => undefined;
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

/** The key bytes of a change (its fourth field). */
function keyOf(entry: StreamEntry): Buffer {
  return Buffer.from(entry.pairs[3] as string, 'latin1');
}

/** An estimate of a change frame's encoded bytes (its fields and their headers). */
function frameBytes(entry: StreamEntry): number {
  let bytes = 64;
  for (const text of entry.pairs) bytes += text.length + 16;
  return bytes;
}

/**
 * Visits the history's changes from `from` to `to` in order, a slice at a time, while `visit`
 * returns true; returns the ID of the change where it stopped, or undefined when it reached `to`.
 */
function visitHistory(history: ChangeHistory, from: StreamId, to: StreamId, visit: (entry: StreamEntry) => boolean): StreamId | undefined {
  let start: StreamId | undefined = from;
  while (start !== undefined && compareIds(start, to) <= 0) {
    const slice: StreamEntry[] = [];
    history.stream.range(start, to, false, CATCH_UP_SLICE, (entry) => slice.push(entry));
    if (slice.length === 0) return undefined;
    for (const entry of slice) if (!visit(entry)) return entry.id;
    start = incrId((slice[slice.length - 1] as StreamEntry).id);
  }
  return undefined;
}

export class WatchHub {
  private readonly watches = new Set<Watch>();
  /** The last change every synced watch has been sent (or passed over); undefined while there is no watch. */
  private cursor: StreamId | undefined;
  private timer: TimerHandle | undefined;
  /** Watches just left behind, looked at again once their frames were handed to the socket (recheckSoon). */
  private readonly recheck = new Set<Watch>();
  private recheckTimer: TimerHandle | undefined;

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
   * match, up to REPLAY_REPLY_BYTES of them: the rest follows as a catch-up) and the watch, which
   * gets every later change; or an error reply (COMPACTED).
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
    watch.resume = () => this.catchUp(watch);
    const frames: Reply[] = [push('watch', pattern, integerReply(Number(cursor.ms)))];
    // Replay (and, for PREVVALUE, what the retained history says each key held before).
    let replyBytes = 0;
    const stoppedAt = visitHistory(history, watch.prev === undefined ? fromId : ZERO_ID, cursor, (entry) => {
      const frame = watch.frame(entry, keyOf(entry));
      if (frame === undefined) return true;
      frames.push(frame);
      replyBytes += frameBytes(entry);
      return replyBytes < REPLAY_REPLY_BYTES;
    });
    this.cursor = cursor;
    this.watches.add(watch);
    // The rest of the replay is pushed once the reply is on its way (unsync's recheck, or a drain).
    if (stoppedAt !== undefined) this.unsync(watch, stoppedAt);
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

  /** Sends every synced watch the changes applied since the cursor (call after each applied entry or installed snapshot). */
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
      const keyBytes = keyOf(entry);
      // Watches on one pattern without PREVVALUE get the same frame: matched and built once.
      const shared = new Map<string, Reply | null>();
      for (const watch of this.watches) {
        if (!watch.synced) continue;
        const frame = watch.prev === undefined ? sharedFrame(shared, watch, entry, keyBytes) : watch.frame(entry, keyBytes);
        if (frame === undefined) continue;
        watch.lastPushMs = nowMs;
        watch.sink.push(frame);
        if (watch.sink.backlogged()) this.unsync(watch, entry.id);
      }
    }
    for (const watch of [...this.watches]) {
      if (!watch.synced && history.compactedFrom(watch.next) !== undefined) this.end(watch, history);
      else watch.prev?.sweep(history.lastTrimmed);
    }
  }

  /** The watch's client is backlogged after change `lastSent`: it is left behind until its client drains. */
  private unsync(watch: Watch, lastSent: StreamId): void {
    const next = incrId(lastSent);
    assert(next !== undefined, 'a change below the last ID has a successor');
    watch.synced = false;
    watch.next = next;
    watch.sink.onDrained(watch.resume);
    this.recheckSoon(watch);
  }

  /**
   * When the kernel takes all the frames at once no drain event comes: a watch left behind is
   * looked at again right after the flush, and catches up at once if its client has drained.
   */
  private recheckSoon(watch: Watch): void {
    this.recheck.add(watch);
    this.recheckTimer ??= this.clock.setTimer(0, () => {
      this.recheckTimer = undefined;
      const watches = [...this.recheck];
      this.recheck.clear();
      for (const w of watches) if (!w.synced && w.sink.drained()) this.catchUp(w);
    });
  }

  /**
   * Sends an unsynced watch the changes it missed, from the history, while its client takes them;
   * once it reaches the cursor it is synced again (deliver sends it what comes next). If the
   * history was trimmed past it, it ends with a compacted frame.
   */
  private catchUp(watch: Watch): void {
    const history = this.history();
    if (watch.synced || !this.watches.has(watch) || history === undefined || this.cursor === undefined) return;
    if (history.compactedFrom(watch.next) !== undefined) return this.end(watch, history);
    const nowMs = this.clock.monotonicMs();
    const stoppedAt = visitHistory(history, watch.next, this.cursor, (entry) => {
      const frame = watch.frame(entry, keyOf(entry));
      if (frame === undefined) return true;
      watch.lastPushMs = nowMs;
      watch.sink.push(frame);
      return !watch.sink.backlogged();
    });
    if (stoppedAt === undefined) watch.synced = true;
    else this.unsync(watch, stoppedAt);
  }

  /** The history no longer holds what the watch needs: it ends with the oldest revision still retained. */
  private end(watch: Watch, history: ChangeHistory): void {
    this.stop(watch);
    watch.sink.push(push('compacted', watch.pattern, integerReply(history.oldestRetained)));
  }

  /** A snapshot jumped past what a watch was sent: each ends with the oldest revision still retained. */
  private endAll(history: ChangeHistory): void {
    for (const watch of [...this.watches]) this.end(watch, history);
  }

  /**
   * Progress for synced watches silent for a while: the revision they are up to date with; and a
   * catch-up for unsynced ones whose client has drained without a drain event (its bytes left in
   * one write the kernel took whole).
   */
  private tick(): void {
    this.timer = undefined;
    this.deliver();
    if (this.watches.size === 0 || this.cursor === undefined) return;
    const nowMs = this.clock.monotonicMs();
    const revision = integerReply(Number(this.cursor.ms));
    for (const watch of [...this.watches]) {
      if (!watch.synced) {
        if (watch.sink.drained()) this.catchUp(watch);
        continue;
      }
      if (nowMs - watch.lastPushMs < PROGRESS_IDLE_MS) continue;
      watch.lastPushMs = nowMs;
      watch.sink.push(push('progress', watch.pattern, revision));
      if (watch.sink.backlogged()) this.unsync(watch, this.cursor);
    }
    if (this.watches.size > 0) this.timer = this.clock.setTimer(PROGRESS_TICK_MS, () => this.tick());
  }
}
