// A scavenge (V8's young-generation collection) between a snapshot's steps, once the young
// generation holds more than YOUNG_BYTES_MAX. Why: a snapshot decode makes about three objects
// per key and every one of them survives, so each of V8's own scavenges copies a full young
// generation (16 MiB here) of live objects at once: 30-70 ms held loops, some 30 of them per
// million keys (measured at load 10). Collected between steps, a scavenge copies only what the
// last steps made (a few ms). The same work in smaller pieces, not more work: a survivor is still
// copied once and promoted at the next scavenge. Costs nothing when the steps make little garbage
// (the check is one heap-space query). Without --expose-gc (which it sets itself, as idle-gc.ts
// does) it does nothing.

import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Young bytes above which the next turn scavenges first: a few ms of copying even if all survive. */
export const YOUNG_BYTES_MAX = 2 << 20;

type GcFunction = (options: { type: 'minor' }) => void;

function exposedGc(): GcFunction | null {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as GcFunction) : null;
  } catch {
    return null;
  }
}

const gc = exposedGc();

/** The young generation's used bytes (V8's new space). */
function youngBytes(): number {
  for (const space of getHeapSpaceStatistics()) if (space.space_name === 'new_space') return space.space_used_size;
  return 0;
}

/** Scavenges now if the young generation holds more than YOUNG_BYTES_MAX; returns whether it did. */
export function collectYoungIfFull(): boolean {
  if (gc === null || youngBytes() <= YOUNG_BYTES_MAX) return false;
  gc({ type: 'minor' });
  return true;
}
