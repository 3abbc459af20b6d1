// Which of this node's clients wrote an applied entry, for CLIENT TRACKING's NOLOOP: only the node
// a writing connection is on can know, and it learns it two ways. An entry it proposes itself (it
// leads) is applied from the very commands the session wrote (KvMachine.encodeProposal), so the
// commands array identifies the writer; an entry it relays to the leader carries the relay's tag
// (kv/entry.ts), which comes back in the entry this node applies. Entries relayed to this node by a
// follower, and Cairn's own writes (expiry, eviction), have no writer here.

import type { Entry } from '../kv/entry.js';

/** Bound on relayed writes remembered (the relay queue holds at most 100,000 entries). */
const relayedMax = 100_000;

export class WriteOrigins {
  private readonly proposed = new WeakMap<object, number>();
  /** latin1 relay tag → client id, oldest first; forgotten when its entry's events are seen or past the bound. */
  private readonly relayed = new Map<string, number>();
  /** The last entry asked about and its answer: every keyEvents listener asks of the same entry. */
  private lastEntry: Entry | undefined;
  private lastWriter: number | undefined;

  /** This node proposes `commands` (a WriteEntry's own array) for `client`. */
  propose(commands: object, client: number | undefined): void {
    if (client !== undefined) this.proposed.set(commands, client);
  }

  /** This node relays an entry for `client` under `tag`. */
  relay(tag: Uint8Array, client: number | undefined): void {
    if (client === undefined) return;
    if (this.relayed.size >= relayedMax) this.relayed.delete(this.relayed.keys().next().value!);
    this.relayed.set(Buffer.from(tag).toString('latin1'), client);
  }

  /** The client of this node that wrote `entry`, if one did. */
  writerOf(entry: Entry | undefined): number | undefined {
    if (entry === undefined) return undefined;
    if (this.lastEntry !== entry) {
      this.lastEntry = entry;
      this.lastWriter = this.find(entry);
    }
    return this.lastWriter;
  }

  private find(entry: Entry): number | undefined {
    const local = this.proposed.get(entry.commands);
    if (local !== undefined || entry.relayTag === undefined) return local;
    const tag = Buffer.from(entry.relayTag).toString('latin1');
    const relayed = this.relayed.get(tag);
    this.relayed.delete(tag);
    return relayed;
  }
}
