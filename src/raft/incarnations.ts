// Incarnations: every data directory has a random 64-bit id made when it is first initialised
// (`RaftConfig.incarnation`), and every message carries its sender's. PeerIncarnations is what one
// node remembers of the others: the incarnation it first heard from each peer id ("first seen
// wins"), durable in its hard state. A message from a known id under another incarnation comes
// from a node that lost its data and restarted under the same id; it is dropped — a blank node
// must not vote, acknowledge or lead in place of the node whose promises it forgot. Also here: the
// checks of a persisted incarnation and map, and IncarnationGossip, which passes the map on (a
// leader to every member, a follower to its leader) so followers learn of each other.

import { assert } from '../lib/assert.js';
import { CairnError } from '../lib/errors.js';
import { PEER_INCARNATIONS_MAX } from '../lib/limits.js';
import { peersOf } from './membership.js';
import type { NodeCore } from './core.js';
import type { Incarnation, Message, NodeId, PeerIncarnation, Role } from './types.js';

/** The incarnation of a node given none: tests and benches whose nodes never lose their state. */
export const DEFAULT_INCARNATION: Incarnation = '0000000000000000';

const INCARNATION_PATTERN = /^[0-9a-f]{16}$/;

/** 16 lowercase hex digits (64 bits). */
export function isIncarnation(value: unknown): value is Incarnation {
  return typeof value === 'string' && INCARNATION_PATTERN.test(value);
}

/** Two 32-bit halves as an incarnation (a driver draws them from its randomness). */
export function incarnationFromWords(high: number, low: number): Incarnation {
  assert(Number.isInteger(high) && high >= 0 && high <= 0xffff_ffff, 'high word is a u32');
  assert(Number.isInteger(low) && low >= 0 && low <= 0xffff_ffff, 'low word is a u32');
  return high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0');
}

export type Admission = 'known' | 'new' | 'stale' | 'full';

export class PeerIncarnations {
  private readonly known = new Map<NodeId, Incarnation>();
  /** Bumped on every change: the node hands the map out for persistence when it moved on. */
  version = 0;
  private listed: readonly PeerIncarnation[] | null = null;
  private listedVersion = -1;

  constructor(persisted: readonly PeerIncarnation[]) {
    assert(persisted.length <= PEER_INCARNATIONS_MAX, 'persisted peer incarnations within the cap');
    for (const { id, incarnation } of persisted) {
      assert(isIncarnation(incarnation), `persisted incarnation of ${id} is 16 hex digits`);
      this.known.set(id, incarnation);
    }
  }

  /**
   * Records `incarnation` for `id` when the id is new (first seen wins); says whether a message
   * under it may be accepted: 'known' and 'new' may, 'stale' (another incarnation is known) and
   * 'full' (a new id past the cap) may not.
   */
  admit(id: NodeId, incarnation: Incarnation): Admission {
    const known = this.known.get(id);
    if (known !== undefined) return known === incarnation ? 'known' : 'stale';
    if (this.known.size >= PEER_INCARNATIONS_MAX) return 'full';
    this.known.set(id, incarnation);
    this.version++;
    return 'new';
  }

  /** Takes on what a leader knows, for ids this node knows nothing of (first seen still wins). */
  adoptFrom(list: readonly PeerIncarnation[], selfId: NodeId): void {
    for (const { id, incarnation } of list) {
      if (id === selfId || this.known.has(id)) continue;
      if (this.known.size >= PEER_INCARNATIONS_MAX) return;
      this.known.set(id, incarnation);
      this.version++;
    }
  }

  get size(): number {
    return this.known.size;
  }

  get(id: NodeId): Incarnation | undefined {
    return this.known.get(id);
  }

  /**
   * Sorted by id, for the hard state (which every commit hands out again): the same frozen array
   * until the map changes, so an unchanged map costs nothing and compares by identity.
   */
  list(): readonly PeerIncarnation[] {
    if (this.listed !== null && this.listedVersion === this.version) return this.listed;
    const out = [...this.known].map(([id, incarnation]) => Object.freeze({ id, incarnation }));
    out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.listed = Object.freeze(out);
    this.listedVersion = this.version;
    return this.listed;
  }
}

/**
 * First seen wins: a message from an id heard under another incarnation is dropped (a blank node
 * under a used id must not vote, acknowledge or lead), and its sender is told why. The map change
 * goes out in the next Ready's hard state, persisted before any message that relied on it.
 */
export function admitted(core: NodeCore, m: Message): boolean {
  const admission = core.peers.admit(m.from, m.incarnation);
  if (admission === 'known' || admission === 'new') return true;
  if (admission === 'stale' && m.type !== 'staleIncarnation') {
    core.send({ type: 'staleIncarnation', to: m.from, rejected: m.incarnation });
  }
  return false;
}

/** The configured incarnation; it must be the one the persisted state belongs to, when that names one. */
export function checkedIncarnation(configured: Incarnation | undefined, persisted: Incarnation | undefined): Incarnation {
  const incarnation = configured ?? DEFAULT_INCARNATION;
  if (!isIncarnation(incarnation)) {
    throw new CairnError('CAIRN_INVALID_ARGUMENT', `raft: incarnation must be 16 lowercase hex digits, got ${String(incarnation)}`);
  }
  if (persisted !== undefined && persisted !== incarnation) {
    throw new CairnError('CAIRN_INVALID_ARGUMENT', `raft: the persisted state belongs to incarnation ${persisted}, not ${incarnation}`);
  }
  return incarnation;
}

export function checkedPeerIncarnations(list: readonly PeerIncarnation[], selfId: NodeId): readonly PeerIncarnation[] {
  if (!Array.isArray(list) || list.length > PEER_INCARNATIONS_MAX) {
    throw new CairnError('CAIRN_INVALID_ARGUMENT', `raft: persisted peer incarnations must be a list of at most ${PEER_INCARNATIONS_MAX}`);
  }
  const seen = new Set<NodeId>();
  for (const { id, incarnation } of list) {
    if (typeof id !== 'string' || id.length === 0 || id === selfId || seen.has(id) || !isIncarnation(incarnation)) {
      throw new CairnError('CAIRN_INVALID_ARGUMENT', `raft: persisted peer incarnation for ${String(id)} is invalid`);
    }
    seen.add(id);
  }
  return list;
}

export class IncarnationGossip {
  /** What the last passing-on went out for (role, leader, map version), and when. */
  private role: Role | null = null;
  private leader: NodeId | null = null;
  private version = -1;
  private atTick = 0;

  constructor(private readonly core: NodeCore) {}

  /**
   * When the map, the role or the leader changed, and again every election timeout (a message may
   * be lost); only with someone to tell. Called by hasReady(): allocates nothing.
   */
  due(): boolean {
    const core = this.core;
    if (core.peers.size === 0) return false;
    const { role, leaderId, nowTicks } = core.state;
    if (role === 'leader') {
      const { voters, learners } = core.members.current();
      const self = voters.includes(core.id) || learners.includes(core.id) ? 1 : 0;
      if (voters.length + learners.length - self === 0) return false;
    } else if (role !== 'follower' || leaderId === null) {
      return false;
    }
    return this.version !== core.peers.version || this.role !== role || this.leader !== leaderId ||
      nowTicks - this.atTick >= core.settings.electionTimeoutTicks;
  }

  /** Passes the map on now. */
  send(): void {
    const core = this.core;
    this.role = core.state.role;
    this.leader = core.state.leaderId;
    this.version = core.peers.version;
    this.atTick = core.state.nowTicks;
    const peers = core.peers.list();
    for (const to of this.targets()) core.send({ type: 'incarnations', to, peers });
  }

  /**
   * A leader tells every member, a follower its leader: followers never hear from each other
   * outside elections, so what one of them saw reaches the others through the leader.
   */
  private targets(): NodeId[] {
    const { role, leaderId } = this.core.state;
    if (role === 'leader') return peersOf(this.core.members.current(), this.core.id);
    return role === 'follower' && leaderId !== null ? [leaderId] : [];
  }
}
