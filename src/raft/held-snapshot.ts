// The latest snapshot a node keeps for followers that are too far behind (§7). A node that is the
// only member keeps just its meta: nobody needs the data, which is a copy of the whole state (as
// big as the state itself) and is in storage anyway. Should a member join and need a snapshot,
// `wanted` says so and the caller compacts anew — a later snapshot, held now that there are members.

import type { MembershipHistory } from './membership.js';
import type { Membership, NodeId, Snapshot } from './types.js';

const NO_DATA = new Uint8Array(0);

export class HeldSnapshot {
  private snapshot: Snapshot;
  /** Whether `snapshot.data` is the real data (false: only the meta is kept). */
  private dataHeld: boolean;

  constructor(private readonly id: NodeId, private readonly members: MembershipHistory, snapshot: Snapshot) {
    this.snapshot = snapshot;
    this.dataHeld = true;
    this.hold(snapshot);
  }

  /** Keeps `snapshot` (made here, installed from the leader, or loaded); returns it as given. */
  hold(snapshot: Snapshot): Snapshot {
    const metaOnly = snapshot.meta.index > 0 && isAlone(this.members.current(), this.id);
    this.snapshot = metaOnly ? { meta: snapshot.meta, data: NO_DATA } : snapshot;
    this.dataHeld = !metaOnly;
    return snapshot;
  }

  /** The snapshot to send, or null while only its meta is kept. */
  get(): Snapshot | null {
    return this.dataHeld ? this.snapshot : null;
  }

  /** A member may need the snapshot whose data this node did not keep. */
  wanted(): boolean {
    return !this.dataHeld && !isAlone(this.members.current(), this.id);
  }
}

/** Whether `id` is the only voter and there are no learners. */
function isAlone(membership: Membership, id: NodeId): boolean {
  return membership.learners.length === 0 && membership.voters.length === 1 && membership.voters[0] === id;
}
