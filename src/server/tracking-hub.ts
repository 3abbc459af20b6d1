// Client-side caching on this node: the sessions' hooks into the tracking table (a read's keys are
// remembered when the read is dispatched, CLIENT CACHING's flag lasts one command or transaction),
// and the invalidations the table computes for every applied entry's key events — which every node
// applies, so a tracking client hears of a change made through any node — framed as Redis frames
// them: a RESP3 `invalidate` push to the client or its REDIRECT target, a `__redis__:invalidate`
// pub/sub message to a RESP2 redirect target in subscribe mode, `tracking-redir-broken` to a RESP3
// client whose redirect target is gone, and nothing for RESP2 without a redirect (Redis drops it).
//
// Remembering at dispatch, not when the read is served: a change applied between the two is then
// told too, and since push frames go out after the replies already owed (the connection orders
// them), a client never caches a value older than the last invalidation it got.

import { bulkReply, integerReply, type Reply } from '../lib/reply.js';
import type { KeyEvent } from '../kv/key-events.js';
import type { TableEntry } from './command-table.js';
import { readKeys } from './tracking-keys.js';
import { TrackingTable, type Delivery } from './tracking-table.js';

/** What the hub needs of a session. */
export interface TrackedClient {
  readonly id: number;
  readonly protocol: 2 | 3;
  readonly inMulti: boolean;
}

export interface TrackingHubDeps<C extends TrackedClient> {
  /** The connected client with this id, if any. */
  client(id: number): C | undefined;
  /** Sends a push frame (RESP3 `>`, RESP2 an array) to the client, after the replies it is owed. */
  push(client: C, items: readonly Reply[]): void;
  /** Whether a RESP2 client is in subscribe mode (Redis's CLIENT_PUBSUB). */
  subscribed(client: C): boolean;
  /** tracking-table-max-keys now. */
  maxKeys(): number;
}

const invalidate = bulkReply('invalidate');
const message = bulkReply('message');
const channel = bulkReply('__redis__:invalidate');
const redirBroken = bulkReply('tracking-redir-broken');

export class TrackingHub<C extends TrackedClient> {
  readonly table: TrackingTable;

  constructor(private readonly deps: TrackingHubDeps<C>) {
    this.table = new TrackingTable(() => deps.maxKeys());
  }

  /** Before `entry` runs outside MULTI: a read's keys are remembered; CLIENT CACHING's flag is spent by any command but CLIENT and MULTI (and EXEC's own hook). */
  beforeRun(client: C, entry: TableEntry, argv: readonly Uint8Array[]): void {
    if (!this.table.active) return;
    const mode = this.table.mode(client.id);
    if (mode === undefined) return;
    if (entry.kind === 'data' && !entry.write) this.remember(client, entry, argv);
    const name = entry.meta.name;
    if (name === 'discard' || (!client.inMulti && name !== 'multi' && name !== 'exec' && !name.startsWith('client|'))) mode.caching = false;
  }

  /** EXEC: the transaction's reads are remembered (with the CACHING flag given before MULTI), then the flag is spent. */
  beforeExec(client: C, queued: readonly { readonly entry: TableEntry; readonly argv: readonly Uint8Array[] }[]): void {
    const mode = this.table.mode(client.id);
    if (mode === undefined) return;
    for (const { entry, argv } of queued) if (entry.kind === 'data' && !entry.write) this.remember(client, entry, argv);
    mode.caching = false;
  }

  /** Whether a client with this id is connected (CLIENT TRACKING's REDIRECT). */
  exists(id: number): boolean {
    return this.deps.client(id) !== undefined;
  }

  /** The client turned tracking off, RESET, or went away. */
  forget(client: C): void {
    this.table.disable(client.id);
  }

  /** One applied entry's key events; `writer` is the id of this node's client whose write made them, if any. */
  changed(events: readonly KeyEvent[], writer: number | undefined): void {
    if (!this.table.active) return;
    this.send(this.table.changed(events, writer));
  }

  private remember(client: C, entry: TableEntry, argv: readonly Uint8Array[]): void {
    if (!this.table.caches(client.id)) return;
    const keys = readKeys(entry.meta, argv);
    if (keys.length > 0) this.send(this.table.remember(client.id, keys));
  }

  private send(deliveries: readonly Delivery[]): void {
    for (const delivery of deliveries) this.deliver(delivery);
  }

  /** Redis's sendTrackingMessage. */
  private deliver(delivery: Delivery): void {
    const mode = this.table.mode(delivery.client);
    const client = this.deps.client(delivery.client);
    if (mode === undefined || client === undefined) return;
    let target = client;
    const redirecting = mode.redirect !== 0;
    if (redirecting) {
      const redirected = this.deps.client(mode.redirect);
      if (redirected === undefined) {
        mode.brokenRedirect = true;
        if (client.protocol === 3) this.deps.push(client, [redirBroken, integerReply(mode.redirect)]);
        return;
      }
      target = redirected;
    }
    const keys: Reply = delivery.keys === null ? { type: 'null' } : { type: 'array', items: delivery.keys.map((key) => bulkReply(Buffer.from(key, 'latin1'))) };
    if (target.protocol === 3) this.deps.push(target, [invalidate, keys]);
    else if (redirecting && this.deps.subscribed(target)) this.deps.push(target, [message, channel, keys]);
  }
}
