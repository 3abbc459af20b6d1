// Keyspace events: what applied commands changed, named as Redis's notifyKeyspaceEvent names them
// (class letter, event name, key). Commands raise them through Db.notify while they run at apply
// time, on every replica alike and in log order; the state hands each entry's events out once the
// entry is applied (KvState.takeKeyEvents). Recording never changes the keyspace: two replicas with
// and without a listener hold the same state. PUBLISH and SPUBLISH record their messages here too
// (PublishedMessage), each with its place among the entry's events, so pub/sub delivers both in
// the order the entry's commands raised them.

import { assert } from '../lib/assert.js';

/**
 * Redis's event classes (notify-keyspace-events): g generic, $ string, l list, s set, h hash,
 * z sorted set, x expired, e evicted, t stream, m key miss, d module, n new key; and Cairn's own
 * '*': a whole database changed at once (event `flushdb` — FLUSHDB, FLUSHALL — or `swapdb`, key ''),
 * which Redis announces to no subscriber but client tracking and the change feed must hear of.
 * Cairn raises neither 'm' (Redis raises it on reads, and Cairn's reads are local, never applied)
 * nor 'd' (no modules).
 */
export type KeyEventClass = 'g' | '$' | 'l' | 's' | 'h' | 'z' | 'x' | 'e' | 't' | 'm' | 'd' | 'n' | '*';

export interface KeyEvent {
  /** The database the key is in (SELECT's index). */
  readonly db: number;
  readonly cls: KeyEventClass;
  /** Redis's event name: set, del, expired, hset, lpush, rename_from, ... */
  readonly event: string;
  /** The key's bytes as a latin1 string (the keyspace's own form). */
  readonly key: string;
  /** For an event that sets a whole string value (VALUE_EVENTS): the value right after the change (latin1), for the change feed. */
  readonly value?: string;
}

/**
 * The events whose change sets a key's whole string value (SET and its family, the counters): they
 * carry it. In-place edits (append, setrange, setbit, bitfield, pfadd ...) do not: copying a big
 * value on every small edit would make an O(1) command O(n).
 */
export const VALUE_EVENTS: ReadonlySet<string> = new Set(['set', 'incrby', 'decrby', 'incrbyfloat']);

/** A message PUBLISH (or SPUBLISH: `shard`) put in an applied entry, for this node's subscribers. */
export interface PublishedMessage {
  readonly channel: Uint8Array;
  readonly message: Uint8Array;
  readonly shard: boolean;
  /** How many of the entry's keyspace events were raised before it (its place among them). */
  readonly eventsBefore: number;
}

/** Collects the events raised while entries apply, until taken. */
export class KeyEventRecorder {
  private events: KeyEvent[] = [];
  private messages: PublishedMessage[] = [];

  record(db: number, cls: KeyEventClass, event: string, key: string, value?: string): void {
    assert(event.length > 0, 'a keyspace event has a name');
    this.events.push(value === undefined ? { db, cls, event, key } : { db, cls, event, key, value });
  }

  /** The events recorded since the last take, oldest first; the recorder starts empty again. */
  take(): KeyEvent[] {
    const taken = this.events;
    if (taken.length > 0) this.events = [];
    return taken;
  }

  /** Records a published message after the events recorded so far. */
  publish(channel: Uint8Array, message: Uint8Array, shard: boolean): void {
    this.messages.push({ channel, message, shard, eventsBefore: this.events.length });
  }

  /** The messages published since the last take, oldest first (take the events after them: their places count those). */
  takeMessages(): PublishedMessage[] {
    const taken = this.messages;
    if (taken.length > 0) this.messages = [];
    return taken;
  }

  /** Forgets what was recorded (a read-only run that must leave no trace). */
  discard(): void {
    this.events = [];
    this.messages = [];
  }
}
