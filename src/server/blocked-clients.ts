// Clients blocked on keys (BLPOP, BZPOPMIN, XREAD BLOCK ...), one registry per server. A waiter
// holds the versions its keys had before its last attempt; whenever the backend applies something
// the registry compares them with the applied state's and wakes, in the order the clients blocked
// (Redis serves the longest-waiting client first), each waiter whose key changed. The session then
// tries the command again through the log; a try that finds nothing re-registers in its old place.
// Versions are taken before a try, so a change landing between the try and its re-registration is
// seen as a change (a spurious retry at worst), never missed. A client that leaves while a try of
// its is in flight (not waiting) is remembered, so its next wait ends at once: a client that went
// away is never served, nor is an element popped for it.

import { assert } from '../lib/assert.js';
import type { Clock, TimerHandle } from '../io/clock.js';
import type { Backend } from './backend.js';

export type WakeReason = 'changed' | 'timeout' | 'cancelled';

/** What a client blocks on: keys of one database, with the versions they had before its last try. */
export interface BlockedOn {
  /** Identifies the client, for cancel(). */
  readonly owner: object;
  /** Position in blocking order (takeSeq): lower waited longer. */
  readonly seq: number;
  readonly keys: readonly Uint8Array[];
  readonly db: number;
  readonly versions: readonly number[];
}

interface Waiter extends BlockedOn {
  readonly wake: (reason: WakeReason) => void;
  timer: TimerHandle | undefined;
}

export class BlockedClients {
  private waiters: Waiter[] = [];
  /** Owners cancelled (their clients closed): a later wait of theirs ends at once. */
  private readonly gone = new WeakSet<object>();
  private nextSeq = 1;
  private checkScheduled = false;

  constructor(
    private readonly backend: Backend,
    private readonly clock: Clock,
  ) {
    backend.onApplied?.(() => this.scheduleCheck());
  }

  /** Blocked clients now (INFO clients' blocked_clients). */
  get count(): number {
    return this.waiters.length;
  }

  /** A fresh place in the blocking order, for a client about to block. */
  takeSeq(): number {
    return this.nextSeq++;
  }

  /** The keys' versions in this node's applied state, taken before a try. */
  async versions(keys: readonly Uint8Array[], db: number): Promise<number[]> {
    return Promise.all(keys.map((key) => this.backend.keyVersion(key, 'local', db)));
  }

  /**
   * Waits until a key's version differs from `versions`, `timeoutMs` passes (0: never), or the
   * owner is cancelled. `seq` keeps a client's place across retries.
   */
  wait(on: BlockedOn, timeoutMs: number): Promise<WakeReason> {
    assert(on.keys.length === on.versions.length, 'one version per key');
    assert(timeoutMs >= 0, 'a blocking timeout is not negative');
    const seq = on.seq;
    if (this.gone.has(on.owner)) return Promise.resolve('cancelled');
    return new Promise<WakeReason>((resolve) => {
      const waiter: Waiter = { ...on, wake: resolve, timer: undefined };
      if (timeoutMs > 0) waiter.timer = this.clock.setTimer(timeoutMs, () => this.remove(waiter, 'timeout'));
      let at = this.waiters.length;
      while (at > 0 && this.waiters[at - 1]!.seq > seq) at--;
      this.waiters.splice(at, 0, waiter);
      this.scheduleCheck(); // the key may have changed since the versions were read
    });
  }

  /** Wakes every waiter of `owner` with 'cancelled' (its client closed), and ends any later wait of it at once. */
  cancel(owner: object): void {
    this.gone.add(owner);
    for (const waiter of this.waiters.filter((w) => w.owner === owner)) this.remove(waiter, 'cancelled');
  }

  private scheduleCheck(): void {
    if (this.checkScheduled || this.waiters.length === 0) return;
    this.checkScheduled = true;
    queueMicrotask(() => {
      this.checkScheduled = false;
      void this.check();
    });
  }

  /** Wakes, oldest first, each waiter with a changed key. */
  private async check(): Promise<void> {
    for (const waiter of [...this.waiters]) {
      if (!this.waiters.includes(waiter)) continue;
      const now = await this.versions(waiter.keys, waiter.db);
      if (now.some((version, i) => version !== waiter.versions[i])) this.remove(waiter, 'changed');
    }
  }

  private remove(waiter: Waiter, reason: WakeReason): void {
    const at = this.waiters.indexOf(waiter);
    if (at === -1) return;
    this.waiters.splice(at, 1);
    waiter.timer?.cancel();
    waiter.wake(reason);
  }
}
