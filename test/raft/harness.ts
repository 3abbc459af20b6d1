// A tiny in-test network for scripted Raft scenarios: nodes with in-memory storage that honours
// the Ready contract, a message queue with cuttable links and filters, and safety checks (one
// leader per term, identical applied entries per index) after every delivery round.

import assert from 'node:assert/strict';
import { Prng } from '../../src/lib/prng.js';
import { RaftNode } from '../../src/raft/node.js';
import { makeMembership } from '../../src/raft/membership.js';
import {
  EntryKind, type Entry, type HardState, type Message, type PersistedState, type RaftConfig, type ReadState, type Ready, type Snapshot,
} from '../../src/raft/types.js';

export class MemStorage {
  hardState: HardState = { term: 0, votedFor: null, commitIndex: 0 };
  snapshot: Snapshot;
  entries: Entry[] = [];

  constructor(voters: string[]) {
    this.snapshot = { meta: { index: 0, term: 0, membership: makeMembership(voters) }, data: new Uint8Array(0) };
  }

  persisted(): PersistedState {
    return { hardState: { ...this.hardState }, snapshot: this.snapshot, entries: [...this.entries] };
  }

  append(entries: Entry[]): void {
    if (entries.length === 0) return;
    const first = entries[0]!.index;
    const keep = first - this.snapshot.meta.index - 1;
    assert.ok(keep >= 0 && keep <= this.entries.length, 'storage: append leaves a gap');
    this.entries.length = keep;
    this.entries.push(...entries);
  }

  installSnapshot(snapshot: Snapshot): void {
    this.snapshot = snapshot;
    this.entries = [];
  }

  compact(snapshot: Snapshot): void {
    const drop = snapshot.meta.index - this.snapshot.meta.index;
    this.entries = this.entries.slice(drop);
    this.snapshot = snapshot;
  }
}

export type Filter = (m: Message) => boolean; // true drops the message

export interface ClusterOptions {
  seed?: number;
  config?: Partial<Omit<RaftConfig, 'id' | 'prng'>>;
  learners?: string[];
  /** Give every node its own incarnation (else all run under DEFAULT_INCARNATION). */
  incarnations?: boolean;
}

const text = new TextDecoder();
const bytes = new TextEncoder();

export class Cluster {
  readonly nodes = new Map<string, RaftNode>();
  readonly storage = new Map<string, MemStorage>();
  /** Every committed entry each node applied, in order (the state machine is this list). */
  readonly applied = new Map<string, Entry[]>();
  /** The ReadStates each node's Readies carried, in order (tests may drain them). */
  readonly readStates = new Map<string, ReadState[]>();
  readonly down = new Set<string>();
  /** Messages sent and not yet delivered. */
  queue: Message[] = [];
  /** Every message that was sent, for tests that count them. */
  sent: Message[] = [];
  private readonly cut = new Set<string>();
  filters: Filter[] = [];
  /** Rewrites a message in flight (a test's way to model partial delivery). */
  rewrite: ((m: Message) => Message) | null = null;
  /** When set and true for a node, its next Ready is held outstanding (see processReadies). */
  holdReady: ((id: string) => boolean) | null = null;
  private readonly held = new Map<string, Ready>();
  private readonly leaderOfTerm = new Map<number, string>();
  private readonly prng: Prng;
  /** Each node's incarnation, when the cluster runs with them. */
  readonly incarnations = new Map<string, string>();
  private incarnationsMade = 0;

  constructor(readonly ids: string[], private readonly options: ClusterOptions = {}) {
    this.prng = new Prng(options.seed ?? 1);
    for (const id of ids) {
      if (options.incarnations === true) this.incarnations.set(id, this.newIncarnation());
      const store = new MemStorage(ids.filter((x) => !(options.learners ?? []).includes(x)));
      if (options.learners) store.snapshot.meta.membership = makeMembership(store.snapshot.meta.membership.voters, options.learners);
      this.storage.set(id, store);
      this.applied.set(id, []);
      this.readStates.set(id, []);
      this.start(id);
    }
  }

  /** Adds a node that is not a member yet (empty membership): it waits to be replicated to. */
  addBlankNode(id: string): void {
    if (this.options.incarnations === true) this.incarnations.set(id, this.newIncarnation());
    const store = new MemStorage([]);
    store.snapshot.meta.membership = { voters: [], learners: [] };
    this.storage.set(id, store);
    this.applied.set(id, []);
    this.readStates.set(id, []);
    this.ids.push(id);
    this.start(id);
  }

  private newIncarnation(): string {
    this.incarnationsMade++;
    return (0xabc0_0000 + this.incarnationsMade).toString(16).padStart(16, '0');
  }

  /**
   * The node's data is lost: it starts again under its id from a blank store naming the initial
   * voters (a blank data dir started with the same member list), under a new incarnation.
   */
  wipe(id: string): void {
    this.crash(id);
    const initialVoters = this.ids.filter((x) => !(this.options.learners ?? []).includes(x));
    this.storage.set(id, new MemStorage(initialVoters));
    this.applied.set(id, []);
    this.incarnations.set(id, this.newIncarnation());
    this.start(id);
  }

  start(id: string): void {
    const incarnation = this.incarnations.get(id);
    const config: RaftConfig = { id, prng: new Prng(this.prng.nextUint32()), ...this.options.config, ...(incarnation === undefined ? {} : { incarnation }) };
    this.nodes.set(id, new RaftNode(config, this.storage.get(id)!.persisted()));
    this.down.delete(id);
  }

  /** Crash: everything not persisted is lost; the node's state machine restarts from its snapshot. */
  crash(id: string): void {
    this.down.add(id);
    this.held.delete(id); // a Ready not yet persisted is lost with the process
    const store = this.storage.get(id)!;
    this.applied.set(id, decodeApplied(store.snapshot.data));
  }

  restart(id: string): void {
    this.crash(id);
    this.start(id);
  }

  node(id: string): RaftNode {
    return this.nodes.get(id)!;
  }

  isolate(id: string): void {
    for (const other of this.ids) if (other !== id) this.cutLink(id, other);
  }

  cutLink(a: string, b: string): void {
    this.cut.add(`${a}>${b}`);
    this.cut.add(`${b}>${a}`);
  }

  cutOneWay(from: string, to: string): void {
    this.cut.add(`${from}>${to}`);
  }

  heal(): void {
    this.cut.clear();
    this.filters = [];
    this.rewrite = null;
  }

  /**
   * Handles each live node's Ready as the contract says: persist, send, apply, advance. With
   * `holdReady` set, a Ready may stay outstanding across later rounds (like a driver awaiting
   * fsync) while the node keeps receiving messages and ticks.
   */
  processReadies(): boolean {
    let any = false;
    for (const id of this.ids) {
      if (this.down.has(id)) continue;
      const node = this.node(id);
      const held = this.held.get(id);
      if (held !== undefined) {
        if (this.holdReady?.(id)) continue;
        this.held.delete(id);
        this.handleReady(id, held);
        any = true;
      }
      for (let rounds = 0; rounds < 100 && node.hasReady(); rounds++) {
        any = true;
        const rd = node.ready();
        if (this.holdReady?.(id)) {
          this.held.set(id, rd);
          break;
        }
        this.handleReady(id, rd);
      }
    }
    this.checkSafety();
    return any;
  }

  private handleReady(id: string, rd: Ready): void {
    const store = this.storage.get(id)!;
    if (rd.snapshot) {
      store.installSnapshot(rd.snapshot);
      this.applied.set(id, decodeApplied(rd.snapshot.data));
    }
    store.append(rd.entries);
    if (rd.hardState) store.hardState = { ...rd.hardState };
    for (const m of rd.messages) {
      this.sent.push(m);
      this.queue.push(m);
    }
    const applied = this.applied.get(id)!;
    for (const entry of rd.committedEntries) {
      assert.equal(entry.index, applied.length + 1, `${id} applies index ${entry.index} after ${applied.length}`);
      applied.push(entry);
    }
    this.readStates.get(id)!.push(...rd.readStates);
    this.node(id).advance(rd);
  }

  /** Delivers messages (and the Readies they cause) until the network is quiet. */
  stabilize(maxRounds = 1000): void {
    for (let round = 0; round < maxRounds; round++) {
      const acted = this.processReadies();
      if (this.queue.length === 0 && !acted) return;
      this.deliverQueued();
    }
    throw new Error('cluster did not stabilize');
  }

  deliverQueued(): void {
    const batch = this.queue;
    this.queue = [];
    for (const m of batch) this.deliver(m);
  }

  private deliver(m: Message): void {
    if (this.down.has(m.to) || this.down.has(m.from)) return;
    if (this.cut.has(`${m.from}>${m.to}`)) return;
    if (this.filters.some((f) => f(m))) return;
    this.nodes.get(m.to)?.step(this.rewrite ? this.rewrite(m) : m);
  }

  tick(ticks = 1): void {
    for (let t = 0; t < ticks; t++) {
      for (const id of this.ids) if (!this.down.has(id)) this.node(id).tick();
      this.stabilize();
    }
  }

  /** Ticks until some node is leader (bounded), returns its id. */
  electLeader(maxTicks = 200): string {
    for (let t = 0; t < maxTicks; t++) {
      const leader = this.leader();
      if (leader !== null) return leader;
      this.tick();
    }
    throw new Error('no leader elected');
  }

  /** Ticks until one of `candidates` leads (in a term above `aboveTerm`); returns it. */
  electAmong(candidates: string[], aboveTerm = 0, maxTicks = 200): string {
    for (let t = 0; t < maxTicks; t++) {
      for (const id of candidates) {
        const s = this.node(id).status();
        if (s.role === 'leader' && s.term > aboveTerm) return id;
      }
      this.tick();
    }
    throw new Error(`none of ${candidates.join(',')} became leader`);
  }

  /** Makes `id` campaign now (it still needs the votes). */
  campaign(id: string): void {
    this.node(id).campaign();
    this.stabilize();
  }

  /** The live leader with the highest term, or null. */
  leader(): string | null {
    let best: string | null = null;
    let bestTerm = -1;
    for (const id of this.ids) {
      if (this.down.has(id)) continue;
      const s = this.node(id).status();
      if (s.role === 'leader' && s.term > bestTerm) {
        best = id;
        bestTerm = s.term;
      }
    }
    return best;
  }

  propose(id: string, value: string): number {
    const result = this.node(id).propose(bytes.encode(value));
    assert.ok(result.accepted, `proposal refused: ${JSON.stringify(result)}`);
    return result.index;
  }

  /** The NORMAL entries a node applied, as strings. */
  values(id: string): string[] {
    return this.applied.get(id)!.filter((e) => e.kind === EntryKind.NORMAL).map((e) => text.decode(e.data));
  }

  /** The state machine's snapshot: the applied entries so far, encoded. */
  snapshotData(id: string): Uint8Array {
    return bytes.encode(JSON.stringify(this.applied.get(id)!.map((e) => [e.index, e.term, e.kind, text.decode(e.data)])));
  }

  compact(id: string): void {
    const node = this.node(id);
    const index = node.status().appliedIndex;
    const snapshot = node.compact(index, this.snapshotData(id));
    this.storage.get(id)!.compact(snapshot);
  }

  /** Election Safety and State Machine Safety, checked after every round. */
  checkSafety(): void {
    for (const id of this.ids) {
      if (this.down.has(id)) continue;
      const s = this.node(id).status();
      if (s.role !== 'leader') continue;
      const known = this.leaderOfTerm.get(s.term);
      assert.ok(known === undefined || known === id, `two leaders in term ${s.term}: ${known} and ${id}`);
      this.leaderOfTerm.set(s.term, id);
    }
    const byIndex = new Map<number, Entry>();
    for (const [id, entries] of this.applied) {
      for (const e of entries) {
        const other = byIndex.get(e.index);
        if (other === undefined) byIndex.set(e.index, e);
        else assert.ok(other.term === e.term && other.kind === e.kind, `${id} applied a different entry at ${e.index}`);
      }
    }
  }
}

function decodeApplied(data: Uint8Array): Entry[] {
  if (data.length === 0) return [];
  const rows = JSON.parse(text.decode(data)) as [number, number, number, string][];
  return rows.map(([index, term, kind, value]) => ({ index, term, kind, data: bytes.encode(value) }));
}

export function encode(value: string): Uint8Array {
  return bytes.encode(value);
}
