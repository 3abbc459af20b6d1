// The kv store as the replica's state machine: applies committed entries with kv's entry codec and
// snapshots with kv's snapshot format, encoded and decoded in steps. An entry that does not decode
// gets an error reply on every replica alike (deterministic), rather than stopping the cluster.

import { isCairnError } from '../lib/errors.js';
import { errorReply } from '../lib/reply.js';
import type { Reply } from '../lib/reply.js';
import { applyDecoded, decodeEntry } from '../kv/entry.js';
import type { Entry } from '../kv/entry.js';
import { KvState, type KvStateOptions } from '../kv/state.js';
import { runToEnd } from '../kv/databases-snapshot.js';
import type { PendingApply, StateMachine, Steps } from './ports.js';

export class KvMachine implements StateMachine {
  state: KvState;
  private readonly appliedListeners: (() => void)[] = [];

  /** `options` (the script instruction budget, ...) hold for the first state and every restored one. */
  constructor(private readonly options: KvStateOptions = {}) {
    this.state = new KvState(options);
  }

  /** Calls `listener` after every applied entry and restored snapshot (blocked clients look again). */
  onApplied(listener: () => void): void {
    this.appliedListeners.push(listener);
  }

  apply(data: Uint8Array, _index: number): Reply[] | PendingApply {
    let entry: Entry;
    try {
      entry = decodeEntry(data);
    } catch (error) {
      if (isCairnError(error, 'CAIRN_CORRUPT')) return [errorReply(`ERR malformed log entry: ${error.message}`)];
      throw error;
    }
    const replies = applyDecoded(this.state, entry);
    this.notifyApplied();
    return replies;
  }

  private notifyApplied(): void {
    for (const listener of this.appliedListeners) listener();
  }

  /** The whole snapshot at once (tests, the simulator's state comparisons). */
  snapshot(): Uint8Array {
    return runToEnd(this.snapshotSteps());
  }

  snapshotSteps(): Steps<Uint8Array> {
    return this.state.snapshotEncoder();
  }

  restore(data: Uint8Array): void {
    runToEnd(this.restoreSteps(data));
  }

  restoreSteps(data: Uint8Array): Steps<true> {
    const decoder = KvState.snapshotDecoder(data, this.options);
    return {
      step: (budget: number): true | null => {
        const state = decoder.step(budget);
        if (state === null) return null;
        this.install(state);
        return true;
      },
    };
  }

  /** Swaps in a restored state. */
  protected install(state: KvState): void {
    this.state = state;
    this.notifyApplied();
  }
}
