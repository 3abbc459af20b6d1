// Incarnations: every data directory has a random 64-bit id made when it is first initialised
// (`RaftConfig.incarnation`), and every message carries its sender's. PeerIncarnations is what one
// node remembers of the others: the incarnation it first heard from each peer id ("first seen
// wins"), durable in its hard state. A message from a known id under another incarnation comes
// from a node that lost its data and restarted under the same id; it is dropped — a blank node
// must not vote, acknowledge or lead in place of the node whose promises it forgot.

import { assert } from '../lib/assert.js';
import { PEER_INCARNATIONS_MAX } from '../lib/limits.js';
import type { Incarnation, NodeId, PeerIncarnation } from './types.js';

/** The incarnation of a node given none: tests and benches whose nodes never lose their state. */
export const DEFAULT_INCARNATION: Incarnation = '0000000000000000';
/** Most peer ids one node remembers; a message from a new id past this is dropped. */
export const MAX_PEER_INCARNATIONS = PEER_INCARNATIONS_MAX;

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
    assert(persisted.length <= MAX_PEER_INCARNATIONS, 'persisted peer incarnations within the cap');
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
    if (this.known.size >= MAX_PEER_INCARNATIONS) return 'full';
    this.known.set(id, incarnation);
    this.version++;
    return 'new';
  }

  /** Takes on what a leader knows, for ids this node knows nothing of (first seen still wins). */
  adoptFrom(list: readonly PeerIncarnation[], selfId: NodeId): void {
    for (const { id, incarnation } of list) {
      if (id === selfId || this.known.has(id)) continue;
      if (this.known.size >= MAX_PEER_INCARNATIONS) return;
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
