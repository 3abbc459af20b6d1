// PUBLISH and SPUBLISH as log entries: they change no key, but the entry records the message
// (key-events.ts's PublishedMessage), so every replica hands it to its own subscribers when the
// entry applies, in log order. The reply here is 0 on every replica alike (deterministic); the server
// answers the client with the number of subscribers on the node it asked (server/pubsub-commands.ts).

import { integerReply, type Reply } from '../lib/reply.js';
import type { CommandSpec, ExecContext } from './command-types.js';

const ZERO = integerReply(0);

function publisher(shard: boolean) {
  return (ctx: ExecContext, argv: readonly Uint8Array[]): Reply => {
    ctx.db.events?.publish(argv[1] as Uint8Array, argv[2] as Uint8Array, shard);
    return ZERO;
  };
}

export const PUBLISH_COMMANDS: readonly CommandSpec[] = [
  { name: 'publish', arity: 3, flags: ['write', 'fast'], firstKey: 0, lastKey: 0, keyStep: 0, group: 'pubsub', since: '2.0.0',
    summary: 'Posts a message to a channel.', complexity: 'O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).',
    handler: publisher(false) },
  { name: 'spublish', arity: 3, flags: ['write', 'fast'], firstKey: 0, lastKey: 0, keyStep: 0, group: 'pubsub', since: '7.0.0',
    summary: 'Post a message to a shard channel', complexity: 'O(N) where N is the number of clients subscribed to the receiving shard channel.',
    handler: publisher(true) },
];
