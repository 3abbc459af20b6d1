// Majority arithmetic, pure: the highest index a majority of voters has, and the outcome of a vote.

import { assert } from '../lib/assert.js';
import type { NodeId } from './types.js';

export function majority(voterCount: number): number {
  assert(voterCount > 0, 'quorum: no voters');
  return Math.floor(voterCount / 2) + 1;
}

/** The largest index that at least a majority of `voters` has reached (matchOf gives each voter's). */
export function committedIndex(voters: readonly NodeId[], matchOf: (id: NodeId) => number): number {
  assert(voters.length > 0, 'quorum: no voters');
  const matches = voters.map(matchOf).sort((a, b) => b - a);
  // Sorted descending, the majority-th largest is held by a majority.
  return matches[majority(voters.length) - 1]!;
}

export type VoteOutcome = 'won' | 'lost' | 'pending';

/** Tallies votes (true = granted) cast by members of `voters`; others are ignored. */
export function voteOutcome(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteOutcome {
  const needed = majority(voters.length);
  let granted = 0;
  let rejected = 0;
  for (const id of voters) {
    const vote = votes.get(id);
    if (vote === true) granted++;
    else if (vote === false) rejected++;
  }
  if (granted >= needed) return 'won';
  if (rejected > voters.length - needed) return 'lost';
  return 'pending';
}

/** True when `voters` that satisfy `ok` form a majority. */
export function hasQuorum(voters: readonly NodeId[], ok: (id: NodeId) => boolean): boolean {
  let count = 0;
  for (const id of voters) if (ok(id)) count++;
  return count >= majority(voters.length);
}
