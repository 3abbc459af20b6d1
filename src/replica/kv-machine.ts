// The kv store as the replica's state machine: applies committed entries with kv's entry codec and
// snapshots with kv's snapshot format. On the leader, the entry it proposed is applied as it was
// before encoding (its commands as the client sent them), without decoding the bytes again. An entry that does not decode gets an error reply on every
// replica alike (deterministic), rather than stopping the cluster.

import { assert } from '../lib/assert.js';
import { isCairnError } from '../lib/errors.js';
import { errorReply } from '../lib/reply.js';
import type { Reply } from '../lib/reply.js';
import { applyDecoded, commandCountOf, decodeEntry } from '../kv/entry.js';
import type { Entry } from '../kv/entry.js';
import { KvState } from '../kv/state.js';
import type { StateMachine } from './ports.js';

export class KvMachine implements StateMachine<Entry> {
  state = new KvState();

  apply(data: Uint8Array, _index: number, local?: Entry): Reply[] {
    if (local !== undefined) {
      assert(commandCountOf(data) === local.commands.length, 'a local entry holds the commands of its bytes');
      return applyDecoded(this.state, local);
    }
    let entry: Entry;
    try {
      entry = decodeEntry(data);
    } catch (error) {
      if (isCairnError(error, 'CAIRN_CORRUPT')) return [errorReply(`ERR malformed log entry: ${error.message}`)];
      throw error;
    }
    return applyDecoded(this.state, entry);
  }

  snapshot(): Uint8Array {
    return this.state.encodeSnapshot();
  }

  restore(data: Uint8Array): void {
    this.state = KvState.decodeSnapshot(data);
  }
}
