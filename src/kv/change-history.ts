// The change feed's history: every applied log entry that changed something gets the next revision
// (consecutive: a reader that sees a jump of more than one has missed a revision), and each of its
// changes an ID `<revision>-<i>` (i numbers them in the order the commands raised them). Changes are
// kept as the entries of a real Stream (stream/stream.ts) that lives outside every database, so the
// stream commands read it exactly as they read any stream (changes-stream.ts routes them here).
// Retention (changes, bytes, age by the entries' replicated time) trims whole revisions from the
// head, never the newest one; the last trimmed ID is remembered, so a reader asking for anything
// at or before it gets COMPACTED instead of a silent gap. Everything here is replicated state:
// the same entries give the same history on every node, and the snapshot keeps it
// (change-history-snapshot.ts).

import { assert } from '../lib/assert.js';
import { errorReply, type Reply } from '../lib/reply.js';
import { Db } from './db.js';
import type { KeyEvent } from './key-events.js';
import { NO_EXPIRY } from './record.js';
import { compareIds, ZERO_ID, type StreamId } from './stream/id.js';
import { Stream } from './stream/stream.js';

/** The read-only stream's name; no database holds a key of that name. */
export const CHANGES_KEY = '__cairn:changes';

export interface Retention {
  /** Changes kept at most (whole revisions are dropped; the newest revision always stays). */
  readonly maxChanges: number;
  /** Estimated bytes kept at most (changeBytes summed). */
  readonly maxBytes: number;
  /** A revision older than this, by the entries' nowMs, is dropped when the next one is recorded. */
  readonly maxAgeMs: number;
}

export const DEFAULT_RETENTION: Retention = Object.freeze({ maxChanges: 100_000, maxBytes: 64 * 1024 * 1024, maxAgeMs: 60 * 60 * 1000 });

/** What one change costs beyond its op, key and value bytes (the estimate retention compares). */
const CHANGE_OVERHEAD_BYTES = 48;

/** One change as the history holds it: the stream entry's field-value pairs. */
export interface Change {
  readonly db: number;
  readonly op: string;
  readonly key: string;
  readonly value: string | undefined;
}

/** The event classes that are no change of their own: a key miss, and `new` (the change that made the key follows). */
function isChange(event: KeyEvent): boolean {
  return event.cls !== 'm' && event.cls !== 'n';
}

/** The stream entry's fields: op, key, value when there is one, db when not 0. */
export function changePairs(change: Change): string[] {
  return pairsOf(change.db, change.op, change.key, change.value);
}

/** A change's stream fields, as one array literal of its final length. */
function pairsOf(db: number, op: string, key: string, value: string | undefined): string[] {
  if (db === 0) return value === undefined ? ['op', op, 'key', key] : ['op', op, 'key', key, 'value', value];
  return value === undefined ? ['op', op, 'key', key, 'db', String(db)] : ['op', op, 'key', key, 'value', value, 'db', String(db)];
}

function changeBytes(op: string, key: string, value: string | undefined): number {
  return op.length + key.length + (value?.length ?? 0) + CHANGE_OVERHEAD_BYTES;
}

/** One retained revision: when it was applied, how many changes it holds and what they cost. */
export interface RevisionMeta {
  readonly revision: number;
  readonly nowMs: number;
  readonly changes: number;
  readonly bytes: number;
}

export class ChangeHistory {
  /** The last revision given (0: nothing changed yet). */
  revision = 0;
  retention: Retention = DEFAULT_RETENTION;
  /** The changes, as the stream XREAD and XRANGE read; its last ID stays the last change's after trimming. */
  readonly stream = new Stream();
  /** A database holding only the stream under CHANGES_KEY: the stream commands run against it. */
  readonly db = new Db();
  /** The retained revisions, oldest first from `head` (dropped ones are cut off in batches). */
  private metas: RevisionMeta[] = [];
  private head = 0;
  /** Changes and estimated bytes retained. */
  changes = 0;
  bytes = 0;
  /** The ID of the last change trimmed away; ZERO_ID when none was. Invariant: below every retained ID. */
  lastTrimmed: StreamId = ZERO_ID;

  constructor() {
    this.db.set(CHANGES_KEY, '', NO_EXPIRY, this.stream);
  }

  /** The retained revisions, oldest first. */
  retained(): readonly RevisionMeta[] {
    return this.metas.slice(this.head);
  }

  /** The oldest revision a reader can still get (revision + 1 when none is retained). */
  get oldestRetained(): number {
    return this.head < this.metas.length ? (this.metas[this.head] as RevisionMeta).revision : Number(this.lastTrimmed.ms) + 1;
  }

  /** Records one applied entry's events as the next revision (none when none is a change); then trims. */
  record(events: readonly KeyEvent[], nowMs: number): void {
    // Straight from the events into the stream (no Change objects in between): this runs for every applied write.
    const revision = this.revision + 1;
    const ms = BigInt(revision);
    let count = 0;
    let bytes = 0;
    for (const event of events) {
      if (!isChange(event)) continue;
      this.stream.append({ ms, seq: BigInt(count) }, pairsOf(event.db, event.event, event.key, event.value));
      bytes += changeBytes(event.event, event.key, event.value);
      count++;
    }
    if (count === 0) return;
    this.closeRevision(revision, nowMs, count, bytes);
    this.trim(nowMs);
  }

  /** Appends a revision's changes (a snapshot being decoded). */
  append(revision: number, nowMs: number, changes: readonly Change[]): void {
    assert(revision > this.revision, 'revisions grow');
    assert(changes.length > 0, 'a revision holds a change');
    let bytes = 0;
    const ms = BigInt(revision);
    for (const [i, change] of changes.entries()) {
      this.stream.append({ ms, seq: BigInt(i) }, changePairs(change));
      bytes += changeBytes(change.op, change.key, change.value);
    }
    this.closeRevision(revision, nowMs, changes.length, bytes);
  }

  /** Counts a revision whose changes were appended to the stream. */
  private closeRevision(revision: number, nowMs: number, changes: number, bytes: number): void {
    assert(revision > this.revision, 'revisions grow');
    assert(changes > 0, 'a revision holds a change');
    this.revision = revision;
    this.metas.push({ revision, nowMs, changes, bytes });
    this.changes += changes;
    this.bytes += bytes;
  }

  /** New retention settings; applied at once (as of `nowMs`, the entry's time). */
  setRetention(retention: Retention, nowMs: number): void {
    assert(retention.maxChanges >= 1 && retention.maxBytes >= 1 && retention.maxAgeMs >= 1, 'retention keeps something');
    this.retention = retention;
    this.trim(nowMs);
  }

  /**
   * Once a bound is exceeded, drops the oldest revisions until every bound is met with a sixteenth
   * to spare (trimming a stream's head entry by entry is slow, in batches cheap), keeping the newest.
   */
  private trim(nowMs: number): void {
    const { maxChanges, maxBytes, maxAgeMs } = this.retention;
    if (this.head === this.metas.length) return;
    if (this.changes <= maxChanges && this.bytes <= maxBytes && (this.metas[this.head] as RevisionMeta).nowMs + maxAgeMs >= nowMs) return;
    const changesTarget = maxChanges - Math.floor(maxChanges / 16);
    const bytesTarget = maxBytes - Math.floor(maxBytes / 16);
    const ageTargetMs = maxAgeMs - Math.floor(maxAgeMs / 16);
    let dropped = 0;
    while (this.metas.length - this.head > 1) {
      const oldest = this.metas[this.head] as RevisionMeta;
      if (this.changes <= changesTarget && this.bytes <= bytesTarget && oldest.nowMs + ageTargetMs >= nowMs) break;
      this.head++;
      dropped++;
      this.changes -= oldest.changes;
      this.bytes -= oldest.bytes;
      this.lastTrimmed = { ms: BigInt(oldest.revision), seq: BigInt(oldest.changes - 1) };
    }
    if (dropped === 0) return;
    this.stream.trim({ minId: { ms: this.lastTrimmed.ms + 1n, seq: 0n }, approx: false, limit: 0 });
    assert(this.stream.length === this.changes, 'the stream holds the retained changes');
    if (this.head > 1024 && this.head * 2 > this.metas.length) {
      this.metas = this.metas.slice(this.head);
      this.head = 0;
    }
  }

  /** Restores, after a snapshot's revisions were appended, what was trimmed before them and how many changes were ever added. */
  restoreTrimmed(lastTrimmed: StreamId, changesEver: bigint): void {
    assert(this.changes > 0 || (lastTrimmed.ms === 0n && this.revision === 0), 'the newest revision is always retained');
    assert(compareIds(lastTrimmed, { ms: BigInt(this.oldestRetained), seq: 0n }) < 0, 'trimmed IDs lie below retained ones');
    assert(changesEver >= BigInt(this.changes), 'retained changes were added');
    this.lastTrimmed = lastTrimmed;
    this.stream.entriesAdded = changesEver;
  }

  /** COMPACTED when a reader wanting every change after `after` would miss a trimmed one; else undefined. */
  compactedAfter(after: StreamId): Reply | undefined {
    return compareIds(after, this.lastTrimmed) < 0 ? this.compacted(after) : undefined;
  }

  /** As compactedAfter, for a reader wanting every change from `from` on (inclusive). */
  compactedFrom(from: StreamId): Reply | undefined {
    return compareIds(from, this.lastTrimmed) <= 0 && compareIds(this.lastTrimmed, ZERO_ID) > 0 ? this.compacted(from) : undefined;
  }

  private compacted(asked: StreamId): Reply {
    return errorReply(
      `COMPACTED ${asked.ms}-${asked.seq} is compacted: changes up to ${this.lastTrimmed.ms}-${this.lastTrimmed.seq} were trimmed, the oldest retained revision is ${this.oldestRetained}`,
    );
  }
}
