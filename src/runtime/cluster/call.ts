// Calls between members on the peer links (peer/calls.ts): the runtime's MemberCalls
// (server/cluster-relay-link.ts). A call is a command's argv; the answer its Reply in the lossless
// reply codec (server/reply-codec.ts). The follower's relay to the leader, a leader removing itself
// asking its successor to propose the removal, CLUSTER FAILOVER asking the leader for a transfer,
// a member announcing its client address, a removed node asking whether it was removed, and a node
// starting with a blank data dir asking who the cluster says it is (startup-check.ts) all go this
// way: over connections whose handshake proved which member each end is, never a client port, so
// no password and no reachable client port are needed, and no client can make them.

import { CairnError } from '../../lib/errors.js';
import type { Reply } from '../../lib/reply.js';
import { RelayNotSentError, type MemberCalls } from '../../server/cluster-relay-link.js';
import { decodeReplies } from '../../server/reply-codec.js';
import { CallNotSentError } from '../peer/calls.js';
import { BufferSink, corrupt, SizeSink, WireReader } from '../peer/wire.js';

/** Most arguments in one call: a relay of its largest batch (a term and an entry each) and then some. */
export const CALL_ARGS_MAX = 1 << 20;

/** What MemberCaller needs of the transport. */
export interface CallTransport {
  call(to: string, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array>;
}

export class MemberCaller implements MemberCalls {
  constructor(private readonly transport: CallTransport) {}

  async call(to: string, argv: readonly Uint8Array[], timeoutMs: number): Promise<Reply> {
    let answer: Uint8Array;
    try {
      answer = await this.transport.call(to, encodeArgv(argv), timeoutMs);
    } catch (error) {
      if (error instanceof CallNotSentError) throw new RelayNotSentError(`cannot call ${to}: ${error.message}`);
      throw error;
    }
    const replies = decodeReplies(answer);
    if (replies.length !== 1) throw new CairnError('CAIRN_CORRUPT', `${to} answered a call with ${replies.length} replies`);
    return replies[0]!;
  }
}

/** Sends argv (as text) to member `to`; a failure to reach it, or no answer within timeoutMs, throws. */
export function callMember(calls: MemberCalls, to: string, argv: readonly string[], timeoutMs: number): Promise<Reply> {
  return calls.call(to, argv.map((arg) => Buffer.from(arg)), timeoutMs);
}

/** u32 count, then each argument as u32 length and bytes. */
export function encodeArgv(argv: readonly Uint8Array[]): Buffer {
  if (argv.length === 0 || argv.length > CALL_ARGS_MAX) throw new CairnError('CAIRN_INVALID_ARGUMENT', `a call has 1..${CALL_ARGS_MAX} arguments, got ${argv.length}`);
  const sizer = new SizeSink();
  sizer.u32();
  for (const arg of argv) sizer.bytes(arg);
  const sink = new BufferSink(Buffer.allocUnsafe(sizer.size));
  sink.u32(argv.length);
  for (const arg of argv) sink.bytes(arg);
  return sink.buffer;
}

/** The argv of a call, checked whole; throws CAIRN_CORRUPT when malformed. */
export function decodeArgv(payload: Uint8Array): Uint8Array[] {
  const r = new WireReader(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
  const count = r.count(4, CALL_ARGS_MAX, 4, 'argc');
  if (count === 0) throw corrupt('a call without arguments');
  const argv: Uint8Array[] = [];
  for (let i = 0; i < count; i++) argv.push(r.bytes('arg'));
  r.end('call arguments');
  return argv;
}
