// SimNetwork: delivers Transport messages between simulated nodes with per-link delay, loss,
// duplication and reordering (random delays), symmetric and one-way partitions, and nodes cut off
// from all. Every message is structured-cloned, so no object is ever shared between nodes. A
// bounded sample of each node's past inbound messages (reservoir sampling over the whole run) lets
// the fault schedule replay old ones: a network may deliver any message again, arbitrarily late,
// so replies from terms long gone reach a leader of a new term.

import { assert } from '../lib/assert.js';
import type { Prng } from '../lib/prng.js';
import type { NodeId, Transport } from '../io/transport.js';
import type { Scheduler } from './scheduler.js';
import type { Trace } from './trace.js';

export interface LinkFaults {
  delayMinMs: number;
  delayMaxMs: number;
  lossProbability: number;
  duplicateProbability: number;
}

/** The most a duplicate can lag behind its original. */
const LATE_DUPLICATE_MS_MAX = 1_500;

/** Sent messages kept for replay per destination: a uniform sample of everything sent to it so far. */
const REPLAY_SAMPLE_PER_NODE = 64;
/** Messages kept while recording one destination's traffic for a drill. */
const RECORDED_MAX = 512;

export const CALM_NETWORK: LinkFaults = { delayMinMs: 1, delayMaxMs: 5, lossProbability: 0, duplicateProbability: 0 };

export interface NetworkStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
  replayed: number;
}

export interface SentMessage<M> {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly message: M;
}

interface Endpoint<M> {
  generation: number;
  /** Messages reaching a frozen node wait until this time. */
  pausedUntilMs: number;
  receiver: ((from: NodeId, message: M) => void) | undefined;
}

export class SimNetwork<M> {
  private readonly endpoints = new Map<NodeId, Endpoint<M>>();
  private readonly blocked = new Set<string>(); // "from>to": messages on this link are dropped
  private readonly linkFaults = new Map<string, LinkFaults>();
  private defaults: LinkFaults = { ...CALM_NETWORK };
  private inFlight = 0;
  private readonly samples = new Map<NodeId, { seen: number; kept: SentMessage<M>[] }>(); // by destination
  private recordingTo: NodeId | null = null;
  private recorded: SentMessage<M>[] = [];
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0, replayed: 0 };

  constructor(
    private readonly scheduler: Scheduler,
    private readonly prng: Prng,
    private readonly trace: Trace,
    private readonly describe: (message: M) => string,
    readonly maxInFlightMessages = 100_000,
  ) {
    assert(maxInFlightMessages > 0, 'maxInFlightMessages must be positive');
  }

  /** A fresh transport for one run of a node; the previous run's is cut off. */
  attach(id: NodeId): Transport<M> {
    const endpoint = this.endpoints.get(id) ?? { generation: 0, pausedUntilMs: 0, receiver: undefined };
    endpoint.generation++;
    endpoint.receiver = undefined;
    this.endpoints.set(id, endpoint);
    const generation = endpoint.generation;
    const live = (): boolean => this.endpoints.get(id)?.generation === generation;
    return {
      send: (to, message) => {
        if (live()) this.send(id, to, message);
      },
      onReceive: (receiver) => {
        assert(live(), `${id}: onReceive on a dead transport`);
        assert(endpoint.receiver === undefined, `${id}: onReceive registered twice`);
        endpoint.receiver = receiver;
      },
      close: async () => {
        if (live()) endpoint.receiver = undefined;
      },
    };
  }

  /** The node's process died: nothing reaches it and nothing it queued later is sent. */
  detach(id: NodeId): void {
    const endpoint = this.endpoints.get(id);
    assert(endpoint !== undefined, `detach: unknown node ${id}`);
    endpoint.generation++;
    endpoint.receiver = undefined;
  }

  /** The node is frozen until `untilMs`: what reaches it meanwhile is handled, in order, when it thaws. */
  pauseDelivery(id: NodeId, untilMs: number): void {
    const endpoint = this.endpoints.get(id);
    assert(endpoint !== undefined, `pauseDelivery: unknown node ${id}`);
    endpoint.pausedUntilMs = Math.max(endpoint.pausedUntilMs, untilMs);
  }

  setDefaults(faults: LinkFaults): void {
    validate(faults);
    this.defaults = { ...faults };
  }

  setLink(from: NodeId, to: NodeId, faults: LinkFaults): void {
    validate(faults);
    this.linkFaults.set(`${from}>${to}`, { ...faults });
  }

  /** Drops every message from `from` to `to` (one-way) until healed. */
  blockOneWay(from: NodeId, to: NodeId): void {
    this.blocked.add(`${from}>${to}`);
  }

  /** Splits the nodes into groups that cannot reach each other (symmetric partition). */
  partition(groups: readonly (readonly NodeId[])[]): void {
    for (const a of groups) {
      for (const b of groups) {
        if (a === b) continue;
        for (const from of a) for (const to of b) this.blocked.add(`${from}>${to}`);
      }
    }
  }

  /** Cuts a node off from every other node, both ways. */
  isolate(id: NodeId, all: readonly NodeId[]): void {
    for (const other of all) {
      if (other === id) continue;
      this.blocked.add(`${id}>${other}`);
      this.blocked.add(`${other}>${id}`);
    }
  }

  /** Removes every partition and per-link fault; default faults stay. */
  heal(): void {
    this.blocked.clear();
    this.linkFaults.clear();
  }

  /**
   * Delivers `count` messages sent to `to` at any earlier time (a uniform sample) once more, each
   * within `delayMaxMs`; partitions still apply at delivery. Returns how many were replayed.
   */
  replayOld(to: NodeId, count: number, delayMaxMs: number): number {
    return this.replay(this.samples.get(to)?.kept ?? [], count, delayMaxMs);
  }

  /** Keeps (up to a bound) every message sent to `to` from now on, for a drill to replay later. */
  startRecording(to: NodeId): void {
    this.recordingTo = to;
    this.recorded = [];
  }

  /** Stops recording and returns what was recorded. */
  takeRecorded(): SentMessage<M>[] {
    const recorded = this.recorded;
    this.recordingTo = null;
    this.recorded = [];
    return recorded;
  }

  /** Delivers `count` random picks of `messages` once more, each within `delayMaxMs` (partitions apply). */
  replay(messages: readonly SentMessage<M>[], count: number, delayMaxMs: number): number {
    assert(count >= 0 && count <= RECORDED_MAX, 'replay count is bounded');
    assert(delayMaxMs >= 0, 'replay delay must not be negative');
    let replayed = 0;
    for (let i = 0; i < count && messages.length > 0 && this.inFlight < this.maxInFlightMessages; i++) {
      const old = this.prng.pick(messages);
      const copy = structuredClone(old.message);
      this.inFlight++;
      this.stats.replayed++;
      replayed++;
      this.trace.add(this.scheduler.nowMs(), () => `net ${old.from}->${old.to} REPLAY ${this.describe(copy)}`);
      this.scheduler.schedule(this.prng.int(0, delayMaxMs), 'net', () => this.deliver(old.from, old.to, copy));
    }
    return replayed;
  }

  isBlocked(from: NodeId, to: NodeId): boolean {
    return this.blocked.has(`${from}>${to}`);
  }

  private send(from: NodeId, to: NodeId, message: M): void {
    this.stats.sent++;
    this.remember(from, to, message);
    const faults = this.linkFaults.get(`${from}>${to}`) ?? this.defaults;
    if (this.isBlocked(from, to) || this.prng.chance(faults.lossProbability)) {
      this.stats.dropped++;
      this.trace.add(this.scheduler.nowMs(), () => `net ${from}->${to} LOST ${this.describe(message)}`);
      return;
    }
    const copies = this.prng.chance(faults.duplicateProbability) ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let i = 0; i < copies; i++) {
      if (this.inFlight >= this.maxInFlightMessages) {
        this.stats.dropped++;
        continue;
      }
      // Clone at send time: the sender may mutate its objects afterwards, as a real socket would not see.
      const copy = structuredClone(message);
      // A duplicate may turn up much later (a retransmission after a reconnect): stale replies.
      const lateMs = i === 1 && this.prng.chance(0.5) ? this.prng.int(0, LATE_DUPLICATE_MS_MAX) : 0;
      const delayMs = this.prng.int(faults.delayMinMs, faults.delayMaxMs) + lateMs;
      this.inFlight++;
      this.scheduler.schedule(delayMs, 'net', () => this.deliver(from, to, copy));
    }
  }

  /** Reservoir sampling (Algorithm R): every message sent to `to` is equally likely to be kept. */
  private remember(from: NodeId, to: NodeId, message: M): void {
    if (to === this.recordingTo && this.recorded.length < RECORDED_MAX) this.recorded.push({ from, to, message: structuredClone(message) });
    let sample = this.samples.get(to);
    if (sample === undefined) {
      sample = { seen: 0, kept: [] };
      this.samples.set(to, sample);
    }
    sample.seen++;
    if (sample.kept.length < REPLAY_SAMPLE_PER_NODE) {
      sample.kept.push({ from, to, message: structuredClone(message) });
      return;
    }
    const slot = this.prng.int(0, sample.seen - 1);
    if (slot < REPLAY_SAMPLE_PER_NODE) sample.kept[slot] = { from, to, message: structuredClone(message) };
  }

  private deliver(from: NodeId, to: NodeId, message: M): void {
    const endpoint = this.endpoints.get(to);
    const frozenMs = (endpoint?.pausedUntilMs ?? 0) - this.scheduler.nowMs();
    if (frozenMs > 0) {
      this.scheduler.schedule(frozenMs, 'net', () => this.deliver(from, to, message));
      return;
    }
    this.inFlight--;
    assert(this.inFlight >= 0, 'network in-flight count went negative');
    const receiver = endpoint?.receiver;
    if (receiver === undefined || this.isBlocked(from, to)) {
      this.stats.dropped++;
      this.trace.add(this.scheduler.nowMs(), () => `net ${from}->${to} dropped in flight ${this.describe(message)}`);
      return;
    }
    this.stats.delivered++;
    this.trace.add(this.scheduler.nowMs(), () => `net ${from}->${to} ${this.describe(message)}`);
    receiver(from, message);
  }
}

function validate(faults: LinkFaults): void {
  assert(faults.delayMinMs >= 0 && faults.delayMinMs <= faults.delayMaxMs, 'link delay range is invalid');
  assert(faults.lossProbability >= 0 && faults.lossProbability <= 1, 'loss probability must be in [0, 1]');
  assert(faults.duplicateProbability >= 0 && faults.duplicateProbability <= 1, 'duplicate probability must be in [0, 1]');
}
