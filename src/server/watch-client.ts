// One client's watches (CAIRN.WATCH): at most one per pattern, each registered with the node's
// WatchHub, whose frames reach the client through the session's push path. A RESP2 client that
// watches is in watch mode, as a subscriber is in subscribe mode: its replies and the frames share
// one stream of arrays, so only CAIRN.WATCH, CAIRN.UNWATCH, PING, QUIT and RESET may run. Watches
// count against the pubsub class of client-output-buffer-limit: a watcher that stops reading is
// disconnected at its hard limit rather than growing the node's memory without bound.

import { Buffer } from 'node:buffer';
import { bulkReply, errorReply, integerReply, NULL, type Reply } from '../lib/reply.js';
import type { Watch, WatchHub } from './watch-hub.js';
import type { Session } from './session.js';

const ALLOWED_WATCHING = new Set(['cairn.watch', 'cairn.unwatch', 'ping', 'quit', 'reset']);

export class ClientWatches {
  private readonly watches = new Map<string, Watch>();

  constructor(private readonly session: Session) {}

  get count(): number {
    return this.watches.size;
  }

  /** The refusal of a command a RESP2 client in watch mode may not run. */
  refuses(name: string): Reply | undefined {
    if (this.session.protocol !== 2 || this.watches.size === 0 || ALLOWED_WATCHING.has(name)) return undefined;
    return errorReply(`ERR Can't execute '${name}': only CAIRN.WATCH / CAIRN.UNWATCH / PING / QUIT / RESET are allowed while watching`);
  }

  /** CAIRN.WATCH: the `watch` frame and the replayed changes, or an error (nothing started). */
  start(hub: WatchHub | undefined, pattern: Buffer, from: number | undefined, prevValue: boolean): Reply {
    if (hub === undefined) return errorReply('ERR this server keeps no change history');
    const name = pattern.toString('latin1');
    if (this.watches.has(name)) return errorReply(`ERR this connection already watches '${name}'`);
    const started = hub.start(pattern, { push: (frame) => this.push(frame) }, from, prevValue);
    if (started.watch !== undefined) this.watches.set(name, started.watch);
    return started.reply;
  }

  /** CAIRN.UNWATCH: stops the named watches (every one when none is named), one `unwatch` frame each. */
  stop(hub: WatchHub | undefined, patterns: readonly Buffer[]): Reply {
    const names = patterns.length === 0 ? [...this.watches.keys()] : patterns.map((p) => p.toString('latin1'));
    if (names.length === 0) return { type: 'push', items: [bulkReply('unwatch'), NULL, integerReply(0)] };
    return {
      type: 'replies',
      items: names.map((name) => {
        const watch = this.watches.get(name);
        if (watch !== undefined) hub?.stop(watch);
        this.watches.delete(name);
        return { type: 'push', items: [bulkReply('unwatch'), bulkReply(Buffer.from(name, 'latin1')), integerReply(this.watches.size)] };
      }),
    };
  }

  /** Stops every watch silently (the client closed, or RESET). */
  stopAll(): void {
    const hub = this.session.context.watches;
    for (const watch of this.watches.values()) hub?.stop(watch);
    this.watches.clear();
  }

  private push(frame: Reply): void {
    // A compacted frame ends its watch (the hub has dropped it already).
    if (frame.type === 'push' && frame.items[0]?.type === 'bulk' && Buffer.from(frame.items[0].value).toString() === 'compacted') {
      const pattern = frame.items[1];
      if (pattern?.type === 'bulk') this.watches.delete(Buffer.from(pattern.value).toString('latin1'));
    }
    this.session.push(frame);
    const limit = this.session.context.settings.outputBufferLimits.pubsub;
    if (limit.hardBytes > 0 && this.session.peer.outputBufferBytes() >= limit.hardBytes) {
      console.error(`cairn server: watching client id=${this.session.id} addr=${this.session.peer.addr} closed for overcoming of output buffer limits`);
      this.stopAll();
      this.session.peer.destroy();
    }
  }
}
