// Reconnect delays: exponential in the number of failed attempts, capped, with "equal jitter"
// (half the delay fixed, half random) so nodes that lost a peer together do not redial in step,
// yet never redial faster than half the nominal delay.

import { assert } from '../../lib/assert.js';

export interface BackoffPolicy {
  /** The delay before the first redial. */
  reconnectBaseMs: number;
  /** The cap on any delay. */
  reconnectMaxMs: number;
}

/** Delay before dial attempt number `failures + 1`; `random` returns a float in [0, 1). */
export function reconnectDelayMs(failures: number, policy: BackoffPolicy, random: () => number): number {
  assert(Number.isInteger(failures) && failures >= 0, 'failures must be a non-negative integer');
  assert(policy.reconnectBaseMs > 0 && policy.reconnectBaseMs <= policy.reconnectMaxMs, 'backoff bounds out of order');
  // 2^20 times any sensible base is past any sensible cap; the exponent is bounded so it stays finite.
  const nominalMs = Math.min(policy.reconnectMaxMs, policy.reconnectBaseMs * 2 ** Math.min(failures, 20));
  const jitter = random();
  assert(jitter >= 0 && jitter < 1, 'random() must return a float in [0, 1)');
  return Math.round(nominalMs / 2 + (nominalMs / 2) * jitter);
}
