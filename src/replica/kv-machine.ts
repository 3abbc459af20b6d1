// The kv store as the replica's state machine: applies committed entries with kv's entry codec and
// snapshots with kv's snapshot format. An entry that does not decode gets an error reply on every
// replica alike (deterministic), rather than stopping the cluster.

import { isCairnError } from '../lib/errors.js';
import { errorReply } from '../lib/reply.js';
import type { Reply } from '../lib/reply.js';
import { applyDecoded, decodeEntry } from '../kv/entry.js';
import type { Entry } from '../kv/entry.js';
import { KvState } from '../kv/state.js';
import type { StateMachine } from './ports.js';

export class KvMachine implements StateMachine {
  state = new KvState();
  private readonly appliedListeners: (() => void)[] = [];

  /** Calls `listener` after every applied entry and restored snapshot (blocked clients look again). */
  onApplied(listener: () => void): void {
    this.appliedListeners.push(listener);
  }

  apply(data: Uint8Array, _index: number): Reply[] {
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

  snapshot(): Uint8Array {
    return this.state.encodeSnapshot();
  }

  restore(data: Uint8Array): void {
    this.state = KvState.decodeSnapshot(data);
    this.notifyApplied();
  }
}
