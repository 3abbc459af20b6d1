// Small pieces of the Ready loop (replica.ts): how it lets one event-loop turn's proposals share a
// Ready, and how it splits a Ready's committed entries into those already durable and the rest.

import type { Entry } from '../raft/types.js';

/** Microtask turns the Ready loop yields before taking a Ready (see Replica.drain): enough for a caller a few awaits deep. */
const GATHER_MICROTASK_TURNS = 8;

/** Yields GATHER_MICROTASK_TURNS microtask turns: no timer, so deterministic under simulation and free of the clock. */
export async function gatherProposals(): Promise<void> {
  for (let turn = 0; turn < GATHER_MICROTASK_TURNS; turn++) await Promise.resolve();
}

/** How many of `entries` (in index order) have an index below `index`. */
export function countBelow(entries: readonly Entry[], index: number): number {
  let count = 0;
  while (count < entries.length && (entries[count] as Entry).index < index) count++;
  return count;
}
