// What a replica starts from: the persisted state its storage holds or, for a brand-new node, the
// state it bootstraps (the founding voters of a new cluster, or no membership for a node joining a
// running one), always with an incarnation made durable before the node can send anything.

import { assert } from '../lib/assert.js';
import type { Prng } from '../lib/prng.js';
import { incarnationFromWords } from '../raft/incarnations.js';
import type { Incarnation, Membership, PersistedState } from '../raft/types.js';
import type { ReplicaStorage } from './ports.js';

export interface InitialStateOptions {
  /** The voters of a brand-new cluster; ignored when storage holds state. */
  readonly initialVoters: readonly string[];
  /** A brand-new node joining a running cluster: it starts with no membership and waits for the leader. */
  readonly join?: boolean;
  readonly prng: Prng;
  readonly newIncarnation?: () => Incarnation;
}

/** Loads the persisted state, or bootstraps and records it (a snapshot at index 0) so a restart finds it. */
export async function loadOrBootstrap(storage: ReplicaStorage, options: InitialStateOptions): Promise<PersistedState> {
  const loaded = await storage.load();
  const persisted = loaded ?? (options.join === true ? joiningState() : bootstrapState(options.initialVoters));
  if (loaded === null) await storage.compact(persisted.snapshot);
  return ensureIncarnation(storage, persisted, options);
}

/** True when `id` is the only voter: its own vote is a majority. */
export function isSoleVoter(membership: Membership, id: string): boolean {
  return membership.voters.length === 1 && membership.voters[0] === id;
}

/**
 * A data directory without an incarnation (blank, or written before incarnations) gets one now,
 * durably, before the node can send anything. Safe for an old directory: it is not blank, so the
 * node keeps every promise it made; its peers' maps are empty until they run this build too.
 */
async function ensureIncarnation(storage: ReplicaStorage, persisted: PersistedState, options: InitialStateOptions): Promise<PersistedState> {
  if (persisted.hardState.incarnation !== undefined) return persisted;
  const incarnation = options.newIncarnation?.() ?? incarnationFromWords(options.prng.nextUint32(), options.prng.nextUint32());
  const hardState = { ...persisted.hardState, incarnation };
  await storage.saveHardState(hardState);
  await storage.sync();
  return { ...persisted, hardState };
}

/** The persisted state of a node joining a running cluster: no membership until the leader's log or snapshot brings it. */
function joiningState(): PersistedState {
  return {
    hardState: { term: 0, votedFor: null, commitIndex: 0 },
    snapshot: { meta: { index: 0, term: 0, membership: { voters: [], learners: [] } }, data: new Uint8Array(0) },
    entries: [],
  };
}

/** The persisted state of a node of a brand-new cluster: an empty snapshot naming the voters. */
function bootstrapState(voters: readonly string[]): PersistedState {
  assert(voters.length > 0, 'a new cluster needs at least one voter');
  const sorted = [...voters].sort();
  return {
    hardState: { term: 0, votedFor: null, commitIndex: 0 },
    snapshot: { meta: { index: 0, term: 0, membership: { voters: sorted, learners: [] } }, data: new Uint8Array(0) },
    entries: [],
  };
}
