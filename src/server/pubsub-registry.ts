// This node's pub/sub subscriptions: channel → subscribers, pattern → subscribers and shard channel
// → subscribers (each kept in subscription order, as Redis's lists), delivery of one published
// message to every matching subscriber of this node as push frames (message, pmessage, smessage),
// and the counts PUBSUB and PUBLISH report. Names are the channels' bytes as latin1 strings.

import { bulkReply, type Reply } from '../lib/reply.js';
import { globMatch } from '../kv/glob.js';

export type SubscriptionKind = 'channel' | 'pattern' | 'shard';

/** A client that can be sent frames (pubsub-client.ts). */
export interface Subscriber {
  push(frame: Reply): void;
}

const MESSAGE = bulkReply('message');
const PMESSAGE = bulkReply('pmessage');
const SMESSAGE = bulkReply('smessage');

export class PubsubRegistry {
  private readonly byKind: Record<SubscriptionKind, Map<string, Set<Subscriber>>> = { channel: new Map(), pattern: new Map(), shard: new Map() };
  /** Each subscribed pattern's bytes, matched against every published channel. */
  private readonly patternBytes = new Map<string, Buffer>();

  /** Adds a subscription; false when the subscriber already had it. */
  add(kind: SubscriptionKind, name: string, subscriber: Subscriber): boolean {
    const map = this.byKind[kind];
    let subscribers = map.get(name);
    if (subscribers === undefined) {
      map.set(name, (subscribers = new Set()));
      if (kind === 'pattern') this.patternBytes.set(name, Buffer.from(name, 'latin1'));
    }
    if (subscribers.has(subscriber)) return false;
    subscribers.add(subscriber);
    return true;
  }

  /** Removes a subscription; false when the subscriber did not have it. */
  remove(kind: SubscriptionKind, name: string, subscriber: Subscriber): boolean {
    const map = this.byKind[kind];
    const subscribers = map.get(name);
    if (subscribers === undefined || !subscribers.delete(subscriber)) return false;
    if (subscribers.size === 0) {
      map.delete(name);
      this.patternBytes.delete(name);
    }
    return true;
  }

  /** Whether anyone on this node is subscribed to anything (delivery's fast path). */
  get empty(): boolean {
    return this.byKind.channel.size === 0 && this.byKind.pattern.size === 0 && this.byKind.shard.size === 0;
  }

  /**
   * Sends a message to this node's subscribers: a shard message to the shard channel's, otherwise
   * the channel's (in subscription order), then each matching pattern's. Returns how many got it.
   */
  deliver(channel: Uint8Array, message: Uint8Array, shard: boolean): number {
    const name = Buffer.from(channel).toString('latin1');
    if (shard) return this.send(this.byKind.shard.get(name), { type: 'push', items: [SMESSAGE, bulkReply(channel), bulkReply(message)] });
    let count = this.send(this.byKind.channel.get(name), { type: 'push', items: [MESSAGE, bulkReply(channel), bulkReply(message)] });
    for (const [pattern, subscribers] of this.byKind.pattern) {
      const bytes = this.patternBytes.get(pattern)!;
      if (globMatch(bytes, channel)) count += this.send(subscribers, { type: 'push', items: [PMESSAGE, bulkReply(bytes), bulkReply(channel), bulkReply(message)] });
    }
    return count;
  }

  /** How many subscribers of this node a message on `channel` reaches now (PUBLISH's reply). */
  receivers(channel: Uint8Array, shard: boolean): number {
    const name = Buffer.from(channel).toString('latin1');
    if (shard) return this.byKind.shard.get(name)?.size ?? 0;
    let count = this.byKind.channel.get(name)?.size ?? 0;
    for (const [pattern, subscribers] of this.byKind.pattern) if (globMatch(this.patternBytes.get(pattern)!, channel)) count += subscribers.size;
    return count;
  }

  /** PUBSUB CHANNELS / SHARDCHANNELS: the active names matching `pattern` (all without one). */
  names(kind: 'channel' | 'shard', pattern: Uint8Array | undefined): string[] {
    const names = [...this.byKind[kind].keys()];
    return pattern === undefined ? names : names.filter((name) => globMatch(pattern, Buffer.from(name, 'latin1')));
  }

  /** PUBSUB NUMSUB / SHARDNUMSUB: a name's subscriber count. */
  count(kind: 'channel' | 'shard', name: string): number {
    return this.byKind[kind].get(name)?.size ?? 0;
  }

  /** PUBSUB NUMPAT: how many distinct patterns have subscribers. */
  get patternCount(): number {
    return this.byKind.pattern.size;
  }

  /** INFO's pubsub_channels / pubsubshard_channels. */
  channelCount(kind: 'channel' | 'shard'): number {
    return this.byKind[kind].size;
  }

  private send(subscribers: Set<Subscriber> | undefined, frame: Reply): number {
    if (subscribers === undefined) return 0;
    // A subscriber closed for its output buffer leaves the set later, when its socket has closed.
    const count = subscribers.size;
    for (const subscriber of subscribers) subscriber.push(frame);
    return count;
  }
}
