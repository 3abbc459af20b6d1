// How XREADGROUP hands entries to a consumer: new entries move the group's last delivered ID and
// read counter on and enter the pending list (owned by this consumer, delivered now, once), unless
// NOACK; a history read replays the consumer's own pending entries, counting one more delivery
// each, and names an entry deleted since with a null in place of its fields.

import type { Reply } from '../lib/reply.js';
import type { Consumer, ConsumerGroup, Nack } from './stream/group.js';
import { nextDeliveryCount } from './stream/group.js';
import { compareIds, idKey, idReply, incrId, keyId, MAX_ID, ZERO_ID, type StreamId } from './stream/id.js';
import { advanceGroup } from './stream/lag.js';
import type { Stream } from './stream/stream.js';
import { entryReply } from './streams-shared.js';

/** Entries after the group's last delivered ID, up to `count` (0 = all), delivered to `consumer`. */
export function deliverNew(stream: Stream, group: ConsumerGroup, consumer: Consumer, count: number, noAck: boolean, nowMs: number): Reply[] {
  const items: Reply[] = [];
  const start = incrId(group.lastId) ?? ZERO_ID;
  stream.range(start, MAX_ID, false, count, (entry) => {
    if (compareIds(entry.id, group.lastId) > 0) advanceGroup(stream, group, entry.id);
    items.push(entryReply(entry));
    if (noAck) return;
    const key = idKey(entry.id);
    const nack = group.pel.get(key);
    if (nack === undefined) {
      group.addNack(key, { consumer, deliveryTimeMs: nowMs, deliveryCount: 1 });
      return;
    }
    // Delivered before (the group's ID was set back): the entry changes hands and starts over.
    group.moveNack(key, nack, consumer);
    nack.deliveryTimeMs = nowMs;
    nack.deliveryCount = 1;
  });
  return items;
}

/** The consumer's pending entries from `start`, up to `count` (0 = all), each delivered once more. */
export function deliverHistory(stream: Stream, group: ConsumerGroup, consumer: Consumer, start: StreamId, count: number, nowMs: number): Reply[] {
  const items: Reply[] = [];
  for (let i = consumer.pel.lowerBound(idKey(start)); i < consumer.pel.size; i++) {
    if (count !== 0 && items.length >= count) break;
    const key = consumer.pel.at(i);
    const id = keyId(key);
    const entry = stream.get(id);
    if (entry === undefined) {
      items.push({ type: 'array', items: [idReply(id), { type: 'nullArray' }] });
      continue;
    }
    items.push(entryReply(entry));
    const nack = group.pel.get(key) as Nack;
    nack.deliveryTimeMs = nowMs;
    nack.deliveryCount = nextDeliveryCount(nack.deliveryCount);
  }
  return items;
}
