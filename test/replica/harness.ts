// A simulated cluster of real replicas (real Raft core, storage and kv machine over simulated disk,
// network and clock) for the replica's tests, with helpers to make entries and read values.

import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { Prng } from '../../src/lib/prng.js';
import { encodeEntry } from '../../src/kv/entry.js';
import { keyOf } from '../../src/kv/bytes.js';
import { RaftNode } from '../../src/raft/node.js';
import type { Message, Snapshot } from '../../src/raft/types.js';
import { KvMachine } from '../../src/replica/kv-machine.js';
import { RaftStorage } from '../../src/replica/raft-storage.js';
import { Replica } from '../../src/replica/replica.js';
import type { ReplicaOptions } from '../../src/replica/replica.js';
import { SimClock } from '../../src/sim/clock.js';
import { SimDisk } from '../../src/sim/disk.js';
import { SimNetwork } from '../../src/sim/network.js';
import { Scheduler } from '../../src/sim/scheduler.js';
import { Trace } from '../../src/sim/trace.js';

export const b = (s: string): Uint8Array => Buffer.from(s, 'latin1');
export const set = (key: string, value: string): Uint8Array => encodeEntry({ nowMs: 0, commands: [[b('SET'), b(key), b(value)]] });
export const get = (key: string) => (m: KvMachine): string | null => {
  const v = m.state.getValue(keyOf(b(key)), 0);
  return v === undefined ? null : Buffer.from(v).toString('latin1');
};

export class Harness {
  readonly scheduler = new Scheduler();
  readonly network: SimNetwork<Message>;
  readonly disks = new Map<string, SimDisk>();
  readonly replicas = new Map<string, Replica<KvMachine>>();
  readonly compactions: Snapshot[] = [];
  readonly clocks = new Map<string, SimClock>();
  private readonly prng = new Prng(11);

  constructor(
    readonly ids: string[],
    readonly overrides: Partial<ReplicaOptions> = {},
    /** The state machine of each node started; KvMachine by default. */
    private readonly machine: () => KvMachine = () => new KvMachine(),
  ) {
    this.network = new SimNetwork<Message>(this.scheduler, new Prng(5), new Trace(10), (m) => m.type);
    for (const id of ids) this.disks.set(id, new SimDisk(this.scheduler, new Prng(this.prng.nextUint32())));
  }

  /** Runs the simulation until the promise settles (or fails the test after maxEvents). */
  async until<T>(promise: Promise<T>, maxEvents = 200_000): Promise<T> {
    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    promise.then((value) => (outcome = { ok: true, value }), (error: unknown) => (outcome = { ok: false, error }));
    await this.scheduler.runUntil(Infinity, () => outcome !== undefined, maxEvents);
    assert.ok(outcome !== undefined, 'the operation never settled');
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  async start(id: string): Promise<Replica<KvMachine>> {
    const options: ReplicaOptions = {
      id,
      initialVoters: this.ids,
      tickMs: 10,
      raft: { electionTimeoutTicks: 10, heartbeatIntervalTicks: 2 },
      prng: new Prng(this.prng.nextUint32()),
      maxPendingProposals: 64,
      maxPendingReads: 64,
      requestTimeoutMs: 2_000,
      snapshotEveryEntries: 1_000,
      ...this.overrides,
    };
    const disk = this.disks.get(id) as SimDisk;
    const clock = new SimClock(this.scheduler, id);
    this.clocks.set(id, clock);
    const replica = await this.until(
      (async () => {
        const storage = await RaftStorage.open(disk, `/${id}`);
        return Replica.start(
          options,
          {
            clock,
            transport: this.network.attach(id),
            storage,
            createNode: (config, persisted) => new RaftNode(config, persisted),
            observer: { compacted: (_id, snapshot) => this.compactions.push(snapshot) },
            yieldTurn: () => new Promise<void>((resolve) => clock.setTimer(5, resolve)),
          },
          this.machine(),
        );
      })(),
    );
    this.replicas.set(id, replica);
    return replica;
  }

  async leader(): Promise<Replica<KvMachine>> {
    const find = (): Replica<KvMachine> | undefined => [...this.replicas.values()].find((r) => r.status().role === 'leader');
    await this.scheduler.runUntil(Infinity, () => find() !== undefined, 200_000);
    const leader = find();
    assert.ok(leader !== undefined, 'a leader was elected');
    return leader;
  }
}
