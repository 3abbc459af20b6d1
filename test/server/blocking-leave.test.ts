// A client that leaves while a try of its blocking command is in flight (relayed to the leader, not
// waiting in the registry) must not block again: its loop ends, and no later push is popped for a
// client that is gone. Driven through runBlocking over a backend whose writes the test settles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import type { Reply } from '../../src/lib/reply.js';
import type { Backend } from '../../src/server/backend.js';
import { BlockedClients } from '../../src/server/blocked-clients.js';
import { runBlocking } from '../../src/server/blocking-command.js';

/** A backend whose key version the test bumps and whose writes wait until the test answers them. */
class HeldBackend implements Backend {
  version = 0;
  readonly pending: ((reply: Reply) => void)[] = [];
  tries = 0;
  private listener: (() => void) | undefined;

  write(): Promise<Reply[]> {
    this.tries++;
    return new Promise((resolve) => this.pending.push((reply) => resolve([reply])));
  }
  read(): Reply {
    return { type: 'null' };
  }
  keyVersion(): number {
    return this.version;
  }
  onApplied(listener: () => void): void {
    this.listener = listener;
  }
  /** A push landed: the key changed in the applied state. */
  push(): void {
    this.version++;
    this.listener?.();
  }
  keyspace(): { keys: number } {
    return { keys: 0 };
  }
  persistenceInfo(): [] {
    return [];
  }
  async close(): Promise<void> {}
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('a client that leaves while its retry is in flight is not blocked again, so no later push is popped for it', async () => {
  const backend = new HeldBackend();
  const clock = { nowMs: () => 1_000, monotonicMs: () => 0, setTimer: () => ({ cancel: () => undefined }) };
  const blocked = new BlockedClients(backend, clock);
  const owner = {};
  const argv = ['BLPOP', 'q', '0'].map((s) => Buffer.from(s));
  let settled: Reply | undefined;
  const running = runBlocking({ backend, blocked, owner, monotonicMs: () => 0, consistency: 'linearizable', db: 0 }, 'blpop', true, argv).then((reply) => (settled = reply));
  await settle();
  backend.pending.shift()!({ type: 'nullArray' }); // first try: the list is empty
  await settle();
  assert.equal(blocked.count, 1, 'blocked after finding nothing');
  backend.push(); // another client's push wakes it; the retry goes out
  await settle();
  assert.equal(backend.tries, 2);
  assert.equal(blocked.count, 0, 'not waiting while the retry is in flight');
  blocked.cancel(owner); // the client leaves now
  backend.pending.shift()!({ type: 'nullArray' }); // a faster client took the element first
  await settle();
  backend.push(); // a later push must be left for clients that are still there
  await settle();
  assert.equal(backend.tries, 2, 'a try was made for a client that had left');
  assert.equal(blocked.count, 0);
  assert.deepEqual(settled, { type: 'nullArray' });
  await running;
});
