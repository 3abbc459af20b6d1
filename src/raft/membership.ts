// Cluster membership: the encoding of CONFIG entries, one-server-at-a-time changes, and the
// history of configurations in the log (the latest one is in effect, committed or not, and a
// truncated CONFIG entry rolls the membership back).

import { assert } from '../lib/assert.js';
import { CLUSTER_MEMBERS_MAX } from '../lib/limits.js';
import type { ConfChange, Membership, NodeId } from './types.js';

/** A node id's length in UTF-16 code units. */
export const NODE_ID_LENGTH_MAX = 256;

export function isVoter(membership: Membership, id: NodeId): boolean {
  return membership.voters.includes(id);
}

export function isMember(membership: Membership, id: NodeId): boolean {
  return membership.voters.includes(id) || membership.learners.includes(id);
}

/** The members other than `self`, voters first. */
export function peersOf(membership: Membership, self: NodeId): NodeId[] {
  return [...membership.voters, ...membership.learners].filter((id) => id !== self);
}

export function makeMembership(voters: readonly NodeId[], learners: readonly NodeId[] = []): Membership {
  const membership = { voters: [...voters].sort(), learners: [...learners].sort() };
  checkMembership(membership);
  return membership;
}

function checkMembership(m: Membership): void {
  assert(m.voters.length + m.learners.length <= CLUSTER_MEMBERS_MAX, 'membership: too many members');
  const all = new Set([...m.voters, ...m.learners]);
  assert(all.size === m.voters.length + m.learners.length, 'membership: duplicate or overlapping ids');
  for (const id of all) assert(id.length > 0 && id.length <= NODE_ID_LENGTH_MAX, 'membership: bad node id');
}

/** The membership after one change, or an error text when the change makes no sense. */
export function applyChange(m: Membership, change: ConfChange): Membership | string {
  const id = change.nodeId;
  if (typeof id !== 'string' || id.length === 0 || id.length > NODE_ID_LENGTH_MAX) return 'bad node id';
  const voters = m.voters.filter((v) => v !== id);
  const learners = m.learners.filter((l) => l !== id);
  switch (change.type) {
    case 'addVoter':
      if (isVoter(m, id)) return `${id} is already a voter`;
      if (m.learners.includes(id)) return `${id} is a learner: promote it`;
      return makeMembership([...voters, id], learners);
    case 'addLearner':
      if (isMember(m, id)) return `${id} is already a member`;
      return makeMembership(voters, [...learners, id]);
    case 'promoteLearner':
      if (!m.learners.includes(id)) return `${id} is not a learner`;
      return makeMembership([...voters, id], learners);
    case 'removeNode':
      if (!isMember(m, id)) return `${id} is not a member`;
      if (isVoter(m, id) && m.voters.length === 1) return 'cannot remove the last voter';
      return makeMembership(voters, learners);
    default:
      return 'unknown change type';
  }
}

export function encodeMembership(m: Membership): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ voters: m.voters, learners: m.learners }));
}

export function decodeMembership(data: Uint8Array): Membership {
  const parsed: unknown = JSON.parse(new TextDecoder().decode(data));
  assert(typeof parsed === 'object' && parsed !== null, 'membership: not an object');
  const { voters, learners } = parsed as { voters?: unknown; learners?: unknown };
  assert(Array.isArray(voters) && voters.every((v) => typeof v === 'string'), 'membership: bad voters');
  assert(Array.isArray(learners) && learners.every((v) => typeof v === 'string'), 'membership: bad learners');
  return makeMembership(voters as string[], learners as string[]);
}

/** The configurations in the log: the one at the snapshot, then one per CONFIG entry after it. */
export class MembershipHistory {
  /** Ascending by index; [0] is the snapshot's membership. Never empty. */
  private configs: { index: number; membership: Membership }[];

  constructor(snapshotIndex: number, membership: Membership) {
    this.configs = [{ index: snapshotIndex, membership }];
  }

  /** The membership in effect: the latest in the log, committed or not. */
  current(): Membership {
    return this.configs[this.configs.length - 1]!.membership;
  }

  /** The log index of the latest CONFIG entry (or the snapshot index). */
  currentIndex(): number {
    return this.configs[this.configs.length - 1]!.index;
  }

  /** The membership in effect at log index `index`. */
  at(index: number): Membership {
    assert(index >= this.configs[0]!.index, 'membership: index before the snapshot');
    let found = this.configs[0]!.membership;
    for (const config of this.configs) if (config.index <= index) found = config.membership;
    return found;
  }

  add(index: number, membership: Membership): void {
    assert(index > this.currentIndex(), 'membership: configs must be appended in log order');
    this.configs.push({ index, membership });
  }

  /** The log was truncated from `index`: configurations at or after it are gone. */
  truncateFrom(index: number): void {
    while (this.configs.length > 1 && this.configs[this.configs.length - 1]!.index >= index) this.configs.pop();
    assert(this.configs[0]!.index < index, 'membership: truncating the snapshot configuration');
  }

  /** The log was compacted up to `index`: its membership becomes the base. */
  compactTo(index: number): void {
    const base = this.at(index);
    this.configs = [{ index, membership: base }, ...this.configs.filter((c) => c.index > index)];
  }

  /** The log was replaced by a snapshot. */
  reset(index: number, membership: Membership): void {
    this.configs = [{ index, membership }];
  }
}
