// Consumer groups: each group's last delivered ID and read counter, its pending entries list (PEL:
// one NACK per delivered, unacknowledged entry, with its owner, last delivery time and delivery
// count) and its consumers, each with its own PEL holding the same NACKs. Entries are keyed by
// idKey (id.ts), whose string order is ID order; names are latin1 strings, listed in byte order as
// Redis's radix trees list them.

import { assert } from '../../lib/assert.js';
import type { StreamId } from './id.js';

/** IDs in ascending order, as a sorted array (binary search; inserts are mostly at the end). */
export class SortedKeys {
  private readonly keys: string[] = [];

  get size(): number {
    return this.keys.length;
  }

  at(i: number): string {
    return this.keys[i] as string;
  }

  /** The index of the first key >= `key`. */
  lowerBound(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.keys[mid] as string) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Adds a key; false if it was there. */
  insert(key: string): boolean {
    const n = this.keys.length;
    if (n === 0 || (this.keys[n - 1] as string) < key) {
      this.keys.push(key);
      return true;
    }
    const i = this.lowerBound(key);
    if (this.keys[i] === key) return false;
    this.keys.splice(i, 0, key);
    return true;
  }

  /** Removes a key; false if it was not there. */
  remove(key: string): boolean {
    const i = this.lowerBound(key);
    if (this.keys[i] !== key) return false;
    this.keys.splice(i, 1);
    return true;
  }

  values(): readonly string[] {
    return this.keys;
  }
}

/** A delivery count: a number while exact, a bigint past 2^53 (RETRYCOUNT takes any 64-bit value). */
export type DeliveryCount = number | bigint;

export function nextDeliveryCount(count: DeliveryCount): DeliveryCount {
  if (typeof count === 'number' && count < Number.MAX_SAFE_INTEGER) return count + 1;
  return BigInt.asIntN(64, BigInt(count) + 1n);
}

/** A delivered entry not yet acknowledged. */
export interface Nack {
  consumer: Consumer;
  deliveryTimeMs: number;
  deliveryCount: DeliveryCount;
}

export class Consumer {
  readonly pel = new SortedKeys();

  constructor(readonly name: string, public seenTimeMs: number) {}
}

/** Redis's SCG_INVALID_ENTRIES_READ: the group's read counter is unknown. */
export const ENTRIES_READ_UNKNOWN = -1n;

export class ConsumerGroup {
  readonly pel = new Map<string, Nack>();
  readonly pelOrder = new SortedKeys();
  readonly consumers = new Map<string, Consumer>();

  constructor(
    public lastId: StreamId,
    /** Entries the group has read (a logical counter), or ENTRIES_READ_UNKNOWN. */
    public entriesRead: bigint,
  ) {}

  consumer(name: string): Consumer | undefined {
    return this.consumers.get(name);
  }

  /** Creates a consumer; undefined if one of that name exists. */
  createConsumer(name: string, nowMs: number): Consumer | undefined {
    if (this.consumers.has(name)) return undefined;
    const consumer = new Consumer(name, nowMs);
    this.consumers.set(name, consumer);
    return consumer;
  }

  /** Deletes a consumer and its pending entries; returns how many it had. */
  deleteConsumer(consumer: Consumer): number {
    const pending = consumer.pel.size;
    for (const key of consumer.pel.values()) {
      this.pel.delete(key);
      this.pelOrder.remove(key);
    }
    this.consumers.delete(consumer.name);
    return pending;
  }

  /** Adds a NACK owned by `consumer` for an entry not in the PEL. */
  addNack(key: string, nack: Nack): void {
    assert(!this.pel.has(key), 'NACK already pending');
    this.pel.set(key, nack);
    this.pelOrder.insert(key);
    nack.consumer.pel.insert(key);
  }

  /** Removes a pending entry from the group and its owner; false if it was not pending. */
  ack(key: string): boolean {
    const nack = this.pel.get(key);
    if (nack === undefined) return false;
    this.pel.delete(key);
    this.pelOrder.remove(key);
    nack.consumer.pel.remove(key);
    return true;
  }

  /** Gives a pending entry to another consumer. */
  moveNack(key: string, nack: Nack, to: Consumer): void {
    if (nack.consumer === to) return;
    nack.consumer.pel.remove(key);
    nack.consumer = to;
    to.pel.insert(key);
  }

  /** A copy sharing nothing mutable. */
  clone(): ConsumerGroup {
    const copy = new ConsumerGroup(this.lastId, this.entriesRead);
    for (const consumer of this.consumers.values()) copy.createConsumer(consumer.name, consumer.seenTimeMs);
    for (const key of this.pelOrder.values()) {
      const nack = this.pel.get(key) as Nack;
      const owner = copy.consumers.get(nack.consumer.name) as Consumer;
      copy.addNack(key, { consumer: owner, deliveryTimeMs: nack.deliveryTimeMs, deliveryCount: nack.deliveryCount });
    }
    return copy;
  }

  /** Consumers in name (byte) order. */
  sortedConsumers(): Consumer[] {
    return [...this.consumers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
