// A state machine snapshot made in steps, so a replica with a million keys never stalls its event
// loop for the whole encoding (or decoding): each step does about SNAPSHOT_STEP_BUDGET keys' worth
// of work (a millisecond or two), then the replica yields (ReplicaIo.yieldTurn) and other work runs.
//
// While a snapshot of the replica's own state is being encoded, the state must not change: the
// replica keeps handling Readies (persisting, sending, confirming reads, so reads and heartbeats go
// on) but committed entries wait here, in order, and are applied the moment the last step is done.
// Deferring the applies, rather than copying the state or pausing the whole loop, keeps the
// encoded state exactly the one at `index` at no memory cost, and a read waiting on a deferred
// entry simply waits a little longer, as behind any slow apply.

import { assert } from '../lib/assert.js';
import { deferred, type Deferred } from '../lib/deferred.js';
import { asError } from '../lib/errors.js';
import type { Entry } from '../raft/types.js';
import { HeldEntries } from './held-entries.js';
import type { Steps } from './ports.js';

/** Keys per step: about a millisecond of encoding or decoding 100-byte strings. */
export const SNAPSHOT_STEP_BUDGET = 2000;

/** How a replica runs steps: how much work each does, and what it yields between them. */
export interface StepPace {
  readonly budget: number;
  readonly yieldTurn: () => Promise<void>;
}

/** Runs `steps` to the end, yielding between steps; null if `stopped()` became true first. */
export async function runSteps<T>(steps: Steps<T>, pace: StepPace, stopped: () => boolean): Promise<T | null> {
  assert(pace.budget > 0, 'a step needs a positive budget');
  for (;;) {
    const done = steps.step(pace.budget);
    if (done !== null) return done;
    await pace.yieldTurn();
    if (stopped()) return null;
  }
}

/** One microtask turn: the default yield, deterministic but leaving other I/O waiting. */
export function microtaskTurn(): Promise<void> {
  return Promise.resolve();
}

/** compactNow() callers waiting for the next compaction (they share it); settles with its snapshot index. */
export type CompactRequest = Deferred<number>;

export class SnapshotEncoding {
  /** The snapshot bytes once the last step is done; null while encoding (or if stopped). */
  data: Uint8Array | null = null;
  /** Committed entries held back while the state is being encoded. */
  private readonly held = new HeldEntries();
  private readonly finished: Deferred<void> = deferred<void>();
  private encodingDone = false;

  constructor(
    /** The applied index the snapshot covers. */
    readonly index: number,
    /** compactNow() callers this compaction answers. */
    readonly request: CompactRequest | null,
  ) {}

  /** Settles once the encoding stopped (done, failed or given up). */
  get done(): Promise<void> {
    return this.finished.promise;
  }

  /** Whether the state is still frozen: entries must be held, not applied. */
  get encoding(): boolean {
    return !this.encodingDone;
  }

  hold(entry: Entry): void {
    assert(!this.encodingDone, 'entries are held only while encoding');
    this.held.hold(entry);
  }

  /**
   * Runs the steps beside the caller's loop; when they end, `applyHeld` gets the entries held
   * meanwhile (to apply at once, in order). A failing step finishes with no data, then `failed`.
   * Does nothing more if finish() came first (the replica stopped).
   */
  run(steps: Steps<Uint8Array>, pace: StepPace, stopped: () => boolean, applyHeld: (entries: readonly Entry[]) => void, failed: (error: Error) => void): void {
    const end = (data: Uint8Array | null): void => {
      if (this.encoding) applyHeld(this.finish(data));
    };
    runSteps(steps, pace, stopped).then(end, (error: unknown) => {
      end(null);
      failed(asError(error));
    });
  }

  /** The encoding is over (data set, or null when it stopped): hands back the held entries to apply now. */
  finish(data: Uint8Array | null): Entry[] {
    assert(!this.encodingDone, 'an encoding finishes once');
    this.encodingDone = true;
    this.data = data;
    this.finished.resolve();
    return this.held.release();
  }
}
