// The state machine a simulated cluster replicates, seen from the simulated clients: how a client
// operation becomes a log entry and how a read looks a key up. The kv store is the real model
// (kv-model.ts); tests plug in deliberately broken ones to prove the checkers bite.

import type { StateMachine } from '../replica/ports.js';
import type { Value } from '../check/history.js';

/** A client operation that goes through the log. */
export type WriteOp =
  | { readonly kind: 'write'; readonly key: string; readonly value: string }
  | { readonly kind: 'delete'; readonly key: string }
  | { readonly kind: 'incr'; readonly key: string; readonly delta: number };

export interface SimModel<S extends StateMachine> {
  readonly name: string;
  createStateMachine(): S;
  /** The entry data for one write; `nowMs` is the proposing node's wall clock (for expiry). */
  encode(op: WriteOp, nowMs: number): Uint8Array;
  /** A short readable form of an entry's data, for traces. */
  describe(data: Uint8Array): string;
  /** The value of `key` in `state`, or null when absent. */
  read(state: S, key: string, nowMs: number): Value;
}
