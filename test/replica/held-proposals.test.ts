// A sole voter holds the proposals made while its last Ready's entries are being made durable, and
// proposes them, with those of the writers it has just answered, in one Ready after those entries
// are applied (held-proposals.ts): one fsync for both groups, as Redis serves every client of an
// event-loop iteration with one. A held proposal that waits past its deadline, or is held when the
// replica closes, is rejected and never applied.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { Prng } from '../../src/lib/prng.js';
import { isCairnError } from '../../src/lib/errors.js';
import { decodeEntry, encodeEntry } from '../../src/kv/entry.js';
import { keyOf } from '../../src/kv/bytes.js';
import { RaftNode } from '../../src/raft/node.js';
import type { Entry, Message } from '../../src/raft/types.js';
import { KvMachine } from '../../src/replica/kv-machine.js';
import type { ReplicaStorage } from '../../src/replica/ports.js';
import { RaftStorage } from '../../src/replica/raft-storage.js';
import { Replica } from '../../src/replica/replica.js';
import { NoPeerTransport } from '../../src/runtime/no-peer-transport.js';
import { SimClock } from '../../src/sim/clock.js';
import { SimDisk } from '../../src/sim/disk.js';
import { Scheduler } from '../../src/sim/scheduler.js';

const b = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const set = (key: string, value: string): Uint8Array => encodeEntry({ nowMs: 0, commands: [[b('SET'), b(key), b(value)]] });

/** RaftStorage with a hook when a sync of new writes starts, and a switch that makes such syncs hang. */
class WatchedStorage implements ReplicaStorage {
  /** The values (SET's third argument) of each synced batch of entries, in order. */
  readonly batches: string[][] = [];
  onSyncStart: () => void = () => undefined;
  hang = false;
  private appended: Entry[] = [];

  constructor(private readonly inner: RaftStorage) {}

  load = () => this.inner.load();
  installSnapshot = (...args: Parameters<RaftStorage['installSnapshot']>) => this.inner.installSnapshot(...args);
  saveHardState = (...args: Parameters<RaftStorage['saveHardState']>) => this.inner.saveHardState(...args);
  compact = (...args: Parameters<RaftStorage['compact']>) => this.inner.compact(...args);
  close = () => this.inner.close();

  appendEntries(entries: readonly Entry[]): Promise<void> {
    this.appended.push(...entries);
    return this.inner.appendEntries(entries);
  }

  async sync(): Promise<void> {
    const entries = this.appended;
    this.appended = [];
    // The leader's empty entry of its term carries no write: only batches of writes count.
    const values = entries.filter((e) => e.data.length > 0).map((e) => Buffer.from(decodeEntry(e.data).commands[0]![2]!).toString('latin1'));
    if (values.length > 0) {
      this.batches.push(values);
      this.onSyncStart();
      if (this.hang) await new Promise<never>(() => undefined);
    }
    await this.inner.sync();
  }
}

async function start(scheduler: Scheduler, gatherTurn?: () => Promise<void>): Promise<{ replica: Replica<KvMachine>; storage: WatchedStorage; machine: KvMachine }> {
  const disk = new SimDisk(scheduler, new Prng(3));
  const machine = new KvMachine();
  const storage = new WatchedStorage(await runUntil(scheduler, RaftStorage.open(disk, '/n1')));
  const replica = await runUntil(scheduler, Replica.start(
    { id: 'n1', initialVoters: ['n1'], tickMs: 10, raft: { electionTimeoutTicks: 10, heartbeatIntervalTicks: 2 }, prng: new Prng(7), maxPendingProposals: 64, maxPendingReads: 64, requestTimeoutMs: 500, snapshotEveryEntries: 1_000 },
    { clock: new SimClock(scheduler, 'n1'), transport: new NoPeerTransport<Message>(), storage, createNode: (config, persisted) => new RaftNode(config, persisted), ...(gatherTurn === undefined ? {} : { gatherTurn }) },
    machine,
  ));
  return { replica, storage, machine };
}

async function runUntil<T>(scheduler: Scheduler, promise: Promise<T>): Promise<T> {
  let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
  promise.then((value) => (outcome = { ok: true, value }), (error: unknown) => (outcome = { ok: false, error }));
  await scheduler.runUntil(Infinity, () => outcome !== undefined, 200_000);
  assert.ok(outcome !== undefined, 'the operation never settled');
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

const value = (machine: KvMachine, key: string): string | undefined => {
  const v = machine.state.getValue(keyOf(b(key)), 0);
  return v === undefined ? undefined : Buffer.from(v).toString('latin1');
};

test('writes made during an fsync and those of the writers it answered share the next fsync, in order', async () => {
  const scheduler = new Scheduler();
  let answered: Promise<unknown> | undefined;
  let replica: Replica<KvMachine> | undefined;
  let firstAnswered = false;
  // The writer of 'v-A', once answered, sends its next write during the gather turn.
  const gatherTurn = async (): Promise<void> => {
    if (firstAnswered) answered ??= replica!.propose(set('d', 'v-D'));
  };
  const started = await start(scheduler, gatherTurn);
  replica = started.replica;
  const { storage, machine } = started;
  const during: Promise<unknown>[] = [];
  storage.onSyncStart = () => {
    storage.onSyncStart = () => undefined;
    during.push(replica!.propose(set('b', 'v-B')), replica!.propose(set('c', 'v-C')));
  };
  const first = replica.propose(set('a', 'v-A'));
  void first.then(() => (firstAnswered = true));
  await runUntil(scheduler, first);
  await runUntil(scheduler, Promise.all(during));
  assert.ok(answered !== undefined, 'the gather turn ran');
  await runUntil(scheduler, answered);
  assert.deepEqual(storage.batches, [['v-A'], ['v-B', 'v-C', 'v-D']], 'one fsync for the writes held and the answered writer\'s next one');
  assert.equal(value(machine, 'd'), 'v-D');
});

test('a held write is rejected at its deadline, or at close, and never applied', async () => {
  const scheduler = new Scheduler();
  const { replica, storage, machine } = await start(scheduler);
  storage.hang = true;
  const stuck = replica.propose(set('a', 'v-A'));
  stuck.catch(() => undefined);
  await scheduler.runUntil(Infinity, () => storage.batches.length === 1, 10_000);
  const held = replica.propose(set('b', 'v-B'));
  await assert.rejects(runUntil(scheduler, held), (e: unknown) => isCairnError(e, 'CAIRN_TIMEOUT'));
  const late = replica.propose(set('c', 'v-C'));
  const closing = replica.close();
  await assert.rejects(late, (e: unknown) => isCairnError(e, 'CAIRN_CLOSED'));
  void closing;
  assert.equal(value(machine, 'b'), undefined);
  assert.equal(value(machine, 'c'), undefined);
  assert.deepEqual(storage.batches, [['v-A']], 'nothing held was appended');
});
