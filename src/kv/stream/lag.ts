// A consumer group's read counter and lag (Redis 7.0's entries-read and lag): how many entries the
// group has read of all ever added, kept exact while no deleted entry lies ahead of the group and
// estimated from the stream's counters otherwise, or unknown when it cannot be told.

import { ENTRIES_READ_UNKNOWN, type ConsumerGroup } from './group.js';
import { compareIds, isZeroId, MAX_ID, type StreamId } from './id.js';
import type { Stream } from './stream.js';

/** streamRangeHasTombstones: whether a deleted entry may lie in [start, end]. */
export function rangeHasTombstones(stream: Stream, start: StreamId, end: StreamId = MAX_ID): boolean {
  if (stream.length === 0 || isZeroId(stream.maxDeletedId)) return false;
  if (compareIds(stream.firstId, stream.maxDeletedId) > 0) return false;
  return compareIds(start, stream.maxDeletedId) <= 0 && compareIds(stream.maxDeletedId, end) <= 0;
}

/** streamEstimateDistanceFromFirstEverEntry: entries added up to `id`, or ENTRIES_READ_UNKNOWN. */
export function entriesUpTo(stream: Stream, id: StreamId): bigint {
  if (stream.entriesAdded === 0n) return 0n;
  if (stream.length === 0 && compareIds(id, stream.lastId) <= 0) return stream.entriesAdded;
  const toLast = compareIds(id, stream.lastId);
  if (toLast === 0) return stream.entriesAdded;
  if (toLast > 0) return ENTRIES_READ_UNKNOWN;
  const noFragmentation = isZeroId(stream.maxDeletedId) || compareIds(stream.maxDeletedId, stream.firstId) < 0;
  if (noFragmentation) {
    const toFirst = compareIds(id, stream.firstId);
    if (toFirst < 0) return stream.entriesAdded - BigInt(stream.length);
    if (toFirst === 0) return stream.entriesAdded - BigInt(stream.length) + 1n;
  }
  return ENTRIES_READ_UNKNOWN;
}

/** XINFO's lag: entries not yet delivered to the group, or undefined when unknown. */
export function groupLag(stream: Stream, group: ConsumerGroup): bigint | undefined {
  if (stream.entriesAdded === 0n) return 0n;
  if (group.entriesRead !== ENTRIES_READ_UNKNOWN && !rangeHasTombstones(stream, group.lastId)) {
    return stream.entriesAdded - group.entriesRead;
  }
  const read = entriesUpTo(stream, group.lastId);
  return read === ENTRIES_READ_UNKNOWN ? undefined : stream.entriesAdded - read;
}

/** The group's counters after it is served `id`, above its last delivered ID (streamReplyWithRange). */
export function advanceGroup(stream: Stream, group: ConsumerGroup, id: StreamId): void {
  if (group.entriesRead !== ENTRIES_READ_UNKNOWN && !rangeHasTombstones(stream, id)) group.entriesRead++;
  else if (stream.entriesAdded !== 0n) group.entriesRead = entriesUpTo(stream, id);
  group.lastId = id;
}
