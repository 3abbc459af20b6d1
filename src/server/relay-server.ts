// The leader's side of CAIRN.RELAY (cluster-relay.ts has the follower's), served only to members on
// the peer links (a client sending it hears RELAY_FROM_CLIENT): refuses a relay from
// another cluster or build, checks each entry as a client's own write (relay-guard.ts), and
// proposes it only while this node's term is the one the follower sent — so a relayed entry, if
// appended at all, sits in exactly that term, which is what lets the follower settle a relay whose
// answer was lost from its own applied log (relay-waiters.ts).

import { Buffer } from 'node:buffer';
import { CairnError } from '../lib/errors.js';
import { errorReply, type Reply } from '../lib/reply.js';
import { decodeEntry } from '../kv/entry.js';
import { lookupCommand } from '../kv/commands.js';
import type { WriteEntry } from './backend.js';
import { encodeRelayResult, relayClusterArgument, type RelayOutcome } from './cluster-relay.js';
import type { ClusterTopology } from './cluster-topology.js';
import type { MemoryGuard } from './memory-guard.js';
import { refuseRelayedCommands } from './relay-guard.js';

/** What a client sending CAIRN.RELAY hears: only members relay, on the peer links (runtime/cluster/call-server.ts). */
export const RELAY_FROM_CLIENT = 'ERR CAIRN.RELAY is internal: followers relay writes to the leader over the authenticated peer links, never a client connection';

export interface RelayServerDeps {
  readonly topology: ClusterTopology;
  readonly memory: MemoryGuard | undefined;
  readonly isLeader: () => boolean;
  /** Proposes on this leader, keeping the tag, appended only in `term`; 'retry' when never appended. */
  readonly propose: (entry: WriteEntry, relayed: { readonly tag: Uint8Array | undefined; readonly term: number }) => Promise<RelayOutcome>;
}

export class RelayServer {
  constructor(private readonly deps: RelayServerDeps) {}

  /**
   * The leader's side of `CAIRN.RELAY 2:<cluster-id> <term> <entry>...`: refuse a relay from
   * another cluster (or build), then check and propose each entry in order, answering one result
   * each. An entry is checked as a client's own write would be (relay-guard.ts): no internal
   * commands, arity kept; and it is appended only while this node's term is the one sent with it.
   */
  async serve(args: readonly Uint8Array[]): Promise<Reply> {
    const clusterArgument = Buffer.from(args[0]!).toString('utf8');
    if (clusterArgument !== relayClusterArgument(this.deps.topology.clusterId)) {
      return errorReply(`ERR CAIRN.RELAY from cluster '${clusterArgument.slice(0, 64)}' refused: this node is in cluster '${this.deps.topology.clusterId}' (relay format ${relayClusterArgument('')})`);
    }
    if (args.length % 2 !== 1) return errorReply('ERR CAIRN.RELAY wants a term before each entry');
    const results: Promise<Reply>[] = [];
    for (let i = 1; i < args.length; i += 2) results.push(this.serveRelayed(args[i]!, args[i + 1]!));
    return { type: 'array', items: await Promise.all(results) };
  }

  /** One relayed entry: checked, then proposed in the same turn as its term is compared (so it lands in that term). */
  private async serveRelayed(termArg: Uint8Array, bytes: Uint8Array): Promise<Reply> {
    try {
      const term = parseRelayTerm(termArg);
      const decoded = decodeEntry(bytes);
      const refused = refuseRelayedCommands(decoded.commands);
      if (refused !== undefined) return encodeRelayResult({ error: refused });
      this.noteRelayedAccess(decoded.commands, decoded.dbs);
      if (!this.deps.isLeader()) return encodeRelayResult({ error: new CairnError('CAIRN_NOT_LEADER', 'not the leader') });
      const current = this.deps.topology.raft.term();
      if (current !== term) return encodeRelayResult({ staleTerm: current });
      const entry = { commands: decoded.commands, watches: decoded.watches ?? [], ...(decoded.dbs === undefined ? {} : { dbs: decoded.dbs }) };
      const outcome = await this.deps.propose(entry, { tag: decoded.relayTag, term });
      if (outcome.kind !== 'replies') return encodeRelayResult({ error: new CairnError('CAIRN_NOT_LEADER', 'not the leader') });
      return encodeRelayResult({ replies: outcome.replies });
    } catch (error) {
      return encodeRelayResult({ error });
    }
  }

  /** A follower's client wrote these keys: the leader's LRU clock notes them as its own clients' (memory-guard.ts). */
  private noteRelayedAccess(commands: readonly (readonly Uint8Array[])[], dbs: readonly number[] | undefined): void {
    const memory = this.deps.memory;
    if (memory === undefined) return;
    commands.forEach((argv, i) => {
      const spec = lookupCommand(argv[0]!);
      if (spec !== undefined) memory.noteAccess(spec, argv, dbs?.[i] ?? 0);
    });
  }
}

/** The term a relayed entry asks for, as the leader reads it: a positive integer. */
function parseRelayTerm(arg: Uint8Array): number {
  const text = Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength).toString('latin1');
  const term = /^[1-9][0-9]{0,15}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(term)) throw new CairnError('CAIRN_INVALID_ARGUMENT', `relayed entry refused: bad term '${text.slice(0, 32)}'`);
  return term;
}
