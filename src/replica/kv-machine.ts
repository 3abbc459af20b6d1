// The kv store as the replica's state machine: applies committed entries with kv's entry codec and
// snapshots with kv's snapshot format, encoded and decoded in steps. An entry that does not decode
// gets an error reply on every replica alike (deterministic), rather than stopping the cluster.
// An entry this node encodes for its own proposal (encodeProposal) is applied here from the
// commands it was encoded from, not decoded again from its bytes: they are the same commands, and
// the bytes are what the log and the other replicas get.

import { isCairnError } from '../lib/errors.js';
import { errorReply } from '../lib/reply.js';
import type { Reply } from '../lib/reply.js';
import { applyDecodedInSteps, decodeEntry, encodeEntry } from '../kv/entry.js';
import type { Entry } from '../kv/entry.js';
import type { KeyEvent, PublishedMessage } from '../kv/key-events.js';
import { KvState, type KvStateOptions } from '../kv/state.js';
import { runToEnd } from '../kv/databases-snapshot.js';
import type { PendingApply, StateMachine, Steps } from './ports.js';

export class KvMachine implements StateMachine {
  state: KvState;
  private readonly appliedListeners: (() => void)[] = [];
  private readonly keyEventListeners: ((events: readonly KeyEvent[], index: number, entry: Entry) => void)[] = [];
  private readonly publishListeners: ((messages: readonly PublishedMessage[], events: readonly KeyEvent[], index: number) => void)[] = [];
  /** The entries this node encoded for its proposals, by their bytes, until applied (or their bytes are collected). */
  private readonly proposed = new WeakMap<Uint8Array, Entry>();

  /**
   * Encodes an entry this node proposes and remembers what it was encoded from, so that applying
   * those very bytes here skips decoding them. The entry's arguments must never be written to
   * again (the server's are views of received bytes).
   */
  encodeProposal(entry: Entry): Uint8Array {
    const data = encodeEntry(entry);
    this.proposed.set(data, entry);
    return data;
  }

  /** `options` (the script instruction budget, ...) hold for the first state and every restored one. */
  constructor(private readonly options: KvStateOptions = {}) {
    this.state = new KvState(options);
  }

  /** Calls `listener` after every applied entry and restored snapshot (blocked clients look again). */
  onApplied(listener: () => void): void {
    this.appliedListeners.push(listener);
  }

  /**
   * Calls `listener` with the keyspace events of every applied entry that raised any, and the
   * entry's log index, before onApplied's listeners, with the entry itself (for a proposal of this
   * node, the very Entry it was encoded from). A restored snapshot raises none.
   */
  onKeyEvents(listener: (events: readonly KeyEvent[], index: number, entry: Entry) => void): void {
    this.keyEventListeners.push(listener);
  }

  /**
   * Calls `listener` with the messages PUBLISH/SPUBLISH put in every applied entry that holds any,
   * with that entry's keyspace events (each message knows its place among them) and its log index,
   * before onKeyEvents' listeners. A restored snapshot publishes nothing.
   */
  onPublished(listener: (messages: readonly PublishedMessage[], events: readonly KeyEvent[], index: number) => void): void {
    this.publishListeners.push(listener);
  }

  apply(data: Uint8Array, index: number): Reply[] | PendingApply {
    let entry: Entry | undefined = this.proposed.get(data);
    // Forgotten once applied: the log keeps the bytes until a snapshot, the commands need not stay.
    if (entry !== undefined) this.proposed.delete(data);
    try {
      entry ??= decodeEntry(data);
    } catch (error) {
      if (isCairnError(error, 'CAIRN_CORRUPT')) return [errorReply(`ERR malformed log entry: ${error.message}`)];
      throw error;
    }
    const applied = applyDecodedInSteps(this.state, entry);
    const decoded = entry;
    if (Array.isArray(applied)) {
      this.notifyApplied(index, decoded);
      return applied;
    }
    // A long script: the replica runs the rest in steps, and blocked clients look once it ended.
    const pending: Steps<Reply[]> = {
      step: (budget) => {
        const replies = applied.step(budget);
        if (replies !== null) this.notifyApplied(index, decoded);
        return replies;
      },
    };
    return { pending };
  }

  /** Hands out the entry's published messages and keyspace events (when `index` names an applied entry), then tells onApplied's listeners. */
  private notifyApplied(index?: number, entry?: Entry): void {
    const messages = this.state.takePublished();
    const events = this.state.takeKeyEvents();
    if (index !== undefined && messages.length > 0) for (const listener of this.publishListeners) listener(messages, events, index);
    if (index !== undefined && entry !== undefined && events.length > 0) for (const listener of this.keyEventListeners) listener(events, index, entry);
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
