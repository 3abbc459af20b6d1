// One client's side of pub/sub: its channel, pattern and shard-channel subscriptions (subscribe
// mode: in RESP2 only the subscribe commands, PING, QUIT and RESET may run), the replies of the
// subscribe commands, and `push`, the one path by which frames reach a client out of band (pub/sub
// messages, and for tracking and watches too), which enforces client-output-buffer-limit: a
// client whose unsent bytes reach the hard limit, or stay at the soft limit longer than its
// seconds, is disconnected, as Redis does, so a subscriber that stops reading costs bounded memory.

import { bulkReply, errorReply, integerReply, NULL, type Reply } from '../lib/reply.js';
import type { OutputBufferLimit } from './pubsub-config.js';
import type { Subscriber, SubscriptionKind } from './pubsub-registry.js';
import type { Session } from './session.js';

/** What RESP2's subscribe mode lets a client run. */
const ALLOWED_SUBSCRIBED = new Set(['subscribe', 'ssubscribe', 'psubscribe', 'unsubscribe', 'sunsubscribe', 'punsubscribe', 'ping', 'quit', 'reset']);

/** The reply names of each kind's subscribe and unsubscribe. */
const VERBS: Record<SubscriptionKind, readonly [Reply, Reply]> = {
  channel: [bulkReply('subscribe'), bulkReply('unsubscribe')],
  pattern: [bulkReply('psubscribe'), bulkReply('punsubscribe')],
  shard: [bulkReply('ssubscribe'), bulkReply('sunsubscribe')],
};

export class ClientPubsub implements Subscriber {
  private readonly names: Record<SubscriptionKind, Set<string>> = { channel: new Set(), pattern: new Set(), shard: new Set() };
  /** When the client's unsent bytes first reached the soft limit (and stayed there since). */
  private softSinceMs: number | undefined;

  constructor(private readonly session: Session) {}

  /** Channels and patterns (what SUBSCRIBE's and PSUBSCRIBE's replies count). */
  get subscriptions(): number {
    return this.names.channel.size + this.names.pattern.size;
  }

  count(kind: SubscriptionKind): number {
    return this.names[kind].size;
  }

  /** The names subscribed to of one kind (ACL checks them when the user's channels change). */
  list(kind: SubscriptionKind): ReadonlySet<string> {
    return this.names[kind];
  }

  /** Subscribed to anything: Redis's CLIENT_PUBSUB flag (subscribe mode in RESP2, the pubsub buffer class). */
  get subscribed(): boolean {
    return this.subscriptions + this.names.shard.size > 0;
  }

  /** Redis's refusal of a command a RESP2 client in subscribe mode may not run (full name: 'client|id'). */
  refuses(name: string): Reply | undefined {
    if (this.session.protocol !== 2 || !this.subscribed || ALLOWED_SUBSCRIBED.has(name)) return undefined;
    return errorReply(`ERR Can't execute '${name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`);
  }

  /** (P|S)SUBSCRIBE: one reply per name, each with the count after it. */
  subscribe(kind: SubscriptionKind, names: readonly Uint8Array[]): Reply {
    const registry = this.session.context.pubsub;
    const items = names.map((bytes) => {
      const name = Buffer.from(bytes).toString('latin1');
      if (registry.add(kind, name, this)) this.names[kind].add(name);
      return this.confirmation(kind, 0, bulkReply(bytes));
    });
    return { type: 'replies', items };
  }

  /** (P|S)UNSUBSCRIBE: the names given, or every one of the kind; a null name when there was none. */
  unsubscribe(kind: SubscriptionKind, names: readonly Uint8Array[]): Reply {
    const given = names.map((bytes) => Buffer.from(bytes).toString('latin1'));
    const all = given.length === 0 ? [...this.names[kind]] : given;
    if (all.length === 0) return this.confirmation(kind, 1, NULL);
    return { type: 'replies', items: all.map((name) => {
      this.leave(kind, name);
      return this.confirmation(kind, 1, bulkReply(Buffer.from(name, 'latin1')));
    }) };
  }

  /** Leaves every subscription silently (the client closed, or RESET). */
  leaveAll(): void {
    for (const kind of ['channel', 'pattern', 'shard'] as const) for (const name of this.names[kind]) this.leave(kind, name);
    this.softSinceMs = undefined;
  }

  /** The reply of a command applied in EXEC's entry: PUBLISH's counts this node's receivers, as on its own. */
  entryReply(argv: readonly Uint8Array[], reply: Reply): Reply {
    if (reply.type !== 'integer') return reply;
    const name = Buffer.from(argv[0]!).toString('latin1').toLowerCase();
    if (name !== 'publish' && name !== 'spublish') return reply;
    return integerReply(this.session.context.pubsub.receivers(argv[1]!, name === 'spublish'));
  }

  /** `afterReplies`: after the replies of the turn in flight too (a tracking invalidation, Peer.push). */
  push(frame: Reply, afterReplies = false): void {
    const peer = this.session.peer;
    peer.push(frame, afterReplies);
    const limits = this.session.context.settings.outputBufferLimits;
    if (this.overLimit(this.subscribed ? limits.pubsub : limits.normal, peer.outputBufferBytes())) {
      console.error(`cairn server: client id=${this.session.id} addr=${peer.addr} closed for overcoming of output buffer limits`);
      this.leaveAll();
      peer.destroy();
    }
  }

  private overLimit(limit: OutputBufferLimit, usedBytes: number): boolean {
    if (limit.hardBytes > 0 && usedBytes >= limit.hardBytes) return true;
    if (limit.softBytes === 0 || usedBytes < limit.softBytes) {
      this.softSinceMs = undefined;
      return false;
    }
    const nowMs = this.session.context.clock.nowMs();
    this.softSinceMs ??= nowMs;
    return nowMs - this.softSinceMs > limit.softSeconds * 1000;
  }

  private leave(kind: SubscriptionKind, name: string): void {
    this.names[kind].delete(name);
    this.session.context.pubsub.remove(kind, name, this);
  }

  private confirmation(kind: SubscriptionKind, verb: 0 | 1, name: Reply): Reply {
    const count = kind === 'shard' ? this.names.shard.size : this.subscriptions;
    return { type: 'push', items: [VERBS[kind][verb], name, integerReply(count)] };
  }
}
