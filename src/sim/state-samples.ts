// Identical state at equal applied index: the fingerprint of the first state seen at each applied
// index (a sampled node's, or a snapshot's), which every later state at that index must match.
// Sampling a node that has not applied or restored anything since its last sample re-encodes
// nothing (a state changes only by applying an entry or restoring a snapshot).

import { fingerprint } from './hash.js';

/** One running node's state: `machine` is its state machine object, `encoded` its snapshot bytes. */
export interface SampledState {
  readonly id: string;
  readonly appliedIndex: number;
  readonly machine: object;
  readonly encoded: () => Uint8Array;
}

export class StateSamples {
  private readonly stateAt = new Map<number, string>(); // applied index -> state fingerprint
  private readonly lastSampled = new Map<string, { machine: object; appliedIndex: number }>(); // per node

  constructor(private readonly fail: (message: string) => void) {}

  /**
   * Compares each node's state with the first seen at its applied index. Unless `full`, a node still
   * at the applied index it was last sampled at (same state machine, nothing restored or loaded
   * since: see `forget`) is not encoded again: a state that changed anyway (a bug) differs from the
   * other nodes' at its next applied index, and the final sweep is `full`.
   */
  compare(states: readonly SampledState[], full: boolean): void {
    for (const { id, appliedIndex, machine, encoded } of states) {
      const last = this.lastSampled.get(id);
      if (!full && last !== undefined && last.machine === machine && last.appliedIndex === appliedIndex) continue;
      this.lastSampled.set(id, { machine, appliedIndex });
      this.record(id, appliedIndex, fingerprint(0, encoded()));
    }
  }

  /** The node's state was replaced (restored, loaded at a restart, wiped): its next sample encodes. */
  forget(id: string): void {
    this.lastSampled.delete(id);
  }

  /** `id`'s state (or a snapshot it holds) at `appliedIndex` has fingerprint `fp`. */
  record(id: string, appliedIndex: number, fp: string): void {
    const known = this.stateAt.get(appliedIndex);
    if (known === undefined) this.stateAt.set(appliedIndex, fp);
    else if (known !== fp) this.fail(`State Machine Safety: ${id}'s state at applied index ${appliedIndex} differs from another replica's`);
  }
}
