// Client-side caching's server-wide state, as Redis 7.0's tracking.c keeps it: each tracking
// client's mode (CLIENT TRACKING's options, CLIENT CACHING's one-command flag), the tracking table
// (key → the clients that read it since its last change), bounded by tracking-table-max-keys, and
// the BCAST prefix table (prefix → clients). Pure: it is told what was read and what changed, and
// answers which client must hear of which keys (deliveries); tracking-hub.ts frames and sends them.
//
// Redis's rules kept here: a key is forgotten once its readers were told (they read again to be
// tracked again); a client turned OFF stays in the table until its keys change (skipped then); a
// NOLOOP client is not told of keys its own commands changed; a whole-database change (FLUSHDB,
// FLUSHALL, SWAPDB) tells every tracking client with a null invalidation and empties the table;
// BCAST clients hear of every changed key under their prefixes, as one array per prefix, sorted.

import { assert } from '../lib/assert.js';
import type { KeyEvent } from '../kv/key-events.js';

/** CLIENT TRACKING ON's options once parsed (tracking-options.ts). Keys and prefixes are latin1 strings of their bytes. */
export interface TrackingOptions {
  readonly redirect: number;
  readonly bcast: boolean;
  readonly optin: boolean;
  readonly optout: boolean;
  readonly noloop: boolean;
  readonly prefixes: readonly string[];
}

/** One tracking client's mode. */
export interface ClientTracking {
  readonly id: number;
  /** 0: none (CLIENT GETREDIR's 0). */
  redirect: number;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  /** CLIENT CACHING YES (OPTIN) or NO (OPTOUT) given for the next command or transaction. */
  caching: boolean;
  /** The redirect client was gone when an invalidation was due (CLIENT LIST's R). */
  brokenRedirect: boolean;
  /** BCAST prefixes, in Redis's (byte) order when listed. */
  readonly prefixes: Set<string>;
}

/** Who must hear of what: `keys` null for a whole-database change (a null invalidation). */
export interface Delivery {
  readonly client: number;
  readonly keys: readonly string[] | null;
}

/** Redis's figures for INFO: tracking_clients, tracking_total_keys/items/prefixes. */
export interface TrackingFigures {
  readonly clients: number;
  readonly keys: number;
  readonly items: number;
  readonly prefixes: number;
}

/** Classes that are no change of a key: a miss (m). */
const notAChange = new Set<KeyEvent['cls']>(['m']);

export class TrackingTable {
  private readonly clients = new Map<number, ClientTracking>();
  /** key → ids of the clients that read it; insertion order is the eviction order. */
  private readonly keys = new Map<string, Set<number>>();
  private items = 0;
  /** BCAST prefix → ids of the clients registered for it. */
  private readonly prefixes = new Map<string, Set<number>>();

  /** `maxKeys` is read on every remember: CONFIG SET tracking-table-max-keys applies at once; 0 = no bound. */
  constructor(private readonly maxKeys: () => number) {}

  /** The client's mode when tracking is on. */
  mode(client: number): ClientTracking | undefined {
    return this.clients.get(client);
  }

  get active(): boolean {
    return this.clients.size > 0;
  }

  figures(): TrackingFigures {
    return { clients: this.clients.size, keys: this.keys.size, items: this.items, prefixes: this.prefixes.size };
  }

  /** CLIENT TRACKING ON (options checked by the caller): Redis's enableTracking, prefixes added to those held. */
  enable(client: number, options: TrackingOptions): void {
    const existing = this.clients.get(client);
    assert(existing === undefined || existing.bcast === options.bcast, 'BCAST is switched only through OFF');
    const mode: ClientTracking = existing ?? { id: client, redirect: 0, bcast: false, optin: false, optout: false, noloop: false, caching: false, brokenRedirect: false, prefixes: new Set() };
    mode.redirect = options.redirect;
    mode.bcast = options.bcast;
    mode.optin = options.optin;
    mode.optout = options.optout;
    mode.noloop = options.noloop;
    mode.brokenRedirect = false;
    this.clients.set(client, mode);
    if (!options.bcast) return;
    for (const prefix of options.prefixes.length === 0 ? [''] : options.prefixes) {
      mode.prefixes.add(prefix);
      let ids = this.prefixes.get(prefix);
      if (ids === undefined) this.prefixes.set(prefix, (ids = new Set()));
      ids.add(client);
    }
  }

  /** CLIENT TRACKING OFF, RESET, or the client closed. Its ids stay in the key table until those keys change. */
  disable(client: number): void {
    const mode = this.clients.get(client);
    if (mode === undefined) return;
    for (const prefix of mode.prefixes) {
      const ids = this.prefixes.get(prefix);
      assert(ids !== undefined && ids.has(client), 'a client\'s prefix holds the client');
      ids.delete(client);
      if (ids.size === 0) this.prefixes.delete(prefix);
    }
    this.clients.delete(client);
  }

  /** Whether a read command of `client` now has its keys remembered (Redis's trackingRememberKeys guard). */
  caches(client: number): boolean {
    const mode = this.clients.get(client);
    if (mode === undefined || mode.bcast) return false;
    if (mode.optin) return mode.caching;
    if (mode.optout) return !mode.caching;
    return true;
  }

  /**
   * Remembers that `client` read `keys`; past tracking-table-max-keys, the oldest keys are
   * forgotten and their readers told (Redis evicts at random; the deliveries returned).
   */
  remember(client: number, keys: readonly string[]): Delivery[] {
    for (const key of keys) {
      let ids = this.keys.get(key);
      if (ids === undefined) this.keys.set(key, (ids = new Set()));
      if (!ids.has(client)) {
        ids.add(client);
        this.items++;
      }
    }
    return this.trim();
  }

  /** What the changes of one applied entry must tell, `writer` being the client whose command made them (NOLOOP), if on this node. */
  changed(events: readonly KeyEvent[], writer: number | undefined): Delivery[] {
    const out: Delivery[] = [];
    /** BCAST: changed key → the client that changed it last (NOLOOP), sent once the entry's events are seen. */
    const broadcast = new Map<string, number | undefined>();
    let flushed = false;
    for (const event of events) {
      if (notAChange.has(event.cls)) continue;
      // FLUSHALL raises one per database it emptied, SWAPDB one per database: one null is told.
      if (event.cls === '*') {
        if (!flushed) this.flushed(out);
        flushed = true;
        continue;
      }
      this.invalidate(event.key, writer, out);
      if (this.prefixes.size > 0) broadcast.set(event.key, writer);
    }
    if (broadcast.size > 0) this.broadcast(broadcast, out);
    return out;
  }

  /** Redis's trackingInvalidateKey: tells the key's readers (but a NOLOOP writer, OFF and BCAST clients), then forgets it. */
  private invalidate(key: string, writer: number | undefined, out: Delivery[]): void {
    const ids = this.keys.get(key);
    if (ids === undefined) return;
    for (const id of [...ids].sort(byNumber)) {
      const mode = this.clients.get(id);
      if (mode === undefined || mode.bcast) continue;
      if (mode.noloop && id === writer) continue;
      out.push({ client: id, keys: [key] });
    }
    this.items -= ids.size;
    this.keys.delete(key);
  }

  /** Redis's trackingInvalidateKeysOnFlush: a null invalidation to every tracking client, and an empty table. */
  private flushed(out: Delivery[]): void {
    for (const id of [...this.clients.keys()].sort(byNumber)) out.push({ client: id, keys: null });
    this.keys.clear();
    this.items = 0;
  }

  /** Redis's trackingBroadcastInvalidationMessages: per prefix (in byte order), its changed keys, sorted, to each of its clients. */
  private broadcast(changed: ReadonlyMap<string, number | undefined>, out: Delivery[]): void {
    const sorted = [...changed.keys()].sort();
    for (const prefix of [...this.prefixes.keys()].sort()) {
      const keys = sorted.filter((key) => key.startsWith(prefix));
      if (keys.length === 0) continue;
      for (const id of [...this.prefixes.get(prefix)!].sort(byNumber)) {
        const mode = this.clients.get(id);
        assert(mode !== undefined && mode.bcast, 'a prefix holds BCAST clients only');
        const own = mode.noloop ? keys.filter((key) => changed.get(key) !== id) : keys;
        if (own.length > 0) out.push({ client: id, keys: own });
      }
    }
  }

  /** Forgets the oldest keys while the table holds more than tracking-table-max-keys, telling their readers. */
  private trim(): Delivery[] {
    const maxKeys = this.maxKeys();
    const out: Delivery[] = [];
    if (maxKeys <= 0) return out;
    for (const key of this.keys.keys()) {
      if (this.keys.size <= maxKeys) break;
      this.invalidate(key, undefined, out);
    }
    return out;
  }
}

function byNumber(a: number, b: number): number {
  return a - b;
}
