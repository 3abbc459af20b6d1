// XPENDING: a group's pending entries, as a summary (count, smallest and largest ID, entries per
// consumer) or listed (ID, owner, ms since last delivery, deliveries) between two IDs, optionally
// only those idle for IDLE ms and only one consumer's.

import { integerReply, NULL, type Reply } from '../lib/reply.js';
import { ERR_NOT_INTEGER, ERR_SYNTAX, parseInt64 } from './args.js';
import { isOption, keyOf } from './bytes.js';
import type { ExecContext } from './command-types.js';
import { WRONGTYPE } from './collection.js';
import type { ConsumerGroup, Nack, SortedKeys } from './stream/group.js';
import { idKey, idReply, keyId, type StreamId } from './stream/id.js';
import { parseRangeEnd, parseRangeStart } from './streams-range.js';
import { bulkOf, findStream, noGroupError } from './streams-shared.js';

interface PendingRange {
  readonly minIdleMs: bigint;
  readonly start: StreamId;
  readonly end: StreamId;
  readonly count: number;
  readonly consumer: Uint8Array | undefined;
}

/** The extended form's arguments: [IDLE ms] start end count [consumer]. */
function parseRange(argv: readonly Uint8Array[]): PendingRange | Reply {
  let at = 3;
  let minIdleMs = 0n;
  if (isOption(argv[3] as Uint8Array, 'idle')) {
    const idle = parseInt64(argv[4] as Uint8Array);
    if (idle === undefined) return ERR_NOT_INTEGER;
    if (argv.length < 8) return ERR_SYNTAX;
    minIdleMs = idle;
    at += 2;
  }
  const count = parseInt64(argv[at + 2] as Uint8Array);
  if (count === undefined) return ERR_NOT_INTEGER;
  const start = parseRangeStart(argv[at] as Uint8Array);
  if ('type' in start) return start;
  const end = parseRangeEnd(argv[at + 1] as Uint8Array);
  if ('type' in end) return end;
  return { minIdleMs, start, end, count: count < 0n ? 0 : Number(count), consumer: argv[at + 3] };
}

function summary(group: ConsumerGroup): Reply {
  const pending = group.pelOrder;
  if (pending.size === 0) return { type: 'array', items: [integerReply(0), NULL, NULL, { type: 'nullArray' }] };
  const owners: Reply[] = [];
  for (const consumer of group.sortedConsumers()) {
    if (consumer.pel.size === 0) continue;
    owners.push({ type: 'array', items: [bulkOf(consumer.name), bulkOf(String(consumer.pel.size))] });
  }
  return {
    type: 'array',
    items: [integerReply(pending.size), idReply(keyId(pending.at(0))), idReply(keyId(pending.at(pending.size - 1))), { type: 'array', items: owners }],
  };
}

function listed(group: ConsumerGroup, range: PendingRange, nowMs: number): Reply {
  let keys: SortedKeys = group.pelOrder;
  if (range.consumer !== undefined) {
    const consumer = group.consumer(keyOf(range.consumer));
    if (consumer === undefined) return { type: 'array', items: [] };
    keys = consumer.pel;
  }
  const items: Reply[] = [];
  const endKey = idKey(range.end);
  let left = range.count;
  for (let i = keys.lowerBound(idKey(range.start)); left > 0 && i < keys.size; i++) {
    const key = keys.at(i);
    if (key > endKey) break;
    const nack = group.pel.get(key) as Nack;
    const idleMs = nowMs - nack.deliveryTimeMs;
    if (range.minIdleMs !== 0n && BigInt(idleMs) < range.minIdleMs) continue;
    left--;
    items.push({
      type: 'array',
      items: [idReply(keyId(key)), bulkOf(nack.consumer.name), integerReply(Math.max(0, idleMs)), integerReply(nack.deliveryCount)],
    });
  }
  return { type: 'array', items };
}

function xpending(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const justSummary = argv.length === 3;
  if (!justSummary && (argv.length < 6 || argv.length > 9)) return ERR_SYNTAX;
  const range = justSummary ? undefined : parseRange(argv);
  if (range !== undefined && 'type' in range) return range;
  const found = findStream(ctx, argv[1] as Uint8Array, false);
  if (found === null) return WRONGTYPE;
  const group = found?.stream.group(keyOf(argv[2] as Uint8Array));
  if (group === undefined) return noGroupError(argv[1] as Uint8Array, argv[2] as Uint8Array);
  return range === undefined ? summary(group) : listed(group, range, ctx.nowMs);
}

export const PENDING_HANDLERS = { xpending };
