// What a member answers to calls from other members on the peer links (call.ts has the caller's
// side): exactly the internal commands members make of each other, and nothing a client could not
// already read or ask for besides CAIRN.RELAY and CLUSTER ANNOUNCE, which only members may send.
// The caller is the member the peer handshake proved (`from`): a member announces only its own
// client address. Every other command is answered with an error, unrun.

import { errorReply, type Reply } from '../../lib/reply.js';
import { arityError } from '../../kv/args.js';
import { clusterCommand } from '../../server/cluster-commands.js';
import type { ClusterTopology } from '../../server/cluster-topology.js';
import { encodeReplies } from '../../server/reply-codec.js';
import type { CallHandler } from '../peer/calls.js';
import { decodeArgv } from './call.js';

export interface MemberCallServing {
  readonly topology: ClusterTopology;
  /** The leader's side of CAIRN.RELAY (server/relay-server.ts), given the arguments after the name. */
  readonly relay: (args: readonly Uint8Array[]) => Promise<Reply>;
}

/** CLUSTER subcommands members call on each other, beside ANNOUNCE: what the start-up check, the removal watch and membership ask. */
const clusterSubcommands = new Set(['info', 'members', 'removenode', 'transfer']);

export function memberCallHandler(o: MemberCallServing): CallHandler {
  return async (from, payload) => encodeReplies([await serveMemberCall(o, from, decodeArgv(payload))]);
}

export function serveMemberCall(o: MemberCallServing, from: string, argv: readonly Uint8Array[]): Reply | Promise<Reply> {
  const name = text(argv[0]!).toLowerCase();
  if (name === 'cairn.relay') return argv.length < 2 ? arityError('cairn.relay') : o.relay(argv.slice(1));
  const sub = argv.length >= 2 ? text(argv[1]!).toLowerCase() : '';
  if (name === 'cluster' && sub === 'announce') return announce(o.topology, from, argv.slice(2).map(text));
  if (name === 'cluster' && clusterSubcommands.has(sub)) return clusterCommand(o.topology, argv);
  return errorReply(`ERR '${text(argv[0]!).slice(0, 64)}${sub === '' ? '' : ` ${sub.slice(0, 64)}`}' is not a call members make of each other`);
}

function announce(topology: ClusterTopology, from: string, args: readonly string[]): Reply | Promise<Reply> {
  if (args.length !== 2) return arityError('cluster|announce');
  if (args[0] !== from) return errorReply(`ERR member ${from} may announce only its own client address, not ${args[0]!.slice(0, 64)}'s`);
  const addresses = topology.addresses;
  if (addresses === undefined) return errorReply('ERR client addresses are not announced on this node');
  return addresses.announce(args[0]!, args[1]!);
}

function text(arg: Uint8Array): string {
  return Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength).toString('utf8');
}
