// The audit of the list-queue workload, a pure function of what clients were told and what the
// list holds after healing. Items are unique, so each may be delivered once at most: an item
// delivered twice, or delivered and still in the list, or in the list twice, is doubled; an item
// delivered or left in the list that no push (acknowledged or of unknown outcome) put there is
// invented; an acknowledged item neither delivered nor left is missing, and each pop of unknown
// outcome may explain one missing item (it may have taken the element and its reply was lost), so
// only the missing items beyond the unknown pops are counted lost.

import { assert } from '../src/lib/assert.js';

export interface Delivery {
  readonly item: string;
  /** Which consumer got it (for the report). */
  readonly consumer: number;
}

export interface QueueRecord {
  /** Pushes the cluster acknowledged. */
  readonly acked: readonly string[];
  /** Pushes whose outcome is unknown (timeout, connection lost, an error after sending). */
  readonly unknownPushes: readonly string[];
  /** Elements pops returned. */
  readonly delivered: readonly Delivery[];
  /** Pops whose outcome is unknown: each may have taken an element nobody saw. */
  readonly unknownPops: number;
  /** The whole list after healing. */
  readonly remaining: readonly string[];
}

export interface QueueAudit {
  readonly acked: number;
  readonly unknownPushes: number;
  readonly delivered: number;
  readonly unknownPops: number;
  readonly remaining: number;
  /** Items seen more than once across deliveries and the final list. */
  readonly doubled: number;
  /** Items delivered or left that were never pushed. */
  readonly invented: number;
  /** Acknowledged items neither delivered nor left. */
  readonly missing: number;
  /** Missing items the unknown pops cannot explain. */
  readonly lost: number;
  /** A few of the offending items, for the report. */
  readonly examples: readonly string[];
}

/** Offending items an audit names. */
const EXAMPLES_MAX = 10;

export function queueAudit(record: QueueRecord): QueueAudit {
  assert(Number.isInteger(record.unknownPops) && record.unknownPops >= 0, 'unknown pops is a count');
  const pushed = new Set([...record.acked, ...record.unknownPushes]);
  assert(pushed.size === record.acked.length + record.unknownPushes.length, 'every push carries a unique item');
  const seen = new Map<string, string[]>();
  const note = (item: string, where: string): void => {
    const places = seen.get(item);
    if (places === undefined) seen.set(item, [where]);
    else places.push(where);
  };
  for (const d of record.delivered) note(d.item, `consumer ${d.consumer}`);
  for (const item of record.remaining) note(item, 'list');
  const examples: string[] = [];
  const example = (text: string): void => {
    if (examples.length < EXAMPLES_MAX) examples.push(text);
  };
  let doubled = 0;
  let invented = 0;
  for (const [item, places] of seen) {
    if (places.length > 1) {
      doubled++;
      example(`doubled ${item}: ${places.join(', ')}`);
    }
    if (!pushed.has(item)) {
      invented++;
      example(`invented ${item}: ${places.join(', ')}`);
    }
  }
  const missingItems = record.acked.filter((item) => !seen.has(item));
  for (const item of missingItems.slice(0, EXAMPLES_MAX)) example(`missing ${item}`);
  return {
    acked: record.acked.length,
    unknownPushes: record.unknownPushes.length,
    delivered: record.delivered.length,
    unknownPops: record.unknownPops,
    remaining: record.remaining.length,
    doubled,
    invented,
    missing: missingItems.length,
    lost: Math.max(0, missingItems.length - record.unknownPops),
    examples,
  };
}
