// Time as the layers above see it. runtime/ reads the system clock and node timers; sim/ advances
// a simulated clock, so a seed reproduces every timeout.

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Wall-clock milliseconds since the Unix epoch (for key expiry). */
  nowMs(): number;
  /** Monotonic milliseconds from an arbitrary origin (for timeouts and latency). */
  monotonicMs(): number;
  /** Calls `callback` once, after `delayMs` milliseconds. */
  setTimer(delayMs: number, callback: () => void): TimerHandle;
}
