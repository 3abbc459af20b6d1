// One client's watches (CAIRN.WATCH): at most one per pattern, each registered with the node's
// WatchHub, whose frames reach the client through the session's push path. A RESP2 client that
// watches is in watch mode, as a subscriber is in subscribe mode: its replies and the frames share
// one stream of arrays, so only CAIRN.WATCH, CAIRN.UNWATCH, PING, QUIT and RESET may run.
// A client holding UNSYNC_BYTES not yet taken (or half the pubsub class's hard limit of
// client-output-buffer-limit, when that is lower) is backlogged: the hub stops pushing to its
// watches, which catch up from the history once it drains (watch-hub.ts), so a slow watcher holds
// about that much and is not disconnected. The hard limit still closes a client past it (a RESP3
// client's own replies count too).

import { Buffer } from 'node:buffer';
import { bulkReply, errorReply, integerReply, NULL, type Reply } from '../lib/reply.js';
import type { Watch, WatchHub } from './watch-hub.js';
import type { Session } from './session.js';

/** Bytes a watching client may hold not yet taken before its watches stop being pushed to. */
export const UNSYNC_BYTES = 64 * 1024;

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
    const sink = {
      push: (frame: Reply) => this.push(frame),
      backlogged: () => this.session.peer.outputBufferBytes() >= this.unsyncBytes(),
      drained: () => this.session.peer.outputBufferBytes() < this.unsyncBytes() / 2,
      onDrained: (listener: () => void) => this.session.peer.onDrained?.(listener),
    };
    const started = hub.start(pattern, sink, from, prevValue);
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

  /** The backlog at which this client's watches stop being pushed to: UNSYNC_BYTES, or half the hard limit if lower. */
  private unsyncBytes(): number {
    const hardBytes = this.session.context.settings.outputBufferLimits.pubsub.hardBytes;
    return hardBytes > 0 ? Math.min(UNSYNC_BYTES, hardBytes / 2) : UNSYNC_BYTES;
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
