// The watch workload's writers: the register workload's Worker (same connection handling, same
// ok/fail/unknown recording) with an op mix for the change feed: SET of a value unique to the
// writer and its sequence number, DEL, and INCRBY 1, on a small keyspace, with no reads.

import { Worker } from './workload.js';

export const FEED_REGISTERS = ['k0', 'k1', 'k2', 'k3'] as const;
export const FEED_COUNTERS = ['n0', 'n1'] as const;
export const FEED_KEYS: readonly string[] = [...FEED_REGISTERS, ...FEED_COUNTERS];
/** Every INCRBY of the workload adds this (the feed's incrby events carry no delta). */
export const FEED_INCREMENT_STEP = 1;

export class FeedWriter extends Worker {
  private writes = 0;

  protected override async step(): Promise<void> {
    const roll = this.prng.next();
    if (roll < 0.35) {
      await this.perform(this.prng.pick(FEED_COUNTERS), { kind: 'incr', delta: FEED_INCREMENT_STEP });
      return;
    }
    const key = this.prng.pick(FEED_REGISTERS);
    if (roll < 0.45) await this.perform(key, { kind: 'delete' });
    else await this.perform(key, { kind: 'write', value: `f${this.index}-${++this.writes}` });
  }
}
